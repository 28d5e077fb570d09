/**
 * A host whose interface goes down (a failed host, a lost carrier) stops
 * resolving through it, as Linux's neigh_ifdown() / neigh_carrier_down()
 * flush the device's entries: no ARP probe is attempted on the dead
 * interface, and the entry is removed when its timer comes due.
 */
import { describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/apps/http-client.js';
import { HttpServer } from '../../src/apps/http-server.js';
import { SEC } from '../../src/sim/time.js';
import { ip } from '../../src/wire/addr.js';
import type { DropEvent, StateEvent } from '../../src/trace/events.js';
import { farm } from '../apps/helpers.js';

describe('neighbours of an interface that is down', () => {
  it('are flushed when their timer fires, and never probed', () => {
    const { net, servers, clients, rec } = farm(1, ['web1']);
    new HttpServer(servers[0]!);
    new HttpClient(clients[0]!, ip('10.0.0.2'));
    // web1 dies after answering: its entry for c1 is in DELAY and would be probed at 5 s.
    net.sim.at(1 * SEC, { label: 'fail', onEvent: () => (servers[0]!.ifaces[0]!.up = false), kindName: () => 'fail' }, 1);
    net.run();
    const notSent = rec.events.filter((e): e is DropEvent => e.kind === 'drop' && e.node === 'web1' && e.t > 1 * SEC);
    expect(notSent).toEqual([]);
    const flush = rec.events.filter((e): e is StateEvent => e.kind === 'state' && e.node === 'web1' && e.change.what === 'arp' && e.change.state === 'removed');
    expect(flush).toHaveLength(1);
    expect(flush[0]!.change).toMatchObject({ ip: ip('10.0.0.11'), mac: null, iface: 'eth0' });
    expect(flush[0]!.text).toBe('web1 flushes its ARP entry for 10.0.0.11: eth0 is down');
  });
});
