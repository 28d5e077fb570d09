/**
 * The real side of a case: a bash script, written from the scenario and
 * lblab's built network, that builds the same topology in network
 * namespaces, runs the same exchange with test/kernel/programs/peer.py,
 * captures every interface lblab captures (one tcpdump per direction, so
 * each frame's direction is known), and tears everything down on exit
 * (trap). The script is kept beside the captures, so a failing case can be
 * re-run by hand: `bash <dir>/run.sh`.
 *
 * What is taken from lblab's build, so both sides agree by construction:
 * every interface's MAC and addresses (the VIP and SNAT addresses lblab
 * put on the LB included), the bridge ports in the order lblab numbered
 * them, and the clients' source ports (read from lblab's capture, so the
 * 4-tuples are the same). Namespaces are named `lbk<pid>c<case>-<node>`;
 * nothing is created in the root namespace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, fmtIp, fmtMac, httpRequest, inPrefix, httpResponse, serializeRequest, serializeResponse, TCP_FLAG } from '../../../src/wire/index.js';
import { readCapture } from '../../../src/pcap/index.js';
import { Host } from '../../../src/net/host.js';
import type { LbSpec, NodeSpec, ServiceSpec } from '../../../src/scenario/index.js';
import type { KernelCase } from './case.js';
import type { CapturedFrame } from './frames.js';
import type { LblabRun } from './lblab-side.js';

const PEER = fileURLToPath(new URL('../programs/peer.py', import.meta.url));

/** The TCP receive buffer limits lblab's hosts model (tcp_rmem[2] = 6 MiB gives window scale 7); the machine's own may be larger. */
export const TCP_RMEM = '4096 131072 6291456';

/** Why a case cannot be expressed on the kernel side (thrown while writing the script). */
export class Unsupported extends Error {}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const sec = (ns: number): string => (ns / 1e9).toFixed(3);

/** The namespace prefix of one case in this process. */
export function nsPrefix(caseIndex: number): string {
  return `lbk${process.pid}c${caseIndex}`;
}

interface Ctx {
  readonly kc: KernelCase;
  readonly run: LblabRun;
  readonly ns: (node: string) => string;
  /** Per node, in the order they run: veth creation, sysctls, ip commands (one `ip -b` batch each), nft rules (one `nft -f`). */
  readonly veth: Lines;
  readonly sys: Lines;
  readonly ip: Lines;
  readonly nft: Lines;
}

/** Lines grouped by node, so each phase costs one process per namespace (the machine may be slow). */
class Lines {
  readonly by = new Map<string, string[]>();
  add(node: string, ...l: string[]): void {
    let v = this.by.get(node);
    if (!v) this.by.set(node, (v = []));
    v.push(...l);
  }
}

function ifacesOf(run: LblabRun, node: string): { name: string; mac: number; addrs: { addr: number; len: number }[] }[] {
  const n = run.built.net.node(node);
  if (!n) throw new Error(`lblab built no node ${node}`);
  return n.ifaces.map((i) => ({ name: i.name, mac: i.mac, addrs: i.addrs }));
}

function loAddrs(run: LblabRun, node: string): { addr: number; len: number }[] {
  const n = run.built.net.node(node);
  return n instanceof Host ? n.lo.addrs.filter((a) => a.addr >>> 24 !== 127) : [];
}

function isIpNode(n: NodeSpec): n is Exclude<NodeSpec, { kind: 'switch' }> {
  return n.kind !== 'switch';
}

function nftNat(c: Ctx, lb: LbSpec, svc: ServiceSpec): void {
  const servers = svc.servers;
  if (servers.some((s) => s.port !== svc.port)) throw new Unsupported(`service ${svc.name}: a server port other than the VIP's`);
  const target = servers.length === 1 ? fmtIp(servers[0]!.addr) : `numgen inc mod ${servers.length} map { ${servers.map((s, i) => `${i} : ${fmtIp(s.addr)}`).join(', ')} }`;
  const rules = [`add table ip lblab`, `add chain ip lblab pre { type nat hook prerouting priority dstnat; }`, `add rule ip lblab pre ip daddr ${fmtIp(svc.vip)} tcp dport ${svc.port} dnat to ${target}`];
  if (svc.mode === 'snat') {
    // The SNAT address: lblab's pool, else the LB's address toward the servers (what it put on that interface).
    const to = svc.snatPool[0] ?? onLink(c, lb.name, servers[0]!.addr).addr;
    rules.push(`add chain ip lblab post { type nat hook postrouting priority srcnat; }`, `add rule ip lblab post ct status dnat ip daddr { ${servers.map((s) => fmtIp(s.addr)).join(', ')} } tcp dport ${svc.port} snat to ${fmtIp(to)}`);
  }
  c.nft.add(lb.name, ...rules);
}

/** The node's interface on dst's subnet, and its address there. */
function onLink(c: Ctx, node: string, dst: number): { iface: { name: string; mac: number }; addr: number } {
  for (const i of ifacesOf(c.run, node)) for (const a of i.addrs) if (a.len < 32 && inPrefix(dst, a.addr, a.len)) return { iface: i, addr: a.addr };
  throw new Unsupported(`${node} has no subnet toward ${fmtIp(dst)}`);
}

function macOf(c: Ctx, addr: number): number {
  for (const n of c.kc.scenario.nodes) {
    if (!isIpNode(n)) continue;
    for (const i of ifacesOf(c.run, n.name)) if (i.addrs.some((a) => a.addr === addr)) return i.mac;
  }
  throw new Unsupported(`no interface holds ${fmtIp(addr)}`);
}

function dsr(c: Ctx, lb: LbSpec, svc: ServiceSpec): void {
  const servers = svc.servers;
  const out = onLink(c, lb.name, servers[0]!.addr).iface;
  const match = `ip daddr ${fmtIp(svc.vip)} tcp dport ${svc.port}`;
  if (c.kc.kernel.forwarder === 'netdev') {
    // A netdev forwarder (Katran, nft fwd): fixed MACs, no ARP, TTL kept; stateless, so one server only.
    if (servers.length !== 1) throw new Unsupported(`a netdev DSR forwarder with ${servers.length} servers (it has no connection table)`);
    const src = svc.keepSourceMac ? '' : ` ether saddr set ${fmtMac(out.mac)}`;
    c.nft.add(lb.name, 'add table netdev lblab', `add chain netdev lblab forwarder { type filter hook ingress device ${out.name} priority 0; }`, `add rule netdev lblab forwarder ${match}${src} ether daddr set ${fmtMac(macOf(c, servers[0]!.addr))} fwd to ${out.name}`);
    return;
  }
  if (svc.keepSourceMac) throw new Unsupported('keep-source-mac with a routed (IPVS-like) forwarder: a routed packet always gets the LB\'s MAC');
  // IPVS-DR-like: the VIP stays local for ARP, but packets to it are marked and routed to the server the mark names
  // (ARP for its MAC, TTL - 1), by rules ahead of the local table. The mark is stateless (conntrack sees only the
  // client's half of a DSR flow and calls its ACKs invalid): each client port goes to the server lblab's scheduler
  // chose for it, so the scheduler is not what is compared here.
  const chosen = lblabChoice(c.run, servers.map((s) => s.addr), svc.port);
  const mark = chosen.size === 0 || servers.length === 1 ? '1' : `tcp sport map { ${[...chosen].map(([port, i]) => `${port} : ${i + 1}`).join(', ')} }`;
  c.nft.add(lb.name, 'add table ip lblab', 'add chain ip lblab pre { type filter hook prerouting priority mangle; }', `add rule ip lblab pre ${match} meta mark set ${mark}`);
  servers.forEach((s, i) => c.ip.add(lb.name, `rule add fwmark ${i + 1} lookup ${101 + i} pref ${10 + i}`, `route add default via ${fmtIp(s.addr)} dev ${out.name} table ${101 + i}`));
  c.ip.add(lb.name, 'rule del pref 0', 'rule add pref 100 lookup local');
}

function services(c: Ctx, lb: LbSpec): void {
  for (const svc of lb.services) {
    if (svc.proto !== 'tcp') throw new Unsupported(`UDP service ${svc.name}`);
    if (svc.scheduler !== 'round-robin' && svc.servers.length > 1) throw new Unsupported(`scheduler ${svc.scheduler} (the kernel side does round-robin)`);
    if (svc.mode === 'nat' || svc.mode === 'snat') nftNat(c, lb, svc);
    else if (svc.mode === 'transparent') {
      c.sys.add(lb.name, 'net.bridge.bridge-nf-call-iptables=1');
      nftNat(c, lb, svc);
    } else if (svc.mode === 'dsr') dsr(c, lb, svc);
    else throw new Unsupported(`mode ${svc.mode}: this kernel has no ipip devices`);
  }
}

/** Which server (index) each client port's SYN reached in lblab's run, by the SYNs the servers received. */
function lblabChoice(run: LblabRun, servers: readonly number[], port: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const f of run.frames) {
    if (f.dir !== 'in') continue;
    const d = decode(f.data);
    if (!d.ok || d.value.payload.kind !== 'ipv4') continue;
    const t = d.value.payload.payload;
    if (t.kind !== 'tcp' || t.dport !== port || t.flags !== TCP_FLAG.SYN || out.has(t.sport)) continue;
    // The first server whose own interface (not a switch port) received it.
    const node = f.point.split(':')[0]!;
    const i = servers.findIndex((a) => run.built.net.node(node)?.ifaces.some((x) => x.addrs.some((y) => y.addr === a)));
    if (i >= 0) out.set(t.sport, i);
  }
  return out;
}

/** The client source ports lblab used toward dst:port from `node`, in order (from its capture: the SYNs it sent). */
function lblabPorts(run: LblabRun, node: string, dst: number, port: number): number[] {
  const out: number[] = [];
  const seen = new Set<string>();
  for (const f of run.frames) {
    if (f.dir !== 'out' || !f.point.startsWith(`${node}:`)) continue;
    const d = decode(f.data);
    if (!d.ok || d.value.payload.kind !== 'ipv4') continue;
    const ip = d.value.payload;
    const t = ip.payload;
    if (t.kind !== 'tcp' || ip.dst !== dst || t.dport !== port || t.flags !== TCP_FLAG.SYN) continue;
    // A retransmitted SYN has the same port and ISN; a new connection on the same port (TIME_WAIT reuse) a new ISN.
    if (!seen.has(`${t.sport}/${t.seq}`)) out.push(t.sport);
    seen.add(`${t.sport}/${t.seq}`);
  }
  return out;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function apps(c: Ctx, dir: string): { servers: string[]; clients: string[] } {
  const servers: string[] = [];
  const clients: string[] = [];
  for (const a of c.kc.scenario.apps) {
    const ns = c.ns(a.on);
    if (a.kind === 'http-server') {
      if (a.headers.length || a.cookie) throw new Unsupported('http-server with extra headers or cookies');
      // The bytes lblab's http-server sends to a `Connection: close` request (src/apps/http-server.ts respond()).
      const body = a.body ?? `${a.on}\n`;
      const res = httpResponse({ status: a.status, headers: [{ name: 'Server', value: a.on }, { name: 'Content-Type', value: 'text/plain' }, { name: 'Content-Length', value: String(body.length) }, { name: 'Connection', value: 'close' }], body });
      const ready = join(dir, `ready-${a.on}-${a.id}`);
      servers.push(`ip netns exec ${ns} python3 ${q(PEER)} ${q(JSON.stringify({ role: 'server', port: a.port, reply: hex(serializeResponse(res)), ready }))} >${q(join(dir, `server-${a.on}.log`))} 2>&1 &\nPEERS+=($!); READY+=(${q(ready)})`);
    } else if (a.kind === 'http-client' || a.kind === 'tcp-connect') {
      if (a.kind === 'http-client' && (a.keepalive || a.rate || a.concurrency !== 1 || a.resolver || a.paths || a.headers.length || a.method !== 'GET' || a.host !== null)) throw new Unsupported('an http-client other than sequential GETs with the default headers');
      const dst = a.to.addr;
      const sports = lblabPorts(c.run, a.on, dst, a.port);
      if (sports.length === 0) throw new Unsupported(`lblab's ${a.kind} on ${a.on} sent no SYN in the window`);
      // The bytes lblab's http-client sends (src/apps/http-client.ts: Host, User-Agent, Accept, Connection: close),
      // Host as curl sends it: the name or address, with the port unless it is 80.
      const named = a.to.kind === 'name' ? a.to.text : fmtIp(dst);
      const host = (a.kind === 'http-client' ? a.host : null) ?? (a.port === 80 ? named : `${named}:${a.port}`);
      const req = httpRequest({ method: 'GET', target: a.kind === 'http-client' ? a.path : '/', headers: [{ name: 'Host', value: host }, { name: 'User-Agent', value: 'lblab' }, { name: 'Accept', value: '*/*' }, { name: 'Connection', value: 'close' }] });
      const src = ifacesOf(c.run, a.on).find((i) => i.name !== 'lo' && i.addrs.length > 0)?.addrs[0]?.addr;
      if (src === undefined) throw new Unsupported(`${a.on} has no address`);
      const cfg = { role: 'client', dst: fmtIp(dst), dport: a.port, src: fmtIp(src), sports, send: hex(serializeRequest(req)), connect_only: a.kind === 'tcp-connect', timeout: Number(sec(c.kc.kernel.settle)) };
      clients.push(`(sleep ${sec(a.start)}; exec ip netns exec ${ns} python3 ${q(PEER)} ${q(JSON.stringify(cfg))}) >${q(join(dir, `client-${a.on}-${a.id}.log`))} 2>&1 &\nCLIENTS+=($!)`);
    } else throw new Unsupported(`app ${a.kind}`);
  }
  return { servers, clients };
}

/** Writes the script of a case into `dir` and returns its path and the capture files it will write. */
export function writeScript(kc: KernelCase, run: LblabRun, caseIndex: number, dir: string): { script: string; captures: { point: string; dir: 'in' | 'out'; file: string }[] } {
  mkdirSync(dir, { recursive: true });
  const prefix = nsPrefix(caseIndex);
  const ns = (node: string): string => `${prefix}-${node}`;
  const c: Ctx = { kc, run, ns, veth: new Lines(), sys: new Lines(), ip: new Lines(), nft: new Lines() };
  const sc = kc.scenario;
  const all = sc.nodes.map((n) => ns(n.name));
  for (const n of sc.nodes) {
    c.ip.add(n.name, 'link set lo up');
    // No IPv6: no neighbour discovery or MLD noise (lblab has no IPv6).
    c.sys.add(n.name, 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
    if (n.kind !== 'switch') c.sys.add(n.name, `net.ipv4.tcp_rmem=${TCP_RMEM}`);
    if (n.kind === 'switch') c.veth.add(n.name, `link add br0 type bridge stp_state 0 mcast_snooping 0 ageing_time ${Math.round(n.aging / 1e7)}`);
    if (n.kind === 'lb' && n.bridge) c.veth.add(n.name, 'link add br0 type bridge stp_state 0 mcast_snooping 0');
  }
  for (const l of sc.links) {
    if (l.loss > 0) throw new Unsupported('a lossy link (use an nft drop rule in kernel.nft, and say so in the scenario)');
    c.veth.add(l.a.node, `link add ${l.a.iface} type veth peer name ${l.b.iface} netns ${ns(l.b.node)}`);
  }
  for (const n of sc.nodes) {
    for (const i of ifacesOf(run, n.name)) if (i.name !== 'lo') c.ip.add(n.name, `link set ${i.name} address ${fmtMac(i.mac)}`);
    if (n.kind === 'switch') for (const p of n.ports) c.ip.add(n.name, `link set ${p.name} master br0`);
    if (n.kind === 'lb' && n.bridge) for (const p of n.bridge.ports) c.ip.add(n.name, `link set ${p} master br0`);
  }
  for (const n of sc.nodes) {
    if (!isIpNode(n)) {
      for (const i of ifacesOf(run, n.name)) if (i.name !== 'lo') c.ip.add(n.name, `link set ${i.name} up`);
      c.ip.add(n.name, 'link set br0 up');
      continue;
    }
    if (n.kind !== 'host' && n.kind !== 'router' && n.kind !== 'lb') throw new Unsupported(`node kind ${n.kind}`);
    if (n.ipip) throw new Unsupported('ipip: this kernel has no ipip devices');
    c.sys.add(n.name, `net.ipv4.ip_forward=${n.kind === 'host' ? 0 : 1}`);
    for (const i of ifacesOf(run, n.name)) {
      if (i.name === 'lo') continue;
      for (const a of i.addrs) c.ip.add(n.name, `addr add ${fmtIp(a.addr)}/${a.len} dev ${i.name}`);
      c.ip.add(n.name, `link set ${i.name} up`);
    }
    for (const a of loAddrs(run, n.name)) c.ip.add(n.name, `addr add ${fmtIp(a.addr)}/${a.len} dev lo`);
    for (const s of n.sysctls) {
      if (s.name.startsWith('net.ipv4.ip_local_port_range')) continue; // the clients bind lblab's ports
      c.sys.add(n.name, `${s.name}=${s.value}`);
    }
    if (n.gateway) c.ip.add(n.name, `route add default via ${fmtIp(n.gateway.via)} dev ${n.gateway.dev}`);
    for (const r of n.routes) {
      if (r.nexthops) throw new Unsupported('ECMP routes');
      c.ip.add(n.name, `route add ${fmtIp(r.to.addr)}/${r.to.len}${r.via !== null ? ` via ${fmtIp(r.via)}` : ''} dev ${r.dev} metric ${r.metric}`);
    }
    if (n.kind === 'lb') {
      if (n.vrrp || n.proxies.length) throw new Unsupported('VRRP or L7 proxies');
      services(c, n);
    }
  }
  for (const [node, rules] of Object.entries(kc.kernel.nft)) c.nft.add(node, ...rules.trim().split('\n'));
  for (const [node, kv] of Object.entries(kc.kernel.sysctls)) for (const [k, v] of Object.entries(kv)) c.sys.add(node, `${k}=${String(v)}`);
  const lines: string[] = [`ip -b - <<'EOF'\n${all.map((n) => `netns add ${n}`).join('\n')}\nEOF`];
  const batch = (l: Lines): void => {
    for (const [node, v] of l.by) lines.push(`ip -n ${ns(node)} -b - <<'EOF'\n${v.join('\n')}\nEOF`);
  };
  batch(c.veth);
  // sysctl before the links come up, so IPv6 is off before an interface could send anything.
  for (const [node, v] of c.sys.by) lines.push(`ip netns exec ${ns(node)} sysctl -qw ${v.map(q).join(' ')}`);
  batch(c.ip);
  for (const [node, v] of c.nft.by) lines.push(`ip netns exec ${ns(node)} nft -f - <<'EOF'\n${v.join('\n')}\nEOF`);

  const points = [...new Set(run.frames.map((f) => f.point))];
  const captures: { point: string; dir: 'in' | 'out'; file: string }[] = [];
  const dumps: string[] = [];
  for (const p of points) {
    const [node, iface] = p.split(':') as [string, string];
    for (const d of ['in', 'out'] as const) {
      const file = join(dir, `${node}-${iface}.${d}.pcap`);
      captures.push({ point: p, dir: d, file });
      dumps.push(`ip netns exec ${ns(node)} tcpdump -i ${iface} -Q ${d} -nn -U --immediate-mode -w ${q(file)} 2>>${q(join(dir, 'tcpdump.log'))} &\nDUMPS+=($!); FILES+=(${q(file)})`);
    }
  }
  const { servers, clients } = apps(c, dir);
  const script = `#!/usr/bin/env bash
# Kernel side of case ${kc.name} (${kc.file}), written by test/kernel/harness/netns.ts.
set -euo pipefail
DUMPS=(); PEERS=(); CLIENTS=(); FILES=(); READY=()
cleanup() {
  for p in "\${CLIENTS[@]}" "\${PEERS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "\${DUMPS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  for p in "\${DUMPS[@]}" "\${PEERS[@]}" "\${CLIENTS[@]}"; do wait "$p" 2>/dev/null || true; done
  for ns in ${all.join(' ')}; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
${lines.join('\n')}
${dumps.join('\n')}
# Bounded (60 s), not timed: a loaded machine may take seconds to start tcpdump or python.
wait_for() { for _ in $(seq 1200); do ok=1; for f in "$@"; do [ -e "$f" ] || ok=0; done; [ $ok = 1 ] && return 0; sleep 0.05; done; echo "timed out waiting for $*" >&2; return 1; }
wait_for "\${FILES[@]}"
${servers.join('\n')}
[ \${#READY[@]} = 0 ] || wait_for "\${READY[@]}"
sleep 0.2
${clients.join('\n')}
START_US=\${EPOCHREALTIME/./}
for p in "\${CLIENTS[@]}"; do wait "$p" || true; done
CLIENTS=()
# Let the run last \`settle\` from the clients' start, so late frames (retransmissions) are captured too.
# At least 0.5 s more in any case, so tcpdump has read the last frames (the final ACK) before it is stopped.
LEFT_US=$(( ${Math.round(kc.kernel.settle / 1000)} - (\${EPOCHREALTIME/./} - START_US) ))
if (( LEFT_US < 500000 )); then LEFT_US=500000; fi
sleep "$(printf '%d.%06d' $((LEFT_US / 1000000)) $((LEFT_US % 1000000)))"
`;
  const path = join(dir, 'run.sh');
  writeFileSync(path, script, { mode: 0o755 });
  return { script: path, captures };
}

/** How long a case's script may run before it is stopped: a guard against a hang, far above what a loaded machine needs. */
export const SCRIPT_LIMIT_MS = 180_000;

/** Runs a case's script (bounded) and reads its captures; throws with the script's stderr when it fails. */
export function runKernel(script: string, captures: readonly { point: string; dir: 'in' | 'out'; file: string }[]): CapturedFrame[] {
  const r = spawnSync('bash', [script], { encoding: 'utf8', timeout: SCRIPT_LIMIT_MS, killSignal: 'SIGTERM' });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status ?? r.signal}): ${r.stderr.trim().split('\n').slice(-8).join('\n')}`);
  const frames: CapturedFrame[] = [];
  for (const c of captures) {
    if (!existsSync(c.file)) throw new Error(`${script}: no capture ${c.file}`);
    const read = readCapture(new Uint8Array(readFileSync(c.file)), c.file);
    if (!read.ok) throw new Error(read.error.message);
    for (const p of read.value.packets) frames.push({ point: c.point, dir: c.dir, t: Number(p.ts), data: p.data });
  }
  return frames;
}

/** Deletes every namespace this process created (by its exact prefix), for afterAll. */
export function removeNamespaces(): void {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const mine = `lbk${process.pid}c`;
  for (const line of (r.stdout ?? '').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (name.startsWith(mine)) spawnSync('ip', ['netns', 'del', name]);
  }
}

/** Why the kernel side cannot run on this machine (not root, a tool missing), or null when it can. */
export function kernelUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root (the kernel differential suite needs network namespaces)';
  for (const [tool, args] of [['ip', ['netns', 'list']], ['nft', ['--version']], ['tcpdump', ['--version']], ['python3', ['--version']]] as const) {
    const r = spawnSync(tool, args as unknown as string[], { encoding: 'utf8' });
    if (r.error || r.status !== 0) return `${tool} is not available (install iproute2, nftables, tcpdump and python3)`;
  }
  return null;
}
