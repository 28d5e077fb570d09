/**
 * The service and connection tables of the LB (src/lb/service-table.ts):
 * what addService refuses and why, and the operator's run-time changes
 * (a server added, one disabled, a mode changed) as new connections see
 * them. The packet path that reads these tables is tested in node.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ip } from '../../src/wire/addr.js';
import type { StateEvent } from '../../src/trace/events.js';
import type { Switch } from '../../src/net/switch.js';
import { hostOn, oneArm, request, serve, service } from './topo.js';

describe('addService refuses what IPVS cannot do', () => {
  it('names the service and the fault', () => {
    const { lb } = oneArm();
    expect(() => lb.addService(service('nat', { scheduler: 'fastest' }))).toThrow('service shop: unknown scheduler "fastest"');
    expect(() => lb.addService(service('nat', {}, []))).toThrow('service shop: no real servers');
    expect(() => lb.addService(service('dsr', { servers: [{ name: 'web1', addr: ip('10.0.1.11'), port: 8080 }] }))).toThrow('service shop: dsr cannot change the port (web1 listens on 8080, the service is on 80)');
    expect(() => lb.addService(service('transparent'))).toThrow('transparent mode needs the LB to bridge the server segment');
    lb.addService(service('nat'));
    expect(() => lb.addService(service('snat', { name: 'shop2' }))).toThrow('lb1 already has a service on 10.0.1.100:80/tcp');
    expect(lb.services.map((s) => s.cfg.name)).toEqual(['shop']);
  });
});

describe('operator changes at run time', () => {
  it('a disabled server gets no new connections; an added one joins the rotation; both are traced as lb-server', () => {
    const { net, lb, client, rec } = oneArm({ serverGw: '10.0.1.5' });
    const svc = lb.addService(service('nat'));
    lb.setServer('shop', 'web1', { state: 'disabled' });
    const a = [0, 1].map((i) => request(client, '10.0.1.100', 80, i * 100_000_000));
    net.run(net.sim.now + 1_000_000_000);
    expect(a.map((o) => o.body)).toEqual(['web2\n', 'web2\n']);
    const web3 = hostOn(net, net.node('swS') as Switch, 'web3', '10.0.1.13', '10.0.1.5');
    serve(web3);
    lb.addServer('shop', { name: 'web3', addr: ip('10.0.1.13') });
    expect(svc.servers.map((s) => s.name)).toEqual(['web1', 'web2', 'web3']);
    expect(() => lb.addServer('shop', { name: 'web3', addr: ip('10.0.1.13') })).toThrow('lb1: service shop already has a server web3');
    const at = net.sim.now;
    const b = [0, 1].map((i) => request(client, '10.0.1.100', 80, i * 100_000_000));
    net.run(at + 1_000_000_000);
    expect(b.map((o) => o.body).sort()).toEqual(['web2\n', 'web3\n']);
    const servers = rec.events.filter((e): e is StateEvent => e.kind === 'state' && e.change.what === 'lb-server').map((e) => e.change as { server: string; state: string });
    expect(servers.map((c) => `${c.server} ${c.state}`)).toEqual(['web1 disabled', 'web3 enabled']);
  });

  it('setMode changes the mode of new connections only, and names what it does', () => {
    const { lb, rec } = oneArm();
    const svc = lb.addService(service('nat'));
    lb.setMode('shop', 'snat');
    expect(svc.mode).toBe('snat');
    expect(svc.cfg.mode).toBe('nat');
    expect(() => lb.setMode('cart', 'snat')).toThrow('lb1: no service cart');
    const notes = rec.events.filter((e): e is StateEvent => e.kind === 'state' && e.change.what === 'note');
    expect(notes.map((e) => e.text)).toContain('lb1: new connections of shop now use snat mode (open ones keep theirs)');
  });
});
