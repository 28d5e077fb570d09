import { describe, expect, it } from 'vitest';
import { describeAttach, liveFilter, parseAttach, planAttach, type AttachPlan } from '../../src/live/attach.js';
import { defaultRouteDevices } from '../../src/cli/live.js';
import { builtFrom } from './helpers.js';

describe('attachments', () => {
  it('parse NODE:IFACE=DEVICE, and say what to write for anything else', () => {
    expect(parseAttach('r1:eth0=lbl-c0')).toEqual({ node: 'r1', iface: 'eth0', device: 'lbl-c0' });
    expect(parseAttach('r1=lbl-c0')).toMatch(/write NODE:IFACE=DEVICE/);
    expect(parseAttach('r1:eth0=a-device-name-too-long')).toMatch(/at most 15/);
    expect(parseAttach('r1:eth0=../x')).toMatch(/not a Linux device name/);
  });

  it('bind an unlinked interface, and refuse a linked one, an unknown node or interface, and a device used twice', () => {
    const net = builtFrom('scenarios/live/live-one-arm.yaml').net;
    const ok = planAttach(net, [{ node: 'r1', iface: 'eth0', device: 'lbl-c0' }]) as AttachPlan[];
    expect(ok.map((p) => [p.peer.label, p.newPort])).toEqual([['r1:eth0', false]]);
    const bad = planAttach(builtFrom('scenarios/live/live-one-arm.yaml').net, [
      { node: 'web1', iface: 'eth0', device: 'a' },
      { node: 'nope', iface: 'eth0', device: 'b' },
      { node: 'r1', iface: 'eth9', device: 'c' },
      { node: 'r1', iface: 'eth0', device: 'c' },
    ]);
    expect(bad).toEqual([
      'web1:eth0=a: web1:eth0 is linked to sw2:p3 in the scenario; the bridge needs an interface with no link. Remove that link (the real machine takes its place).',
      'nope:eth0=b: the scenario has no node nope (nodes: r1, sw2, lb1, web1, web2)',
      'r1:eth9=c: r1 has no interface eth9 (it has eth0, eth1)',
      'r1:eth0=c: c is attached twice; one device carries one simulated interface',
    ]);
  });

  it('add a new port to a switch, so a real host joins the simulated LAN; an existing linked port is refused with the way out', () => {
    const net = builtFrom('scenarios/live/live-real-servers.yaml').net;
    const plans = planAttach(net, [
      { node: 'sw2', iface: 'real1', device: 'lbl-s1' },
      { node: 'sw2', iface: 'real2', device: 'lbl-s2' },
    ]) as AttachPlan[];
    expect(plans.map((p) => [p.peer.label, p.newPort, p.peer.end])).toEqual([
      ['sw2:real1', true, null],
      ['sw2:real2', true, null],
    ]);
    expect(describeAttach(plans[0]!)).toMatch(/^lbl-s1 <-> sw2:real1 \(a new port\), access VLAN 1: lblab injects on lbl-s1 every frame the simulated switch sw2 floods or forwards/);
    const linked = planAttach(builtFrom('scenarios/live/live-real-servers.yaml').net, [{ node: 'sw2', iface: 'p1', device: 'x' }]);
    expect(linked).toEqual(['sw2:p1=x: sw2:p1 is linked to lb1:eth1 in the scenario; the bridge needs an interface with no link. Attach a new port instead (sw2:real0=x), or remove that link.']);
  });

  it('say what a routed interface will inject, with its address and MAC', () => {
    const net = builtFrom('scenarios/live/live-one-arm.yaml').net;
    const [p] = planAttach(net, [{ node: 'r1', iface: 'eth0', device: 'lbl-c0' }]) as AttachPlan[];
    expect(describeAttach(p!)).toBe(
      'lbl-c0 <-> r1:eth0 (10.0.0.1/24, MAC 00:00:00:00:00:01): lblab injects on lbl-c0 the frames r1 sends out of eth0 ' +
        '(ARP, and the IPv4 packets it routes or originates there); frames arriving on lbl-c0 enter r1 through eth0',
    );
  });

  it('capture only frames whose source is no simulated MAC', () => {
    const net = builtFrom('scenarios/live/live-one-arm.yaml').net;
    const f = liveFilter(net);
    expect(f.startsWith('not (ether src 00:00:00:00:00:01 or ether src 00:00:00:00:00:02 or ')).toBe(true);
    const macs = [...net.nodes.values()].flatMap((n) => n.ifaces).filter((i) => i.mac !== 0).length;
    expect(f.split(' or ').length).toBe(macs);
  });
});

describe('the uplink check', () => {
  it('finds the devices of IPv4 and IPv6 default routes in /proc/net/route and /proc/net/ipv6_route', () => {
    const route4 =
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' +
      'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n' +
      'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n' +
      'lbl-c0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n';
    const route6 =
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 wlan0\n' +
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo\n' +
      'fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0\n';
    expect(defaultRouteDevices(route4, route6)).toEqual(['eth0', 'wlan0']);
    expect(defaultRouteDevices('', '')).toEqual([]);
  });
});
