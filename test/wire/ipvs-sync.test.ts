/**
 * The IPVS sync protocol version 1 payload codec: the layout of
 * net/netfilter/ipvs/ip_vs_sync.c byte by byte, round trips as property
 * tests, and refusal (never a throw) of what the kernel would drop.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSync, encodeSync, IPVS_CONN_F, IPVS_SYNC, type SyncConn } from '../../src/wire/ipvs-sync.js';
import { ip } from '../../src/wire/addr.js';
import * as A from './arbitraries.js';

const conn: SyncConn = { protocol: 6, flags: IPVS_CONN_F.DROUTE | IPVS_CONN_F.NOOUTPUT, state: 1, cport: 56550, vport: 80, dport: 80, fwmark: 0, timeout: 900, caddr: ip('10.0.0.10'), vaddr: ip('10.0.1.100'), daddr: ip('10.0.1.11') };

describe('IPVS sync v1', () => {
  it('lays out the header and one IPv4 entry as ip_vs_sync.c draws them', () => {
    const b = encodeSync({ syncid: 7, conns: [conn] });
    const hex = Buffer.from(b).toString('hex');
    // header: reserved 0, syncid 7, size 44, 1 conn, version 1, spare 0
    expect(hex.slice(0, 16)).toBe('0007002c01010000');
    // type 0, TCP, ver 0 / size 36, flags 0x83, state 1, cport, vport, dport, fwmark 0, timeout 900, caddr, vaddr, daddr
    expect(hex.slice(16)).toBe('00060024' + '00000083' + '0001' + 'dce6' + '0050' + '0050' + '00000000' + '00000384' + '0a00000a' + '0a000164' + '0a00010b');
    expect(b.length).toBe(IPVS_SYNC.HEADER_LEN + IPVS_SYNC.CONN_V4_LEN);
  });

  it('decode(encode(m)) === m for any message of IPv4 entries', () => {
    const entry = fc.record({ protocol: A.u8, flags: A.u32, state: A.u16, cport: A.u16, vport: A.u16, dport: A.u16, fwmark: A.u32, timeout: A.u32, caddr: A.ipAddr, vaddr: A.ipAddr, daddr: A.ipAddr });
    fc.assert(
      fc.property(A.u8, fc.array(entry, { maxLength: 40 }), (syncid, conns) => {
        expect(decodeSync(encodeSync({ syncid, conns }))).toEqual({ syncid, conns });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses version 0, a wrong size, a short entry and trailing bytes, without throwing on any bytes', () => {
    const b = encodeSync({ syncid: 0, conns: [conn] });
    const v0 = b.slice();
    v0[0] = 1;
    expect(decodeSync(v0)).toMatch(/version 0/);
    const size = b.slice();
    size[3] = 40;
    expect(decodeSync(size)).toMatch(/size field/);
    expect(decodeSync(b.slice(0, 30))).toMatch(/size field/);
    const more = new Uint8Array(b.length + 4);
    more.set(b);
    more[3] = more.length;
    expect(decodeSync(more)).toMatch(/follow/);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (x) => void decodeSync(x)), { numRuns: 500 });
  });
});
