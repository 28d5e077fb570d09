/**
 * The TUI's filter, node selection, pane switching, state and topology
 * panes and wide layout, through ink-testing-library: what the screens
 * show on built-in scenarios and on hand-made traces of the state kinds no
 * built-in scenario emits yet, that stepping back restores the state pane
 * exactly, and that a key in a 100k-event trace reads only a few events.
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { StateChange, TraceEvent, TxEvent } from '../../src/trace/events.js';
import { App } from '../../src/tui/App.js';
import { shownEvents } from '../../src/tui/navigation.js';
import { findFlows } from '../../src/view/flows.js';
import { ip } from '../../src/wire/addr.js';
import { KEY, recorded, tick } from './helpers.js';

afterEach(() => cleanup());

interface Opened {
  readonly events: readonly TraceEvent[];
  press(...keys: string[]): Promise<string>;
  frame(): string;
}

function open(name = 'one-arm-bug', size: { columns?: number; rows?: number } = {}): Opened {
  const r = recorded(name);
  return mount(<App events={r.events} title={r.title} peers={r.peers} topology={r.topology} initial={r.initial} color={false} columns={size.columns ?? 80} rows={size.rows ?? 24} />, r.events);
}

function mount(el: React.ReactElement, events: readonly TraceEvent[]): Opened {
  const ui = render(el);
  const press = async (...keys: string[]): Promise<string> => {
    for (const k of keys) {
      ui.stdin.write(k);
      await tick(k.startsWith('\u001B') ? 15 : 0);
    }
    await tick();
    return ui.lastFrame() ?? '';
  };
  return { events, press, frame: () => ui.lastFrame() ?? '' };
}

const type = (s: string): string[] => [...s];
const position = (f: string): [number, number] => {
  const m = /event (\d+)\/(\d+)/.exec(f);
  if (!m) throw new Error(`no position in:\n${f}`);
  return [Number(m[1]), Number(m[2])];
};
/** The rows of the event list (time, kind, place, summary). */
const listRows = (f: string): string[] => f.split('\n').filter((l) => /^[> ] +\d+\.\d{9}s [A-Z]+ /.test(l));
const placeOf = (row: string): string => row.trim().replace(/^> /, '').trim().split(/ +/)[2]!;
const flat = (s: string): string => s.replace(/\s+/g, ' ');

describe('/ filters the list', () => {
  it('node=lb1 lists only lb1 events, keeps the current event when it matches, and Esc clears it', async () => {
    const { press, events } = open();
    let f = await press('r');
    const total = position(f)[1];
    expect(f).toMatch(/^> .*REWRITE lb1/m);
    f = await press('/', ...type('node=lb1'));
    expect(f).toContain('filter: node=lb1_');
    f = await press(KEY.enter);
    const want = [...shownEvents(events, false)].filter((i) => events[i]!.node === 'lb1').length;
    expect(position(f)[1]).toBe(want);
    expect(f).toContain(`${want} events match node=lb1 (Esc clears)`);
    expect(f.split('\n')[0]).toContain('filter node=lb1');
    expect(f).toMatch(/^> .*REWRITE lb1/m); // still the DNAT
    for (const row of listRows(f)) expect(placeOf(row)).toMatch(/^lb1(:|$)/);
    // Moving stays inside the filter.
    for (let i = 0; i < 5; i++) f = await press('l');
    for (const row of listRows(f)) expect(placeOf(row)).toMatch(/^lb1(:|$)/);
    f = await press(KEY.escape);
    expect(position(f)[1]).toBe(total);
    expect(f).toContain('filter cleared');
    expect(f.split('\n')[0]).not.toContain('filter');
  });

  it('a pasted or fast-typed chunk is taken key by key (Enter included)', async () => {
    const { press } = open();
    const f = await press('/node=lb1,kind=rewrite\r');
    expect(f.split('\n')[0]).toMatch(/ filter node=lb1,kind=r/); // the status line, cut at 80 columns
    for (const row of listRows(f)) expect(row).toMatch(/REWRITE lb1/);
  });

  it('terms combine; flow=N lists the events of one flow as lblab explain numbers them', async () => {
    const { press, events } = open();
    let f = await press('/', ...type('node=client,kind=drop'), KEY.enter);
    const rows = listRows(f);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r).toMatch(/DROP +client/);
    f = await press('/');
    expect(f).toContain('filter: node=client,kind=drop_'); // the prompt starts from the filter in force
    for (let i = 0; i < 'node=client,kind=drop'.length; i++) await press('\u007F');
    f = await press(...type('flow=1'), KEY.enter);
    const flow = new Set(findFlows(events).find((x) => x.n === 1)!.events);
    const want = [...shownEvents(events, false)].filter((i) => flow.has(events[i]!)).length;
    expect(position(f)[1]).toBe(want);
    expect(f.split('\n')[0]).toContain('filter flow=1');
  });

  it('says what is wrong with a filter and keeps the one in force; Esc at the prompt cancels', async () => {
    const { press } = open();
    let f = await press('/', ...type('proto=xyz'), KEY.enter);
    expect(f).toContain('unknown protocol "xyz"; use one of arp, ip, icmp, tcp, udp, ipip');
    expect(f.split('\n')[0]).not.toContain('filter');
    f = await press('/', ...type('colour=red'), KEY.enter);
    expect(f).toContain('"colour=red" is not a filter term; write node=NAME');
    f = await press('/', ...type('node=nobody'), KEY.enter);
    expect(f).toContain('no event matches "node=nobody"; the filter is unchanged');
    f = await press('/', ...type('kind=rx'), KEY.enter);
    expect(f).toContain('no event matches "kind=rx"; the filter is unchanged (v lists receptions)');
    f = await press('v', '/', ...type('kind=rx'), KEY.enter);
    expect(f).toMatch(/\d+ events match kind=rx/);
    f = await press(KEY.escape, 'v');
    f = await press('/', ...type('kind=rewrite'), KEY.escape);
    expect(f).not.toContain('filter:');
    expect(f.split('\n')[0]).not.toContain('filter');
    // An empty filter clears one in force.
    await press('/', ...type('kind=rewrite'), KEY.enter);
    f = await press('/');
    for (let i = 0; i < 12; i++) await press('\u007F');
    f = await press(KEY.enter);
    expect(f).toContain('filter cleared');
  });
});

describe('tab, the state pane and s', () => {
  it('tab cycles the lower pane: packet, state, topology, flow', async () => {
    const { press } = open();
    let f = await press('r');
    expect(f).toMatch(/^IPv4 /m);
    f = await press('\t');
    expect(f).toMatch(/^State of lb1 after event \d+ at 0\.000126592s/m);
    f = await press('\t');
    expect(f).toMatch(/^Topology/m);
    f = await press('\t');
    expect(f).toContain('Flow 1 of the current event');
    f = await press('\t');
    expect(f).toMatch(/^IPv4 /m);
  });

  it("at the DNAT the LB's tables show the new connection, highlighted; stepping back shows the earlier state exactly", async () => {
    const { press } = open();
    let f = await press('r', '\t');
    expect(f).toMatch(/^Addresses \(ip addr\) +3$/m);
    expect(f).toContain('eth0  10.0.1.100/24');
    expect(f).toContain('default via 10.0.1.1 dev eth0');
    expect(f).toMatch(/^LB servers +2$/m);
    expect(f).toContain('shop web1 enabled weight 1');
    expect(f).toMatch(/^ ›shop 10\.0\.0\.10:\d+ -> web1 SYN_RECV$/m); // the connection of this packet
    const atDnat = f;
    // Back before the scheduling: no connection; the event that adds it is highlighted when it is current.
    const screens = [atDnat];
    for (let i = 0; i < 3; i++) screens.push((f = await press('h')));
    expect(screens[2]).toMatch(/^ \*shop 10\.0\.0\.10:\d+ -> web1 NONE$/m);
    expect(flat(screens[2]!)).toContain('this event: lb1 schedules 10.0.0.10');
    expect(screens[3]).not.toContain('LB connections');
    for (let i = 2; i >= 0; i--) expect(await press('l')).toBe(screens[i]);
  });

  it("marks the rows about the current packet: web1's socket for the client's ACK; none at the client for web1's SYN-ACK (the one-arm bug)", async () => {
    const { press } = open('one-arm-bug', { columns: 80, rows: 40 });
    // The SYN is delivered before web1 makes its socket; the next segment (the client's RST, since it had no socket) finds it.
    let f = await press('/node=web1,kind=deliver,proto=tcp\r', KEY.home, '\t');
    expect(f).toMatch(/^State of web1/m);
    expect(f).not.toContain('TCP sockets');
    f = await press('l');
    expect(f).toMatch(/^> .*DELIVER web1 +to tcp 10\.0\.1\.11:80 <- 10\.0\.0\.10:\d+/m);
    expect(f).toMatch(/^ ›SYN_RECEIVED +10\.0\.1\.11:80->10\.0\.0\.10:\d+$/m);
    f = await press(KEY.escape, '/node=client,kind=drop\r');
    expect(f).toMatch(/^State of client/m);
    expect(f).toMatch(/^ {2}SYN_SENT +10\.0\.0\.10:\d+->10\.0\.1\.100:80$/m); // its socket names the VIP, not web1: not this packet's
    expect(f).not.toContain(' ›');
  });

  it('the state of a switch is its MAC table; of the client, its ARP cache and TCP socket', async () => {
    const { press } = open();
    let f = await press('\t', 'l', 'l', 'l');
    expect(f).toMatch(/^State of sw1/m);
    expect(f).toMatch(/^MAC table \(bridge fdb\) +1$/m);
    expect(f).toMatch(/^ \*00:00:00:00:00:01 dev p2 vlan 1$/m);
    f = await press(KEY.home);
    expect(f).toMatch(/^State of client after event 0/m);
    expect(f).toMatch(/^ \*SYN_SENT +10\.0\.0\.10:\d+->10\.0\.1\.100:80$/m);
  });

  it('s and S pick the node the state pane shows, past the last one it follows the event again', async () => {
    const { press } = open();
    const nodes = recorded('one-arm-bug').topology.nodes.map((n) => n.name);
    expect(nodes[0]).toBe('client');
    let f = await press('r', 's');
    expect(f).toMatch(/^State of client after event \d+ .*\(picked; s S: other nodes\)/m);
    expect(f).toContain('state pane shows client (s next, S previous)');
    f = await press('s');
    expect(f).toMatch(new RegExp(`^State of ${nodes[1]} `, 'm'));
    f = await press('S', 'S');
    expect(f).toMatch(/^State of lb1 .*\(follows the event; s: pick\)/m);
    f = await press('S');
    expect(f).toMatch(new RegExp(`^State of ${nodes[nodes.length - 1]} `, 'm')); // the last node
    // The picked node stays while stepping.
    f = await press('l', 'l');
    expect(f).toMatch(new RegExp(`^State of ${nodes[nodes.length - 1]} `, 'm'));
  });
});

describe('the topology pane', () => {
  it('marks the event, the path so far and the frame on its link', async () => {
    const { press } = open();
    let f = await press('r', '\t', '\t');
    expect(f).toContain('path: client → sw1 → r1 → sw2 → lb1 (rewrites)');
    expect(f).toMatch(/^ +├─ p2 ═══ eth0 {2}lb1 \[lb\] 5 ◆ here \[state\]$/m);
    expect(f).toMatch(/^ +├─ p3 ─── eth0 {2}web1 \[host\]$/m);
    expect(f).toMatch(/^└─ eth0 ═══ p2 {2}sw1 \[switch\] 2$/m);
    // Follow the packet to its next transmission: the frame is on lb1's link, leaving lb1.
    for (let i = 0; i < 20 && !/^> .*TX +lb1:eth0 .*TCP/m.test(f); i++) f = await press('p');
    expect(f).toMatch(/├─ p2 ═<═ eth0 {2}lb1 \[lb\] 5 ◆ here/);
  });

  it('without the network it says so', async () => {
    const r = recorded('one-arm-bug');
    const { press } = mount(<App events={r.events} title="no topo" color={false} columns={80} rows={24} />, r.events);
    const f = await press('\t', '\t');
    expect(f).toContain('(no topology: this trace was opened without its network)');
  });
});

describe('state kinds no built-in scenario emits yet (hand-made trace)', () => {
  const vip = ip('10.0.1.100');
  const changes: StateChange[] = [
    { what: 'lb-server', service: 'shop', server: 'web1', state: 'enabled', weight: 1 },
    { what: 'lb-health', service: 'shop', server: 'web1', health: 'down', check: 'http GET /health', reason: 'status 500' },
    { what: 'lb-persist', op: 'add', service: 'shop', key: '10.0.0.10', server: 'web2' },
    { what: 'vrrp', vrid: 7, iface: 'eth0', state: 'master', priority: 150 },
    { what: 'addr', op: 'add', iface: 'eth0', addr: vip, len: 24 },
    { what: 'dns-cache', op: 'add', name: 'shop.example', addrs: [vip], ttl: 30e9 },
    { what: 'vrrp', vrid: 7, iface: 'eth0', state: 'backup', priority: 150 },
  ];
  const events: TraceEvent[] = changes.map((change, i) => ({ kind: 'state', t: i * 1e9, seq: i, node: 'lb1', change, text: `change ${i}` }));

  it('shows health, persistence, VRRP, the VIP and the resolver cache, and steps back exactly', async () => {
    const { press } = mount(<App events={events} title="hand-made" color={false} columns={80} rows={30} />, events);
    const screens = [await press('\t')];
    for (let i = 1; i < changes.length; i++) screens.push(await press('l'));
    const f = screens[5]!;
    expect(f).toContain('shop web1 enabled weight 1 health DOWN (http GET /health: status 500)');
    expect(f).toMatch(/^Persistence +1$/m);
    expect(f).toContain('shop 10.0.0.10 -> web2');
    expect(f).toContain('vrid 7 on eth0 MASTER priority 150');
    expect(f).toContain('eth0  10.0.1.100/24');
    expect(f).toMatch(/^ \*shop\.example -> 10\.0\.1\.100 ttl 30s, 30s left$/m);
    expect(screens[6]).toContain('vrid 7 on eth0 BACKUP priority 150');
    expect(screens[6]).toContain('shop.example -> 10.0.1.100 ttl 30s, 29s left');
    expect(screens[0]).not.toContain('Persistence');
    for (let i = changes.length - 2; i >= 0; i--) expect(await press('h')).toBe(screens[i]);
  });
});

describe('a wide terminal', () => {
  it('shows the packet, the topology and the state side by side', async () => {
    const { press } = open('one-arm-bug', { columns: 160, rows: 45 });
    const f = await press('r');
    const lines = f.split('\n');
    expect(lines).toHaveLength(44);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(160);
    expect(f).toMatch(/^REWRITE lb1 .*│ Topology/m);
    expect(f).toMatch(/^IPv4 .*│/m);
    expect(f).toMatch(/│ State of lb1 after event/);
    expect(f).toMatch(/│ +›shop 10\.0\.0\.10:\d+ -> web1 SYN_RECV/);
    // tab switches the left pane between packet and flow; the right one stays.
    const g = await press('\t');
    expect(g).toMatch(/^Flow 1 of the current event.*│ Topology/m);
    expect(g).toMatch(/│ State of lb1/);
    expect(await press('\t')).toBe(f);
  });
});

describe('a 100k-event trace', () => {
  it('a step reads a few events, not the trace, in every pane', async () => {
    const r = recorded('one-arm-bug');
    const tx = r.events.find((e): e is TxEvent => e.kind === 'tx')!;
    const base: TraceEvent[] = Array.from({ length: 100_000 }, (_, i): TraceEvent =>
      i % 4 === 3
        ? { kind: 'state', t: i * 1000, seq: i, node: 'client', change: { what: 'arp', ip: 0x0a000000 + (i % 997), mac: i, state: 'reachable', iface: 'eth0' }, text: `arp ${i}` }
        : { ...tx, seq: i, t: i * 1000, frame: { ...tx.frame, id: i + 1, parent: i % 4 ? i : 0 } },
    );
    let reads = 0;
    const events = new Proxy(base, {
      get(target, p, recv) {
        if (typeof p === 'string' && /^\d+$/.test(p)) reads++;
        return Reflect.get(target, p, recv);
      },
    });
    const { press } = mount(<App events={events} title="big" topology={r.topology} initial={r.initial} color={false} columns={160} rows={40} />, events);
    let f = await press(KEY.end);
    expect(f).toContain('event 100000/100000');
    expect(f).toMatch(/│ State of client after event 99999/);
    f = await press('h'); // the first step after a jump may build indexes once
    reads = 0;
    for (let i = 0; i < 10; i++) f = await press('h');
    expect(f).toContain('event 99989/100000');
    expect(f).toMatch(/ARP cache \(ip neigh\) +997/);
    expect(reads).toBeLessThan(10 * 600);
    // A jump back to the middle costs at most one snapshot interval of the node's state events, not 50k.
    await press('g', ...type('50ms'), KEY.enter);
    reads = 0;
    f = await press('l');
    expect(f).toContain('event 50002/100000');
    expect(reads).toBeLessThan(2000);
  });
});

describe('the HTTP layer of the packet', () => {
  it('a request and a response show their start line, header fields and body bytes', async () => {
    const { httpLayer, packetLayers } = await import('../../src/tui/packet-layers.js');
    const r = recorded('mode-nat-inline');
    const tcpPayload = (e: TraceEvent): Uint8Array | null => {
      if (e.kind !== 'tx' || e.frame.eth.payload.kind !== 'ipv4' || e.frame.eth.payload.payload.kind !== 'tcp') return null;
      return e.frame.eth.payload.payload.payload;
    };
    const req = r.events.find((e) => e.kind === 'tx' && e.node === 'client' && (tcpPayload(e)?.length ?? 0) > 0) as TxEvent;
    const layers = packetLayers(req.frame.eth);
    expect(layers.map((l) => l.title)).toEqual(['Ethernet', 'IPv4', 'TCP', 'HTTP']);
    expect(layers[3]!.summary).toBe('GET / HTTP/1.1');
    expect(layers[3]!.fields.map((f) => `${f.name} ${f.value}`)).toEqual(['start line GET / HTTP/1.1', 'Host: 10.0.0.100', 'User-Agent: lblab', 'Accept: */*', 'Connection: close', 'body 0 bytes in this segment']);
    const resp = r.events.find((e) => e.kind === 'tx' && e.node === 'web1' && /^HTTP\/1\.1 /.test(new TextDecoder('latin1').decode(tcpPayload(e) ?? new Uint8Array()))) as TxEvent;
    const h = httpLayer(tcpPayload(resp)!)!;
    expect(h.summary).toMatch(/^HTTP\/1\.1 200 OK$/);
    expect(h.fields.find((f) => f.name === 'Content-Length:')).toBeDefined();
    expect(h.fields[h.fields.length - 1]!.value).toMatch(/^\d+ bytes in this segment$/);
    // Not HTTP: a bare ACK's empty payload, and bytes of another protocol.
    expect(httpLayer(new Uint8Array())).toBeNull();
    expect(httpLayer(new TextEncoder().encode('SSH-2.0-OpenSSH_9.6\r\n'))).toBeNull();
    const { press } = open('mode-nat-inline', { columns: 100, rows: 40 });
    const f = await press('/kind=tx,node=client\r', KEY.home, 'l', 'l', 'l');
    expect(f).toMatch(/^HTTP {2}GET \/ HTTP\/1\.1$/m);
    expect(f).toContain('Host: 10.0.0.100');
  });
});

describe('a network taller than the topology pane', () => {
  it('shows a window of the tree around the event, counting the rows above and below', async () => {
    const { topologyPaneLines } = await import('../../src/tui/topology-pane.js');
    const { drawTopology } = await import('../../src/view/topology.js');
    const { PacketPaths } = await import('../../src/view/packet-path.js');
    const nodes = [{ name: 'sw', kind: 'switch' }, ...Array.from({ length: 40 }, (_, i) => ({ name: `h${i}`, kind: 'host' }))];
    const links = nodes.slice(1).map((n, i) => ({ name: `l${i}`, a: { node: n.name, iface: 'eth0' }, b: { node: 'sw', iface: `p${i}` } }));
    const ev: TraceEvent = { kind: 'state', t: 0, seq: 0, node: 'h30', change: { what: 'note', detail: {} }, text: '' };
    const text = (ls: readonly (readonly { text: string }[])[]): string[] => ls.map((l) => l.map((s) => s.text).join(''));
    const lines = text(topologyPaneLines(drawTopology({ nodes, links }), new PacketPaths([ev]), ev, 0, 80, { selected: null, down: new Set(), color: false }, 12));
    expect(lines).toHaveLength(12);
    expect(lines[2]).toMatch(/^ {2}↑ \d+ more rows$/);
    expect(lines[11]).toMatch(/^ {2}↓ \d+ more rows$/);
    expect(lines.some((l) => / h30 \[host\] ◆ here$/.test(l))).toBe(true);
    const above = Number(/↑ (\d+)/.exec(lines[2]!)![1]);
    const below = Number(/↓ (\d+)/.exec(lines[11]!)![1]);
    expect(above + 8 + below).toBe(41);
  });

  it('an empty trace ignores the pane, filter and node keys too', async () => {
    const r = recorded('one-arm-bug');
    const { press, frame } = mount(<App events={[]} title="nothing" topology={r.topology} initial={r.initial} color={false} columns={80} rows={24} />, []);
    for (const k of ['\t', 's', 'S', '/', 'x', KEY.enter, KEY.escape, 'f', '\t']) await press(k);
    expect(frame()).toContain('The trace is empty');
    expect(frame().split('\n')).toHaveLength(23);
  });
});

describe('x: the bytes', () => {
  it("shows the encoder's bytes, and marks exactly the bytes a DNAT changed", async () => {
    const { encode } = await import('../../src/wire/encode.js');
    const { hexLines } = await import('../../src/tui/hex-view.js');
    const r = recorded('one-arm-bug');
    const rw = r.events.find((e) => e.kind === 'rewrite' && e.code === 'lb-dnat');
    if (rw?.kind !== 'rewrite') throw new Error('no DNAT');
    const { press } = open();
    const f = await press('r', 'x');
    expect(f).toContain('Bytes  74 bytes as on the wire (no FCS)');
    // The dump reads back as the encoded frame.
    const dumped = f
      .split('\n')
      .filter((l) => /^[0-9a-f]{4}  /.test(l))
      .flatMap((l) => l.slice(6, 6 + 49).trim().split(/\s+/).filter(Boolean).map((h) => parseInt(h, 16)));
    expect(dumped).toEqual([...encode(rw.after.eth)]);
    // IPv4 checksum at 24-25, destination at 30-33, TCP checksum at 50-51 (Ethernet 14 + IPv4 20 + 16): only the bytes whose value changed.
    const a = encode(rw.before.eth);
    const b = encode(rw.after.eth);
    const want = [...b.keys()].filter((i) => a[i] !== b[i]);
    expect(want.every((i) => (i >= 24 && i <= 25) || (i >= 30 && i <= 33) || (i >= 50 && i <= 51))).toBe(true);
    expect(f).toContain(`changed by this rewrite: bytes ${want.join(', ')}`);
    // With colour the changed bytes are in reverse video; without, listed only.
    const coloured = hexLines(rw.after.eth, 80, { color: true, before: rw.before.eth });
    expect(coloured.flatMap((l) => l.filter((s) => s.inverse).map((s) => s.text))).toEqual(want.map((i) => b[i]!.toString(16).padStart(2, '0')));
    // x again: the layers.
    expect(await press('x')).toMatch(/^IPv4 /m);
  });
});

describe('a link that goes down', () => {
  it('is drawn cut in the topology from its event on, and whole again before it', async () => {
    const r = recorded('one-arm-bug');
    const link = r.topology.links.find((l) => l.a.node === 'web1' || l.b.node === 'web1')!;
    const events: TraceEvent[] = [
      { kind: 'state', t: 0, seq: 0, node: 'client', change: { what: 'note', detail: {} }, text: 'start' },
      { kind: 'state', t: 1e9, seq: 1, node: link.a.node, change: { what: 'link', link: link.name, up: false }, text: `link ${link.name} is down` },
      { kind: 'state', t: 2e9, seq: 2, node: link.a.node, change: { what: 'link', link: link.name, up: true }, text: `link ${link.name} is up` },
    ];
    const { press } = mount(<App events={events} title="cut" topology={r.topology} initial={r.initial} color={false} columns={80} rows={24} />, events);
    const row = /^ +├─ p3 (\S+) eth0 {2}web1 \[host\]/m;
    let f = await press('\t', '\t');
    expect(row.exec(f)![1]).toBe('───');
    f = await press('l');
    expect(row.exec(f)![1]).toBe('─x─');
    f = await press('l');
    expect(row.exec(f)![1]).toBe('───');
    f = await press('h');
    expect(row.exec(f)![1]).toBe('─x─');
  });
});

describe('the DNS layer of the packet', () => {
  it('a query and its answer show id, flags, question and A records as dig does', async () => {
    const { packetLayers, dnsLayer } = await import('../../src/tui/packet-layers.js');
    const r = recorded('dns-round-robin');
    const udp = (e: TraceEvent): boolean => e.kind === 'tx' && e.frame.eth.payload.kind === 'ipv4' && e.frame.eth.payload.payload.kind === 'udp';
    const q = r.events.find((e) => udp(e) && e.node === 'client1') as TxEvent;
    const a = r.events.find((e) => udp(e) && e.node === 'dns1') as TxEvent;
    const ql = packetLayers(q.frame.eth);
    expect(ql.map((l) => l.title)).toEqual(['Ethernet', 'IPv4', 'UDP', 'DNS']);
    expect(ql[3]!.summary).toBe('DNS query A shop.example');
    const qf = ql[3]!.fields.map((f) => `${f.name} ${f.value}`);
    expect(qf).toEqual([expect.stringMatching(/^id \d+ \(0x[0-9a-f]{4}\)$/), 'flags 0x0100 (query rd)', 'opcode 0', 'rcode 0 (NOERROR)', 'question shop.example A']);
    const al = packetLayers(a.frame.eth)[3]!;
    expect(al.summary).toMatch(/^DNS response A shop\.example 10\.0\.1\.\d+(,10\.0\.1\.\d+)* ttl \d+$/);
    const af = al.fields.map((f) => `${f.name} ${f.value}`);
    expect(af[0]).toBe(qf[0]); // the answer carries the query's id
    expect(af[1]).toMatch(/^flags 0x8[0-9a-f]{3} \(response .*rd.*\)$/);
    expect(af.filter((f) => f.startsWith('answer '))).toEqual(al.summary!.split(' ')[4]!.split(',').map((ip) => expect.stringMatching(new RegExp(`^answer shop\\.example A ${ip.replace(/\./g, '\\.')} ttl \\d+$`))));
    // Bytes that are not DNS say why.
    const bad = dnsLayer(new Uint8Array([1, 2, 3]));
    expect(bad.summary).toBe('DNS malformed, 3 bytes');
    expect(bad.fields[0]!.value).toMatch(/header needs 12 bytes/);
  });

  it('a switch passes on the frame a host made: the explanation names its maker', async () => {
    const { press } = open('dns-round-robin', { columns: 100, rows: 40 });
    let f = await press('/proto=udp,kind=tx\r', KEY.home);
    expect(f.replace(/\s+/g, ' ')).toMatch(/client1 transmits on eth0 .*: frame #\d+ \(originated here\)/);
    f = await press('l');
    expect(f.replace(/\s+/g, ' ')).toMatch(/sw1 transmits on p\d .*: frame #\d+ \(originated by client1\)/);
    expect(f).toMatch(/^DNS {2}DNS query A shop\.example$/m);
  });
});
