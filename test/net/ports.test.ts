import { describe, expect, it } from 'vitest';
import { Network } from '../../src/net/network.js';
import { Switch } from '../../src/net/switch.js';
import { attachHost } from '../helpers/build.js';
import { HttpServer } from '../../src/apps/http-server.js';
import { HttpClient } from '../../src/apps/http-client.js';
import { ip } from '../../src/wire/addr.js';

describe('ephemeral ports', () => {
  it('when every local port is taken, connect() fails with EADDRNOTAVAIL as a request outcome, not a crash', () => {
    const net = new Network({ seed: 1 });
    const sw = net.add(new Switch(net, 'sw'));
    const c = attachHost(net, sw, 'client', '10.0.0.1', 24, null);
    const s = attachHost(net, sw, 'server', '10.0.0.2', 24, null);
    c.sysctl.set('net.ipv4.ip_local_port_range_min', 40000);
    c.sysctl.set('net.ipv4.ip_local_port_range_max', 40000);
    new HttpServer(s);
    // Keep-alive off and the client closes first: its only port sits in TIME_WAIT for 60 s.
    const http = new HttpClient(c, ip('10.0.0.2'), { count: 2, connectionClose: false, keepAlive: false });
    net.run(10_000_000_000);
    expect(http.results.map((r) => r.outcome)).toEqual(['completed', 'unreachable']);
    expect(http.results[1]!.error).toBe('EADDRNOTAVAIL');
  });
});
