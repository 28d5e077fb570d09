/** Address parsing, formatting and prefix arithmetic. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  broadcastOf,
  fmtCidr,
  fmtIp,
  fmtMac,
  inPrefix,
  ip,
  isMulticastMac,
  mac,
  maskOf,
  networkOf,
  parseCidr,
  parseIpv4,
  parseMac,
} from '../../src/wire/addr.js';
import { ipAddr, macAddr } from './arbitraries.js';

describe('IPv4 addresses', () => {
  it('parse and format dotted quads', () => {
    expect(parseIpv4('10.0.0.1')).toBe(0x0a000001);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(fmtIp(0xc0a80101)).toBe('192.168.1.1');
    fc.assert(
      fc.property(ipAddr, (a) => {
        expect(parseIpv4(fmtIp(a))).toBe(a);
      }),
    );
  });

  it.each(['', '10.0.0', '10.0.0.1.2', '256.0.0.1', '10.0.0.-1', '10.0.0.1 ', 'a.b.c.d', '1e1.0.0.1', '10..0.1', '010.0.0.1', '10.0.0.01'])(
    'rejects %j',
    (t) => {
      expect(parseIpv4(t)).toBeNull();
    },
  );

  it('ip() throws on invalid text, for code and tests', () => {
    expect(() => ip('10.0.0.300')).toThrow(/not an IPv4 address/);
  });
});

describe('MAC addresses', () => {
  it('parse with : or -, any case, and format lower-case with :', () => {
    expect(parseMac('02:00:00:00:00:01')).toBe(0x020000000001);
    expect(parseMac('AA-BB-CC-DD-EE-FF')).toBe(0xaabbccddeeff);
    expect(fmtMac(0xaabbccddeeff)).toBe('aa:bb:cc:dd:ee:ff');
    expect(fmtMac(1)).toBe('00:00:00:00:00:01');
    fc.assert(
      fc.property(macAddr, (m) => {
        expect(parseMac(fmtMac(m))).toBe(m);
      }),
    );
  });

  it.each(['', '02:00:00:00:00', '02:00:00:00:00:01:02', '2:0:0:0:0:1', 'gg:00:00:00:00:01', '0200.0000.0001'])('rejects %j', (t) => {
    expect(parseMac(t)).toBeNull();
  });

  it('mac() throws on invalid text; multicast is the group bit of the first octet', () => {
    expect(() => mac('nope')).toThrow(/not a MAC address/);
    expect(isMulticastMac(0xffffffffffff)).toBe(true);
    expect(isMulticastMac(mac('01:00:5e:00:00:01'))).toBe(true);
    expect(isMulticastMac(mac('02:00:00:00:00:01'))).toBe(false);
    expect(isMulticastMac(mac('00:01:00:00:00:00'))).toBe(false);
  });
});

describe('prefixes', () => {
  it('masks, networks and broadcasts', () => {
    expect(maskOf(0)).toBe(0);
    expect(maskOf(8)).toBe(0xff000000);
    expect(maskOf(24)).toBe(0xffffff00);
    expect(maskOf(31)).toBe(0xfffffffe);
    expect(maskOf(32)).toBe(0xffffffff);
    expect(networkOf(ip('10.0.1.77'), 24)).toBe(ip('10.0.1.0'));
    expect(broadcastOf(ip('10.0.1.77'), 24)).toBe(ip('10.0.1.255'));
    expect(broadcastOf(ip('192.168.0.1'), 0)).toBe(0xffffffff);
    expect(inPrefix(ip('10.0.1.200'), ip('10.0.1.0'), 24)).toBe(true);
    expect(inPrefix(ip('10.0.2.1'), ip('10.0.1.0'), 24)).toBe(false);
    expect(inPrefix(ip('200.1.2.3'), 0, 0)).toBe(true);
    fc.assert(
      fc.property(ipAddr, fc.integer({ min: 0, max: 32 }), (a, len) => {
        expect(inPrefix(a, networkOf(a, len), len)).toBe(true);
        expect(inPrefix(broadcastOf(a, len), a, len)).toBe(true);
        expect(networkOf(a, len) >>> 0).toBe(networkOf(a, len)); // always unsigned
      }),
    );
  });

  it('CIDR text', () => {
    expect(parseCidr('10.0.0.1/24')).toEqual({ addr: ip('10.0.0.1'), len: 24 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ addr: 0, len: 0 });
    expect(fmtCidr(ip('10.0.0.1'), 24)).toBe('10.0.0.1/24');
    for (const bad of ['10.0.0.1', '10.0.0.1/33', '10.0.0.1/', '10.0.0.1/24/1', '10.0.0/24', '10.0.0.1/x']) expect(parseCidr(bad)).toBeNull();
  });
});
