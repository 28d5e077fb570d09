import { readFileSync } from 'node:fs';
/**
 * Shared set-ups for the view tests: a built-in scenario run with the full
 * recorder and cut into flows, and a tiny hand-built LAN whose ladder is
 * small enough to compare as a whole.
 */
import { buildScenario } from '../../src/assemble/scenario.js';
import type { BuiltScenario } from '../../src/assemble/built.js';
import { loadFromDisk, locate } from '../../src/cli/scenarios.js';
import { peersOf, switchesOf } from '../../src/cli/explain.js';
import { Host } from '../../src/net/host.js';
import { Network } from '../../src/net/network.js';
import { Switch } from '../../src/net/switch.js';
import { TcpConnect } from '../../src/apps/tcp-connect.js';
import type { TraceEvent, TxEvent } from '../../src/trace/events.js';
import { FullRecorder } from '../../src/trace/trace.js';
import { findFlows, type Flow } from '../../src/view/flows.js';
import type { LadderOptions } from '../../src/view/ladder.js';
import { ip } from '../../src/wire/addr.js';
import type { Scenario } from '../../src/scenario/index.js';

/** A built-in scenario, checked. */
export function scenario(name: string): Scenario {
  const file = locate(name);
  if (!file) throw new Error(`no built-in scenario ${name}`);
  const r = loadFromDisk(file);
  if (!r.ok) throw new Error(`${name} does not load`);
  return r.scenario;
}

/** A built-in scenario run to its end, with its events, flows and the ladder options the CLI would pass. */
export function runBuiltin(name: string): { built: BuiltScenario; events: TraceEvent[]; flows: Flow[]; opts: LadderOptions } {
  const sc = scenario(name);
  const built = buildScenario(sc, { readBinary: (p) => readFileSync(p) });
  const rec = new FullRecorder(built.net.trace);
  built.net.run(sc.run.until ?? undefined);
  return { built, events: rec.events, flows: findFlows(rec.events), opts: { switchNodes: switchesOf(sc), peers: peersOf(built.net) } };
}

/** client 10.0.0.1 and server 10.0.0.2 on switch sw1; the client connects to port 80, where nothing listens (again at each of `again`, in ns, from the same port). */
export function refusedLan(again: readonly number[] = []): { net: Network; events: TraceEvent[] } {
  const net = new Network({ seed: 7 });
  const sw = net.add(new Switch(net, 'sw1'));
  const add = (name: string, addr: string): Host => {
    const h = net.add(new Host(net, name));
    const e = h.addIface('eth0');
    h.addAddress(e, ip(addr), 24);
    net.connect(e, sw.addPort(`p${sw.ifaces.length + 1}`));
    return h;
  };
  const client = add('client', '10.0.0.1');
  add('server', '10.0.0.2');
  const rec = new FullRecorder(net.trace);
  new TcpConnect(client, ip('10.0.0.2'), 80);
  for (const at of again) client.defer(at, { run: () => void client.tcp.connect(ip('10.0.0.2'), 80, {}, { sport: 38660 }) });
  net.run();
  return { net, events: rec.events };
}

/** The TCP flags of a transmission (TCP_FLAG bits), or null for frames that are not TCP. */
export function tcpFlagsOf(e: TxEvent): number | null {
  const p = e.frame.eth.payload;
  return p.kind === 'ipv4' && p.payload.kind === 'tcp' ? p.payload.flags : null;
}
