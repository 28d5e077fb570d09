/**
 * Frame fields by their scenario names: values read from real frame
 * values, IP-in-IP looked through for transport fields, exact flag sets,
 * 802.1Q tags, and absent fields that never match.
 */
import { describe, expect, it } from 'vitest';
import { fieldValue, flagLetters, fmtField, fmtTest, testHolds } from '../../src/grade/fields.js';
import { ethernet, ipv4, tcp, udp } from '../../src/wire/build.js';
import { ip, mac } from '../../src/wire/addr.js';
import { EMPTY, TCP_FLAG } from '../../src/wire/types.js';
import { VRRP, vrrp } from '../../src/wire/vrrp.js';
import { arpReply, flags, num, tcpEth } from './helpers.js';

describe('flagLetters', () => {
  it('writes flags in the canonical order FSRPAUEC', () => {
    expect(flagLetters(TCP_FLAG.SYN | TCP_FLAG.ACK)).toBe('SA');
    expect(flagLetters(TCP_FLAG.FIN | TCP_FLAG.PSH | TCP_FLAG.ACK)).toBe('FPA');
    expect(flagLetters(0xff)).toBe('FSRPAUEC');
    expect(flagLetters(0)).toBe('');
  });
});

describe('fieldValue', () => {
  const eth = tcpEth('10.0.0.10', '10.0.1.100', TCP_FLAG.SYN, { sport: 40000, dport: 80, ttl: 63 });

  it('reads Ethernet, IPv4 and TCP fields', () => {
    expect(fieldValue(eth, 'eth.src')).toBe(mac('00:00:00:00:00:01'));
    expect(fieldValue(eth, 'eth.type')).toBe(0x0800);
    expect(fieldValue(eth, 'ip.src')).toBe(ip('10.0.0.10'));
    expect(fieldValue(eth, 'ip.ttl')).toBe(63);
    expect(fieldValue(eth, 'ip.proto')).toBe(6);
    expect(fieldValue(eth, 'tcp.dport')).toBe(80);
    expect(fieldValue(eth, 'tcp.flags')).toBe('S');
    expect(fieldValue(eth, 'tcp.seq')).toBe(1000);
  });

  it('gives null for fields the frame does not have', () => {
    expect(fieldValue(eth, 'udp.sport')).toBeNull();
    expect(fieldValue(eth, 'arp.op')).toBeNull();
    expect(fieldValue(eth, 'vlan.id')).toBeNull();
    expect(fieldValue(eth, 'ip.inner.src')).toBeNull();
    expect(fieldValue(arpReply('00:00:00:00:00:0b', '10.0.1.100', '00:00:00:00:00:03', '10.0.1.1'), 'ip.src')).toBeNull();
  });

  it('reads transport fields through IP-in-IP, and ip.inner.* from the tunnelled header', () => {
    const inner = ipv4({ src: ip('10.0.0.10'), dst: ip('10.0.1.100') }, tcp(ip('10.0.0.10'), ip('10.0.1.100'), { sport: 40000, dport: 80, seq: 1, ack: 0, flags: TCP_FLAG.SYN, window: 1000 }));
    const outer = ethernet(mac('00:00:00:00:00:0c'), mac('00:00:00:00:00:04'), ipv4({ src: ip('10.0.1.5'), dst: ip('10.0.2.11') }, inner));
    expect(fieldValue(outer, 'ip.proto')).toBe(4);
    expect(fieldValue(outer, 'ip.src')).toBe(ip('10.0.1.5'));
    expect(fieldValue(outer, 'ip.inner.src')).toBe(ip('10.0.0.10'));
    expect(fieldValue(outer, 'ip.inner.dst')).toBe(ip('10.0.1.100'));
    expect(fieldValue(outer, 'tcp.flags')).toBe('S');
    expect(fieldValue(outer, 'tcp.dport')).toBe(80);
  });

  it('reads UDP and 802.1Q fields', () => {
    const u = ethernet(mac('00:00:00:00:00:02'), mac('00:00:00:00:00:01'), ipv4({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }, udp(ip('10.0.0.1'), ip('10.0.0.2'), 5000, 53, EMPTY)), { vid: 10, pcp: 0, dei: 0 });
    expect(fieldValue(u, 'udp.sport')).toBe(5000);
    expect(fieldValue(u, 'udp.dport')).toBe(53);
    expect(fieldValue(u, 'vlan.id')).toBe(10);
    expect(testHolds(u, num('eth.type', 0x8100, 'vlan'), {})).toBe(true);
    expect(testHolds(u, num('eth.type', 0x0800, 'ipv4'), {})).toBe(true);
    expect(testHolds(u, num('eth.type', 0x0806, 'arp'), {})).toBe(false);
  });

  it('reads VRRP fields, absent on other frames', () => {
    const src = ip('10.0.1.5');
    const v = ethernet(0x01005e000012, 0x00005e000133, ipv4({ src, dst: VRRP.GROUP, ttl: 255 }, vrrp(src, VRRP.GROUP, { vrid: 51, priority: 150, maxAdvertInt: 100, addrs: [ip('10.0.1.100')] })));
    expect(fieldValue(v, 'vrrp.vrid')).toBe(51);
    expect(fieldValue(v, 'vrrp.priority')).toBe(150);
    expect(fieldValue(v, 'ip.proto')).toBe(112);
    expect(fieldValue(v, 'tcp.sport')).toBe(null);
    expect(fieldValue(arpReply('00:00:00:00:00:01', '10.0.1.5', '00:00:00:00:00:02', '10.0.1.1'), 'vrrp.priority')).toBe(null);
  });
});

describe('testHolds', () => {
  it('compares whole flag sets', () => {
    const sa = tcpEth('10.0.1.11', '10.0.0.10', TCP_FLAG.SYN | TCP_FLAG.ACK);
    expect(testHolds(sa, flags('SA'), {})).toBe(true);
    expect(testHolds(sa, flags('S'), {})).toBe(false);
    expect(testHolds(sa, flags('A'), {})).toBe(false);
    expect(testHolds(sa, flags(''), {})).toBe(false);
  });

  it('never holds for a mac-of interface the network does not have', () => {
    const e = tcpEth('10.0.0.10', '10.0.1.100', TCP_FLAG.SYN);
    const t = { field: 'eth.src', value: { kind: 'mac-of' as const, node: 'r9', iface: 'eth0' }, text: 'r9:eth0' };
    expect(testHolds(e, t, {})).toBe(false);
    expect(fmtTest(t, {})).toBe('eth.src=r9:eth0 (unknown MAC)');
    expect(testHolds(e, t, { 'r9:eth0': mac('00:00:00:00:00:01') })).toBe(true);
  });
});

describe('formatting', () => {
  it('shows values as people read them', () => {
    expect(fmtField('ip.dst', ip('10.0.1.100'))).toBe('10.0.1.100');
    expect(fmtField('arp.sha', mac('00:00:00:00:00:0b'))).toBe('00:00:00:00:00:0b');
    expect(fmtField('eth.type', 0x0806)).toBe('0x0806');
    expect(fmtField('tcp.flags', '')).toBe('none');
    expect(fmtField('tcp.sport', null)).toBe('absent');
    expect(fmtTest(num('ip.src', '10.0.1.11', 'web1'), {})).toBe('ip.src=web1 (10.0.1.11)');
    expect(fmtTest(num('ip.src', '10.0.1.11'), {})).toBe('ip.src=10.0.1.11');
    expect(fmtTest({ field: 'tcp.flags', value: { kind: 'flags', value: 'SA' }, text: 'AS' }, {})).toBe('tcp.flags=AS (SA)');
  });
});
