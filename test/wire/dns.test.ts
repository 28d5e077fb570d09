/**
 * The DNS codec: known-answer bytes (RFC 1035 layout, compression pointers
 * as servers write them), encode/decode round trips of arbitrary messages,
 * and hostile bytes (truncation, pointer loops, bad counts) that must give
 * a reason and an offset, never an exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aAddresses,
  aRecord,
  decodeDns,
  DNS_FLAG,
  DNS_RCODE,
  dnsNameKey,
  dnsQuery,
  encodeDns,
  nameLabels,
  summarizeDns,
  type DnsMessage,
  type DnsRecord,
} from '../../src/wire/dns.js';
import { ip } from '../../src/wire/addr.js';
import { udp as mkUdp, ipv4 as mkIp } from '../../src/wire/build.js';
import { summarizeIpv4 } from '../../src/wire/summary.js';

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((x) => parseInt(x, 16)));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// dig +noedns shop.example A: id 0x1234, RD, one question.
const QUERY = hex(`
  1234 0100 0001 0000 0000 0000
  04 73686f70 07 6578616d706c65 00  0001 0001`);

// The authoritative answer: QR AA RD, two A records whose owner is the pointer c0 0c (offset 12, the question's name).
const RESPONSE = hex(`
  1234 8500 0001 0002 0000 0000
  04 73686f70 07 6578616d706c65 00  0001 0001
  c00c 0001 0001 0000001e 0004 0a00010b
  c00c 0001 0001 0000001e 0004 0a00010c`);

describe('DNS known-answer bytes', () => {
  it('encodes a query as dig sends it', () => {
    expect(toHex(encodeDns(dnsQuery(0x1234, 'shop.example')))).toBe(toHex(QUERY));
  });

  it('encodes a response with c0 0c pointers for the answers', () => {
    const m: DnsMessage = {
      id: 0x1234,
      flags: DNS_FLAG.QR | DNS_FLAG.AA | DNS_FLAG.RD,
      questions: [{ name: 'shop.example', type: 1, class: 1 }],
      answers: [aRecord('shop.example', ip('10.0.1.11'), 30), aRecord('shop.example', ip('10.0.1.12'), 30)],
      authority: [],
      additional: [],
    };
    expect(toHex(encodeDns(m))).toBe(toHex(RESPONSE));
  });

  it('decodes the response: flags, TTL and addresses in order', () => {
    const r = decodeDns(RESPONSE);
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.value.id).toBe(0x1234);
    expect(r.value.flags & DNS_FLAG.AA).toBe(DNS_FLAG.AA);
    expect(r.value.answers.map((a) => a.name)).toEqual(['shop.example', 'shop.example']);
    expect(r.value.answers[0]!.ttl).toBe(30);
    expect(aAddresses(r.value)).toEqual([ip('10.0.1.11'), ip('10.0.1.12')]);
    expect(summarizeDns(r.value)).toBe('DNS response A shop.example 10.0.1.11,10.0.1.12 ttl 30');
  });

  it('summarises queries, NXDOMAIN and UDP/53 payloads in hop lines', () => {
    expect(summarizeDns(dnsQuery(1, 'shop.example'))).toBe('DNS query A shop.example');
    const nx: DnsMessage = { ...dnsQuery(1, 'nope.example'), flags: DNS_FLAG.QR | DNS_FLAG.AA | DNS_RCODE.NXDOMAIN };
    expect(summarizeDns(nx)).toBe('DNS response A nope.example NXDOMAIN');
    const pkt = mkIp({ src: ip('10.0.0.10'), dst: ip('10.0.1.53') }, mkUdp(ip('10.0.0.10'), ip('10.0.1.53'), 40000, 53, QUERY));
    expect(summarizeIpv4(pkt)).toBe('10.0.0.10:40000 > 10.0.1.53:53 DNS query A shop.example');
    const bad = mkIp({ src: ip('10.0.0.10'), dst: ip('10.0.1.53') }, mkUdp(ip('10.0.0.10'), ip('10.0.1.53'), 40000, 53, QUERY.slice(0, 5)));
    expect(summarizeIpv4(bad)).toMatch(/DNS malformed \(the DNS header needs 12 bytes, only 5 present\) len=5/);
  });

  it('escapes label bytes as dig does and compares names case-insensitively', () => {
    const m = decodeDns(hex('0000 0000 0001 0000 0000 0000 03 612e62 02 0a5c 00 0001 0001'));
    if (!m.ok) throw new Error(m.error.reason);
    expect(m.value.questions[0]!.name).toBe('a\\.b.\\010\\\\');
    expect(toHex(encodeDns(m.value))).toBe('000000000001000000000000036' + '12e62020a5c0000010001');
    expect(dnsNameKey('Shop.EXAMPLE.')).toBe('shop.example');
    expect(() => nameLabels('a..b')).toThrow(/empty label/);
    expect(() => nameLabels(`${'x'.repeat(64)}.example`)).toThrow(/64 bytes/);
  });
});

describe('DNS hostile bytes', () => {
  const reason = (b: Uint8Array) => {
    const r = decodeDns(b);
    if (r.ok) throw new Error('decoded');
    return r.error;
  };

  it('refuses a pointer to itself or forwards (a loop), with its offset', () => {
    const loop = hex('0000 0000 0001 0000 0000 0000 c00c 0001 0001');
    expect(reason(loop)).toMatchObject({ layer: 'dns', offset: 12 });
    expect(reason(loop).reason).toMatch(/does not point backwards/);
    const fwd = hex('0000 0000 0001 0000 0000 0000 c00e 00 0001 0001');
    expect(reason(fwd).reason).toMatch(/does not point backwards/);
  });

  it('says what is cut off', () => {
    expect(reason(RESPONSE.slice(0, 11)).reason).toMatch(/header needs 12 bytes/);
    expect(reason(RESPONSE.slice(0, RESPONSE.length - 2)).reason).toMatch(/RDLENGTH 4 runs past/);
    expect(reason(QUERY.slice(0, 20)).reason).toMatch(/label runs past/);
    expect(reason(Uint8Array.from([...QUERY, 0])).reason).toMatch(/1 bytes after the last record/);
    expect(reason(hex('0000 0000 0005 0000 0000 0000 00 0001 0001')).reason).toMatch(/question 2/);
  });

  it('never throws, and every error offset is inside the input', () => {
    const check = (b: Uint8Array) => {
      const r = decodeDns(b);
      if (r.ok) {
        summarizeDns(r.value);
        encodeDns(r.value);
      } else {
        expect(r.error.offset).toBeGreaterThanOrEqual(0);
        expect(r.error.offset).toBeLessThanOrEqual(b.length);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), check), { numRuns: 2000 });
    // Mutations of a valid response reach deeper than random bytes do.
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(RESPONSE.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(RESPONSE.length), (flips, cut) => {
        const b = RESPONSE.slice(0, Math.max(cut, 1));
        for (const [i, v] of flips) if (i < b.length) b[i] = v;
        check(b);
      }),
      { numRuns: 3000 },
    );
  });
});

const label = fc.oneof(
  fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/),
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => decodeLabel(b)),
);

/** A label of arbitrary bytes in presentation format, via the decoder itself. */
function decodeLabel(b: Uint8Array): string {
  const r = decodeDns(Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, b.length, ...b, 0, 0, 1, 0, 1]));
  if (!r.ok) throw new Error(r.error.reason);
  return r.value.questions[0]!.name;
}

const name = fc.array(label, { maxLength: 4 }).map((ls) => ls.join('.'));
const u16 = fc.integer({ min: 0, max: 0xffff });
const record: fc.Arbitrary<DnsRecord> = fc.record({ name, type: u16, class: u16, ttl: fc.integer({ min: 0, max: 0xffffffff }), data: fc.uint8Array({ maxLength: 16 }) });
const message: fc.Arbitrary<DnsMessage> = fc.record({
  id: u16,
  flags: u16,
  questions: fc.array(fc.record({ name, type: u16, class: u16 }), { maxLength: 3 }),
  answers: fc.array(record, { maxLength: 4 }),
  authority: fc.array(record, { maxLength: 2 }),
  additional: fc.array(record, { maxLength: 2 }),
});

describe('DNS round trip', () => {
  it('decode(encode(m)) equals m, and re-encoding gives the same bytes', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encodeDns(m);
        const r = decodeDns(bytes);
        if (!r.ok) throw new Error(r.error.reason);
        expect(r.value).toEqual(m);
        expect(toHex(encodeDns(r.value))).toBe(toHex(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('compression makes a repeated name two bytes', () => {
    const one = encodeDns({ ...dnsQuery(1, 'shop.example'), answers: [aRecord('shop.example', 1, 1)] });
    const plain = encodeDns(dnsQuery(1, 'shop.example'));
    expect(one.length - plain.length).toBe(2 + 10 + 4);
  });
});
