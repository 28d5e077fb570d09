/** One-line summaries and detail-pane fields: the text every reader of the trace shows. */
import { describe, expect, it } from 'vitest';
import { fieldsOf, summarize, summarizeIpv4, summarizeLayer, tcpFlagsText, tcpOptionsText } from '../../src/wire/summary.js';
import { arp, ethernet, icmp, ipv4, raw, tcp, udp } from '../../src/wire/build.js';
import { encodeIpv4 } from '../../src/wire/encode.js';
import { ip } from '../../src/wire/addr.js';
import { MAC_BROADCAST, TCP_FLAG } from '../../src/wire/types.js';

const C = ip('10.0.0.1');
const VIP = ip('10.0.1.100');
const syn = tcp(C, VIP, { sport: 40000, dport: 80, seq: 1000, ack: 0, flags: TCP_FLAG.SYN, window: 64240 });
const synPkt = ipv4({ src: C, dst: VIP, id: 7, frag: 0x4000 }, syn);
const names = (l: Parameters<typeof fieldsOf>[0]): string[] => fieldsOf(l).map((f) => f.name);
const value = (l: Parameters<typeof fieldsOf>[0], name: string): string | undefined => fieldsOf(l).find((f) => f.name === name)?.value;

describe('summarize', () => {
  it('ARP shows the MACs, then who-has / is-at', () => {
    expect(summarize(ethernet(MAC_BROADCAST, 1, arp(1, 1, C, 0, ip('10.0.0.2'))))).toBe(
      '00:00:00:00:00:01 > ff:ff:ff:ff:ff:ff ARP who-has 10.0.0.2 tell 10.0.0.1',
    );
    expect(summarize(ethernet(1, 2, arp(2, 2, ip('10.0.0.2'), 1, C)))).toBe('00:00:00:00:00:02 > 00:00:00:00:00:01 ARP 10.0.0.2 is-at 00:00:00:00:00:02');
  });

  it('TCP shows addresses with ports, flags, seq, ack only when ACK is set, window and length', () => {
    expect(summarize(ethernet(2, 1, synPkt))).toBe('10.0.0.1:40000 > 10.0.1.100:80 TCP [S] seq=1000 win=64240 len=0');
    const data = tcp(VIP, C, { sport: 80, dport: 40000, seq: 5, ack: 1001, flags: TCP_FLAG.PSH | TCP_FLAG.ACK, window: 502, payload: new Uint8Array(12) });
    expect(summarizeIpv4(ipv4({ src: VIP, dst: C }, data))).toBe('10.0.1.100:80 > 10.0.0.1:40000 TCP [P.] seq=5 ack=1001 win=502 len=12');
  });

  it('shows MACs for IP frames on request, and the VLAN id of tagged frames', () => {
    expect(summarize(ethernet(2, 1, synPkt, { pcp: 0, dei: 0, vid: 10 }), { link: true })).toBe(
      '00:00:00:00:00:01 > 00:00:00:00:00:02 vlan 10 10.0.0.1:40000 > 10.0.1.100:80 TCP [S] seq=1000 win=64240 len=0',
    );
  });

  it('ICMP echo, and errors with what they are about', () => {
    const B = ip('10.0.0.2');
    expect(summarize(ethernet(2, 1, ipv4({ src: C, dst: B }, icmp(8, 0, (1 << 16) | 1))))).toBe('10.0.0.1 > 10.0.0.2 ICMP echo request id=1 seq=1');
    const dgram = ipv4({ src: C, dst: B }, udp(C, B, 5000, 53, new Uint8Array(20)));
    const quote = encodeIpv4(dgram).subarray(0, 28);
    expect(summarizeIpv4(ipv4({ src: B, dst: C }, icmp(3, 3, 0, quote)))).toBe('10.0.0.2 > 10.0.0.1 ICMP port unreachable (about UDP 10.0.0.1:5000 > 10.0.0.2:53)');
    expect(summarizeIpv4(ipv4({ src: ip('10.0.0.254'), dst: C }, icmp(11, 0, 0, encodeIpv4(synPkt))))).toBe(
      '10.0.0.254 > 10.0.0.1 ICMP time exceeded in-transit (about TCP 10.0.0.1:40000 > 10.0.1.100:80)',
    );
    expect(summarizeIpv4(ipv4({ src: B, dst: C }, icmp(3, 4, 1400, quote)))).toBe(
      '10.0.0.2 > 10.0.0.1 ICMP fragmentation needed mtu=1400 (about UDP 10.0.0.1:5000 > 10.0.0.2:53)',
    );
    expect(summarizeIpv4(ipv4({ src: B, dst: C }, icmp(5, 1, ip('10.0.0.254'), quote)))).toBe(
      '10.0.0.2 > 10.0.0.1 ICMP redirect host to 10.0.0.254 (about UDP 10.0.0.1:5000 > 10.0.0.2:53)',
    );
  });

  it('IP-in-IP shows the outer addresses and the inner packet in brackets', () => {
    const outer = ipv4({ src: ip('10.0.0.5'), dst: ip('10.0.2.11') }, synPkt);
    expect(summarize(ethernet(2, 1, outer))).toBe('IPIP 10.0.0.5 > 10.0.2.11 [10.0.0.1:40000 > 10.0.1.100:80 TCP [S] seq=1000 win=64240 len=0]');
  });

  it('Raw payloads, other protocols and fragments', () => {
    expect(summarize(ethernet(2, 1, raw(new Uint8Array(46)), null, 0x88cc))).toBe('00:00:00:00:00:01 > 00:00:00:00:00:02 type 0x88cc len=46');
    expect(summarizeIpv4(ipv4({ src: C, dst: VIP }, raw(new Uint8Array(20)), 112))).toBe('10.0.0.1 > 10.0.1.100 VRRP len=20');
    expect(summarizeIpv4(ipv4({ src: C, dst: VIP, id: 9, frag: 0x2000 | 185 }, raw(new Uint8Array(8)), 17))).toBe(
      '10.0.0.1 > 10.0.1.100 UDP fragment id=9 off=1480 len=8 [MF]',
    );
  });
});

describe('tcpFlagsText prints flags the way tcpdump does', () => {
  it.each([
    [TCP_FLAG.SYN, 'S'],
    [TCP_FLAG.SYN | TCP_FLAG.ACK, 'S.'],
    [TCP_FLAG.RST, 'R'],
    [TCP_FLAG.RST | TCP_FLAG.ACK, 'R.'],
    [TCP_FLAG.FIN | TCP_FLAG.ACK, 'F.'],
    [TCP_FLAG.PSH | TCP_FLAG.ACK, 'P.'],
    [TCP_FLAG.ACK, '.'],
    [TCP_FLAG.FIN | TCP_FLAG.PSH | TCP_FLAG.ACK, 'FP.'],
    [0xff, 'FSRP.UEW'],
    [0, 'none'],
  ])('%i -> %s', (flags, text) => {
    expect(tcpFlagsText(flags)).toBe(text);
  });

  it('prints options as tcpdump does', () => {
    expect(
      tcpOptionsText([
        { kind: 'mss', mss: 1460 },
        { kind: 'sack-permitted' },
        { kind: 'timestamps', tsval: 1, tsecr: 0 },
        { kind: 'nop' },
        { kind: 'wscale', shift: 7 },
      ]),
    ).toBe('mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7');
  });
});

describe('summarizeLayer and fieldsOf', () => {
  it('give one line and the header fields in wire order for each layer', () => {
    const f = ethernet(2, 1, synPkt, { pcp: 5, dei: 0, vid: 10 });
    expect(summarizeLayer(f)).toBe('00:00:00:00:00:01 > 00:00:00:00:00:02 vlan 10 IPv4');
    expect(names(f)).toEqual(['dst', 'src', 'vlan', 'type']);
    expect(value(f, 'vlan')).toBe('vid 10 pcp 5 dei 0');
    expect(value(f, 'type')).toBe('0x0800 (IPv4)');

    expect(summarizeLayer(synPkt)).toBe('10.0.0.1 > 10.0.1.100 TCP ttl=64 id=7 DF len=40');
    expect(names(synPkt)).toEqual(['version', 'ihl', 'tos', 'total length', 'id', 'flags', 'fragment offset', 'ttl', 'protocol', 'checksum', 'src', 'dst', 'options']);
    expect(value(synPkt, 'checksum')).toBe(`0x${synPkt.checksum.toString(16).padStart(4, '0')}`);
    expect(value(synPkt, 'flags')).toBe('DF');
    expect(value(synPkt, 'total length')).toBe('40');

    expect(summarizeLayer(syn)).toBe('40000 > 80 TCP [S] seq=1000 win=64240 len=0');
    expect(names(syn)).toEqual(['sport', 'dport', 'seq', 'ack', 'data offset', 'flags', 'window', 'checksum', 'urgent', 'options', 'payload']);
    expect(value(syn, 'flags')).toBe('0x02 [S]');

    const u = udp(C, VIP, 5000, 53, new Uint8Array(4), 0);
    expect(summarizeLayer(u)).toBe('5000 > 53 UDP len=4');
    expect(fieldsOf(u)).toEqual([
      { name: 'sport', value: '5000' },
      { name: 'dport', value: '53' },
      { name: 'length', value: '12' },
      { name: 'checksum', value: '0x0000 (none)' },
      { name: 'payload', value: '4 bytes' },
    ]);

    const echo = icmp(8, 0, (3 << 16) | 4);
    expect(summarizeLayer(echo)).toBe('ICMP echo request id=3 seq=4');
    expect(names(echo)).toEqual(['type', 'code', 'checksum', 'id', 'seq', 'body']);

    const a = arp(1, 1, C, 0, VIP);
    expect(summarizeLayer(a)).toBe('ARP who-has 10.0.1.100 tell 10.0.0.1');
    expect(names(a)).toEqual(['htype', 'ptype', 'hlen', 'plen', 'op', 'sha', 'spa', 'tha', 'tpa']);

    expect(fieldsOf(raw(new Uint8Array([0xde, 0xad])))).toEqual([
      { name: 'length', value: '2' },
      { name: 'bytes', value: 'dead' },
    ]);
  });
});
