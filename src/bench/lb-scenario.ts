/**
 * The load-balancer benchmark workload, written as the scenario file a user
 * would write (and checked by the same loader): 100 clients on one switch,
 * 10 http-servers (1000 workers each) behind one LB service, each client
 * making R requests with concurrency 10, one `flow` expectation per client.
 * The LB runs in one of five modes:
 *  - snat: one-arm behind a router, the LB rewrites both addresses from a
 *    SNAT pool big enough for the rate (the kernel's port range per address);
 *  - nat: the LB is the clients' and the servers' gateway (two legs);
 *  - dsr: one-arm, the servers hold the VIP on lo and answer directly;
 *  - tunnel: one-arm, IP-in-IP to servers on their own subnet;
 *  - l7: an HTTP proxy on the VIP, one pool of the 10 servers.
 */

/** The LB modes the benchmark measures. */
export const LB_BENCH_MODES = ['snat', 'nat', 'dsr', 'tunnel', 'l7'] as const;

/** One of them. */
export type LbBenchMode = (typeof LB_BENCH_MODES)[number];

/** The size of one LB benchmark run. */
export interface LbBenchSpec {
  readonly mode: LbBenchMode;
  /** Total connections (clients x requests each). */
  readonly connections: number;
  /** Clients (default 100). */
  readonly clients?: number;
  /** Servers (default 10). */
  readonly servers?: number;
}

/** Addresses in the SNAT pool: each gives the ~28k ports of ip_local_port_range (32768-60999) per server. */
const SNAT_POOL = 16;

/** The scenario text of a size: YAML a user could have written. */
export function lbScenarioYaml(s: LbBenchSpec): string {
  const C = s.clients ?? 100;
  const S = s.servers ?? 10;
  const R = Math.max(1, Math.ceil(s.connections / C));
  const m = s.mode;
  const twoLeg = m === 'nat' || m === 'l7';
  // Client LAN 10.0.0.0/16 (x.x.0.1 is the gateway); servers on 10.1.0.0/16 (tunnel: 10.2.0.0/16).
  const srvNet = m === 'tunnel' ? '10.2' : '10.1';
  const vip = twoLeg ? '10.0.0.100' : '10.1.0.100';
  const L: string[] = ['lblab: 1', `title: "LB benchmark: ${m}, ${C} clients x ${R} requests, ${S} servers"`, 'seed: 1', '', 'nodes:'];
  L.push('  sw1: { kind: switch }', '  sw2: { kind: switch }');
  if (m === 'tunnel') L.push('  sw3: { kind: switch }');
  for (let i = 0; i < C; i++) L.push(`  c${i}: { kind: host, interfaces: { eth0: 10.0.${1 + (i >> 8)}.${i & 255}/16 }, gateway: 10.0.0.1 }`);
  if (!twoLeg) {
    L.push(`  r1: { kind: router, interfaces: { eth0: 10.0.0.1/16, eth1: 10.1.0.1/16${m === 'tunnel' ? ', eth2: 10.2.0.1/16' : ''} } }`);
  }
  const servers = Array.from({ length: S }, (_, i) => `web${i}`);
  const pool = Array.from({ length: SNAT_POOL }, (_, i) => `10.1.0.${200 + i}`);
  if (m === 'l7') {
    L.push(`  lb1:`, `    kind: lb`, `    interfaces: { eth0: 10.0.0.1/16, eth1: 10.1.0.1/16 }`, `    proxies:`, `      shop: { vip: ${vip}, port: 80, pools: { default: [${servers.join(', ')}] } }`);
  } else {
    const ifaces = m === 'nat' ? '{ eth0: 10.0.0.1/16, eth1: 10.1.0.1/16 }' : '{ eth0: 10.1.0.5/16 }';
    const snat = m === 'snat' ? `, snat_pool: [${pool.join(', ')}]` : '';
    L.push(`  lb1:`, `    kind: lb`, `    interfaces: ${ifaces}`);
    if (m !== 'nat') L.push('    gateway: 10.1.0.1');
    L.push('    services:', `      shop: { vip: ${vip}, port: 80, mode: ${m}, scheduler: rr, servers: [${servers.join(', ')}]${snat} }`);
  }
  const dsrLike = m === 'dsr' || m === 'tunnel';
  const extra = dsrLike
    ? `, loopback: [${vip}], sysctls: { net.ipv4.conf.all.arp_ignore: 1, net.ipv4.conf.all.arp_announce: 2 }${m === 'tunnel' ? ', ipip: true' : ''}`
    : '';
  for (let i = 0; i < S; i++) L.push(`  web${i}: { kind: host, interfaces: { eth0: ${srvNet}.0.${11 + i}/16 }, gateway: ${srvNet}.0.1${extra} }`);
  L.push('', 'links:');
  if (twoLeg) L.push('  - [lb1:eth0, sw1]', '  - [lb1:eth1, sw2]');
  else L.push('  - [r1:eth0, sw1]', '  - [r1:eth1, sw2]', '  - [lb1:eth0, sw2]');
  if (m === 'tunnel') L.push('  - [r1:eth2, sw3]');
  for (let i = 0; i < C; i++) L.push(`  - [c${i}:eth0, sw1]`);
  for (let i = 0; i < S; i++) L.push(`  - [web${i}:eth0, ${m === 'tunnel' ? 'sw3' : 'sw2'}]`);
  L.push('', 'apps:');
  for (let i = 0; i < S; i++) L.push(`  - { kind: http-server, on: web${i}, workers: 1000 }`);
  for (let i = 0; i < C; i++) L.push(`  - { kind: http-client, on: c${i}, to: vip:shop, requests: ${R}, concurrency: 10 }`);
  L.push('', 'expect:');
  for (let i = 0; i < C; i++) L.push(`  - { name: "c${i} completes every request", flow: { from: c${i}, to: vip:shop }, outcome: completed }`);
  return L.join('\n') + '\n';
}
