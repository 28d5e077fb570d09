// lblab's ns-3 comparison program: the benchmark workload of
// docs/performance.md ("The workload, frame by frame") and
// src/bench/workload.ts, built in ns-3 3.37 (Debian's libns3-dev) so that
// `lblab bench --ns3 build` can time both simulators on the same frames.
//
// Topologies: `lan` (servers then clients, one CSMA link each to one
// BridgeNetDevice) and `router` (servers on switch B, clients on switch A,
// a router with one leg in each LAN). Traffic: client i sends datagram k
// (100 zero bytes) to server (i+k) mod S, UDP port 9, at t(k*C+i); the
// servers run ns-3's UdpEchoServer. It prints one JSON line and exits 1 if a
// datagram was not echoed (or, with --verify=1, if the frame-hops counted on
// every device differ from the formulas).
//
// Build (what `lblab bench --ns3 build` runs; Debian's
// `pkg-config --cflags ns3-*` emits a broken "-I/usr\;" token in 3.37, so
// only --libs is taken, and libgsl-dev must be installed for the link):
//   g++ -O2 -std=c++17 -DNS3_LOG_ENABLE -I/usr/include -o lblab_ns3 lblab_ns3.cc \
//     $(pkg-config --libs ns3-core ns3-network ns3-internet ns3-csma ns3-bridge ns3-applications ns3-traffic-control)

#include "ns3/applications-module.h"
#include "ns3/bridge-module.h"
#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/traffic-control-module.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

// The global send schedule: t(n) = T0 + n*W for n < Nw, then G apart.
struct SendPlan
{
    int64_t t0Ns;
    int64_t warmNs;
    int64_t gapNs;
    uint64_t nWarm;

    int64_t At(uint64_t n) const
    {
        if (n < nWarm)
            return t0Ns + (int64_t)n * warmNs;
        return t0Ns + (int64_t)nWarm * warmNs + (int64_t)(n - nWarm) * gapNs;
    }
};

uint64_t g_echoed = 0;
uint64_t g_sent = 0;
uint64_t g_txFrames = 0;

// Client i of C: one UDP socket, P datagrams, each scheduled by its global index.
class EchoClient : public Application
{
  public:
    void Setup(uint32_t index,
               uint32_t nClients,
               uint32_t nPackets,
               uint32_t payload,
               const std::vector<Ipv4Address>* servers,
               const SendPlan* plan)
    {
        m_index = index;
        m_nClients = nClients;
        m_nPackets = nPackets;
        m_payload = payload;
        m_servers = servers;
        m_plan = plan;
    }

  private:
    void StartApplication() override
    {
        m_socket = Socket::CreateSocket(GetNode(), UdpSocketFactory::GetTypeId());
        m_socket->Bind();
        m_socket->SetRecvCallback(MakeCallback(&EchoClient::Receive, this));
        Next();
    }

    void StopApplication() override
    {
        if (m_socket)
            m_socket->Close();
    }

    void Next()
    {
        if (m_k >= m_nPackets)
            return;
        int64_t at = m_plan->At((uint64_t)m_k * m_nClients + m_index);
        Simulator::Schedule(NanoSeconds(at) - Simulator::Now(), &EchoClient::Send, this);
    }

    void Send()
    {
        const Ipv4Address dst = (*m_servers)[(m_index + m_k) % m_servers->size()];
        m_socket->SendTo(Create<Packet>(m_payload), 0, InetSocketAddress(dst, 9));
        g_sent++;
        m_k++;
        Next();
    }

    void Receive(Ptr<Socket> s)
    {
        Address from;
        while (s->RecvFrom(from))
            g_echoed++;
    }

    Ptr<Socket> m_socket;
    uint32_t m_index = 0;
    uint32_t m_nClients = 0;
    uint32_t m_nPackets = 0;
    uint32_t m_payload = 0;
    uint32_t m_k = 0;
    const std::vector<Ipv4Address>* m_servers = nullptr;
    const SendPlan* m_plan = nullptr;
};

void
CountTx(Ptr<const Packet>)
{
    g_txFrames++;
}

// 10.<net>.0.0/16, host number h (1..65534).
Ipv4Address
Addr(uint32_t net, uint32_t h)
{
    return Ipv4Address((10u << 24) | (net << 16) | h);
}

// Gives `dev` its IPv4 interface by hand (Ipv4AddressHelper would also
// install the default fq_codel qdisc, which --qdisc decides separately).
void
AddIp(Ptr<NetDevice> dev, Ipv4Address a)
{
    Ptr<Ipv4> ip = dev->GetNode()->GetObject<Ipv4>();
    int32_t i = ip->AddInterface(dev);
    ip->AddAddress(i, Ipv4InterfaceAddress(a, Ipv4Mask("255.255.0.0")));
    ip->SetMetric(i, 1);
    ip->SetUp(i);
}

// A permanent ARP entry on `from` for `to`'s address (ip neigh add ... nud permanent).
void
PinArp(Ptr<NetDevice> from, Ptr<NetDevice> to)
{
    Ptr<Ipv4L3Protocol> ipF = from->GetNode()->GetObject<Ipv4L3Protocol>();
    Ptr<Ipv4L3Protocol> ipT = to->GetNode()->GetObject<Ipv4L3Protocol>();
    Ptr<Ipv4Interface> f = ipF->GetInterface(ipF->GetInterfaceForDevice(from));
    Ptr<Ipv4Interface> t = ipT->GetInterface(ipT->GetInterfaceForDevice(to));
    ArpCache::Entry* e = f->GetArpCache()->Add(t->GetAddress(0).GetLocal());
    e->SetMacAddress(to->GetAddress());
    e->MarkPermanent();
}

void
DefaultRoute(Ptr<Node> n, Ipv4Address gw)
{
    Ipv4StaticRoutingHelper h;
    h.GetStaticRouting(n->GetObject<Ipv4>())->SetDefaultRoute(gw, 1);
}

double
Secs(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b)
{
    return std::chrono::duration<double>(b - a).count();
}

} // namespace

int
main(int argc, char* argv[])
{
    const auto tStart = std::chrono::steady_clock::now();
    std::string topo = "lan";
    std::string arp = "dynamic";
    uint32_t C = 10;
    uint32_t S = 2;
    uint32_t P = 100;
    uint32_t payload = 100;
    bool qdisc = true;
    bool verify = false;

    CommandLine cmd;
    cmd.AddValue("topo", "lan or router", topo);
    cmd.AddValue("clients", "clients C (a multiple of S)", C);
    cmd.AddValue("servers", "servers S", S);
    cmd.AddValue("packets", "datagrams per client P", P);
    cmd.AddValue("payload", "UDP payload bytes", payload);
    cmd.AddValue("arp", "dynamic or static", arp);
    cmd.AddValue("qdisc", "1: fq_codel root qdisc on every host NIC (stock ns-3), 0: none", qdisc);
    cmd.AddValue("verify", "1: count frame-hops on every device and check the formulas", verify);
    cmd.Parse(argc, argv);

    const bool lan = topo == "lan";
    const bool pinned = arp == "static";
    if ((!lan && topo != "router") || (!pinned && arp != "dynamic") || C == 0 || S == 0 ||
        P == 0 || C % S != 0 || C + S > 65000)
    {
        std::fprintf(stderr,
                     "lblab_ns3: need --topo=lan|router --arp=dynamic|static, C, S, P > 0, "
                     "C a multiple of S, C+S <= 65000\n");
        return 2;
    }

    // The one change from ns-3's defaults: no random 0-10 ms ARP request
    // jitter, which would overflow the 3-packet pending queue.
    Config::SetDefault("ns3::ArpL3Protocol::RequestJitter",
                       StringValue("ns3::ConstantRandomVariable[Constant=0.0]"));

    SendPlan plan;
    plan.t0Ns = 1000000;
    if (lan)
    {
        plan.warmNs = 150000;
        plan.gapNs = 1000 * (int64_t)std::max((24 + std::max(S - 1, 1u) - 1) / std::max(S - 1, 1u),
                                              (46 + C - 1) / C);
        plan.nWarm = pinned ? S : (uint64_t)C * std::min(S, P);
    }
    else
    {
        plan.warmNs = 300000;
        plan.gapNs = 1000 * (int64_t)std::max(69u, (91 + C - 1) / C);
        plan.nWarm = pinned ? S : C;
    }
    plan.nWarm = std::min<uint64_t>(plan.nWarm, (uint64_t)C * P);

    CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", DataRateValue(DataRate("1Gbps")));
    csma.SetChannelAttribute("Delay", TimeValue(MicroSeconds(10)));
    InternetStackHelper stack;
    stack.SetIpv6StackInstall(false);

    // Creation order fixes node ids and MACs: servers, clients, then the rest.
    NodeContainer servers;
    NodeContainer clients;
    servers.Create(S);
    clients.Create(C);
    NetDeviceContainer serverDevs;
    NetDeviceContainer clientDevs;
    NetDeviceContainer hostDevs;
    std::vector<Ipv4Address> serverAddrs;
    BridgeHelper bridge;

    if (lan)
    {
        NodeContainer sw;
        sw.Create(1);
        NetDeviceContainer ports;
        for (uint32_t h = 0; h < S + C; h++)
        {
            Ptr<Node> n = h < S ? servers.Get(h) : clients.Get(h - S);
            NetDeviceContainer l = csma.Install(NodeContainer(n, sw.Get(0)));
            (h < S ? serverDevs : clientDevs).Add(l.Get(0));
            ports.Add(l.Get(1));
        }
        bridge.Install(sw.Get(0), ports);
        stack.Install(servers);
        stack.Install(clients);
        for (uint32_t h = 0; h < S + C; h++)
        {
            Ptr<NetDevice> d = h < S ? serverDevs.Get(h) : clientDevs.Get(h - S);
            AddIp(d, Addr(0, h + 1));
            if (h < S)
                serverAddrs.push_back(Addr(0, h + 1));
        }
        if (pinned)
        {
            // Every client to every server and back: the entries the traffic uses.
            for (uint32_t c = 0; c < C; c++)
                for (uint32_t s = 0; s < S; s++)
                {
                    PinArp(clientDevs.Get(c), serverDevs.Get(s));
                    PinArp(serverDevs.Get(s), clientDevs.Get(c));
                }
        }
    }
    else
    {
        NodeContainer rtr;
        NodeContainer sw;
        rtr.Create(1);
        sw.Create(2); // A (clients), B (servers)
        NetDeviceContainer portsA;
        NetDeviceContainer portsB;
        for (uint32_t s = 0; s < S; s++)
        {
            NetDeviceContainer l = csma.Install(NodeContainer(servers.Get(s), sw.Get(1)));
            serverDevs.Add(l.Get(0));
            portsB.Add(l.Get(1));
        }
        for (uint32_t c = 0; c < C; c++)
        {
            NetDeviceContainer l = csma.Install(NodeContainer(clients.Get(c), sw.Get(0)));
            clientDevs.Add(l.Get(0));
            portsA.Add(l.Get(1));
        }
        NetDeviceContainer rb = csma.Install(NodeContainer(rtr.Get(0), sw.Get(1)));
        portsB.Add(rb.Get(1));
        NetDeviceContainer ra = csma.Install(NodeContainer(rtr.Get(0), sw.Get(0)));
        portsA.Add(ra.Get(1));
        bridge.Install(sw.Get(0), portsA);
        bridge.Install(sw.Get(1), portsB);
        stack.Install(servers);
        stack.Install(clients);
        stack.Install(rtr);
        // Interface 1 of the router is its B leg, 2 its A leg.
        AddIp(rb.Get(0), Addr(2, 1));
        AddIp(ra.Get(0), Addr(1, 1));
        for (uint32_t s = 0; s < S; s++)
        {
            AddIp(serverDevs.Get(s), Addr(2, s + 2));
            serverAddrs.push_back(Addr(2, s + 2));
            DefaultRoute(servers.Get(s), Addr(2, 1));
        }
        for (uint32_t c = 0; c < C; c++)
        {
            AddIp(clientDevs.Get(c), Addr(1, c + 2));
            DefaultRoute(clients.Get(c), Addr(1, 1));
        }
        if (pinned)
        {
            for (uint32_t s = 0; s < S; s++)
            {
                PinArp(serverDevs.Get(s), rb.Get(0));
                PinArp(rb.Get(0), serverDevs.Get(s));
            }
            for (uint32_t c = 0; c < C; c++)
            {
                PinArp(clientDevs.Get(c), ra.Get(0));
                PinArp(ra.Get(0), clientDevs.Get(c));
            }
        }
        hostDevs.Add(rb.Get(0));
        hostDevs.Add(ra.Get(0));
    }
    hostDevs.Add(serverDevs);
    hostDevs.Add(clientDevs);

    if (qdisc)
    {
        // What Ipv4AddressHelper::Assign would have installed on each host NIC.
        TrafficControlHelper tch = TrafficControlHelper::Default();
        for (uint32_t d = 0; d < hostDevs.GetN(); d++)
            tch.Install(hostDevs.Get(d));
    }

    UdpEchoServerHelper echo(9);
    echo.Install(servers).Start(Seconds(0));
    for (uint32_t i = 0; i < C; i++)
    {
        Ptr<EchoClient> app = CreateObject<EchoClient>();
        app->Setup(i, C, P, payload, &serverAddrs, &plan);
        clients.Get(i)->AddApplication(app);
        app->SetStartTime(Seconds(0));
    }

    if (verify)
    {
        // Every frame put on a link starts with PhyTxBegin on its sender (host or switch port).
        Config::ConnectWithoutContext("/NodeList/*/DeviceList/*/$ns3::CsmaNetDevice/PhyTxBegin",
                                      MakeCallback(&CountTx));
    }

    const auto tRun = std::chrono::steady_clock::now();
    Simulator::Run();
    const auto tRunEnd = std::chrono::steady_clock::now();
    const uint64_t events = Simulator::GetEventCount();
    const double simEnd = Simulator::Now().GetSeconds();
    Simulator::Destroy();
    const auto tEnd = std::chrono::steady_clock::now();

    // The frame-hops the workload makes (docs/performance.md "Frame-hops"):
    // ns-3 does not learn the requester of an ARP request it answers, so each
    // client/server pair costs two broadcast exchanges.
    const uint64_t c = C, s = S, p = P;
    const uint64_t used = std::min<uint64_t>(s, c * p);
    uint64_t data, ctrl;
    if (lan)
    {
        data = 4 * c * p;
        ctrl = pinned ? used * (c + s - 2) : c * std::min(s, p) * (2 * (c + s) + 4);
    }
    else
    {
        data = 8 * c * p;
        ctrl = pinned ? (c - 1) + used * (s - 1) : c * (2 * c + 6) + used * (2 * used + 6);
    }

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::printf("{\"topo\":\"%s\",\"C\":%u,\"S\":%u,\"P\":%u,\"arp\":\"%s\",\"qdisc\":%d,"
                "\"events\":%llu,\"sim_end_s\":%.9f,\"sent\":%llu,\"echoed\":%llu,"
                "\"hops_data\":%llu,\"hops_ctrl\":%llu,\"hops_total\":%llu,"
                "\"setup_s\":%.4f,\"run_s\":%.4f,\"destroy_s\":%.4f,\"peak_rss_kb\":%ld",
                topo.c_str(), C, S, P, arp.c_str(), qdisc ? 1 : 0,
                (unsigned long long)events, simEnd, (unsigned long long)g_sent,
                (unsigned long long)g_echoed, (unsigned long long)data,
                (unsigned long long)ctrl, (unsigned long long)(data + ctrl),
                Secs(tStart, tRun), Secs(tRun, tRunEnd), Secs(tRunEnd, tEnd), ru.ru_maxrss);
    if (verify)
        std::printf(",\"v_tx_frames\":%llu", (unsigned long long)g_txFrames);
    std::printf("}\n");

    if (g_sent != c * p || g_echoed != g_sent)
    {
        std::fprintf(stderr, "lblab_ns3: %llu sent, %llu echoed, %llu expected\n",
                     (unsigned long long)g_sent, (unsigned long long)g_echoed,
                     (unsigned long long)(c * p));
        return 1;
    }
    if (verify && g_txFrames != data + ctrl)
    {
        std::fprintf(stderr, "lblab_ns3: counted %llu frame-hops, the formulas say %llu\n",
                     (unsigned long long)g_txFrames, (unsigned long long)(data + ctrl));
        return 1;
    }
    return 0;
}
