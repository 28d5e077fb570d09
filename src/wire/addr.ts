/**
 * Address helpers: parsing and formatting IPv4 and MAC addresses, prefixes
 * and masks. The simulator keeps addresses as numbers; these functions are
 * for the edges (scenario files, output), and for subnet arithmetic.
 */
import type { Ipv4Addr, MacAddr } from './types.js';

/**
 * Parses dotted-quad IPv4 text; returns null when it is not a valid address.
 * Octets with a leading zero are refused: inet_aton() reads "010" as octal 8,
 * others as decimal 10, so such text is ambiguous (cf. CVE-2021-29921).
 */
export function parseIpv4(text: string): Ipv4Addr | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v >>> 0;
}

/** Parses dotted-quad IPv4 text, throwing on invalid input (for code and tests, not user input). */
export function ip(text: string): Ipv4Addr {
  const v = parseIpv4(text);
  if (v === null) throw new Error(`not an IPv4 address: ${text}`);
  return v;
}

/** Formats an IPv4 address as dotted quad. */
export function fmtIp(a: Ipv4Addr): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Parses a MAC address written as six hex pairs separated by ':' or '-'; null when invalid. */
export function parseMac(text: string): MacAddr | null {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^[0-9a-fA-F]{2}$/.test(p)) return null;
    v = v * 256 + parseInt(p, 16);
  }
  return v;
}

/** Parses a MAC address, throwing on invalid input (for code and tests). */
export function mac(text: string): MacAddr {
  const v = parseMac(text);
  if (v === null) throw new Error(`not a MAC address: ${text}`);
  return v;
}

const HEX = '0123456789abcdef';

/** Formats a MAC address as six lower-case hex pairs separated by ':'. */
export function fmtMac(m: MacAddr): string {
  let s = '';
  for (let i = 5; i >= 0; i--) {
    const b = Math.floor(m / 2 ** (8 * i)) & 255;
    s += HEX[b >> 4]! + HEX[b & 15]!;
    if (i) s += ':';
  }
  return s;
}

/** The netmask of a prefix length (24 -> 255.255.255.0), as an unsigned integer. */
export function maskOf(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** True when `a` lies inside `net`/`prefixLen`. */
export function inPrefix(a: Ipv4Addr, net: Ipv4Addr, prefixLen: number): boolean {
  const m = maskOf(prefixLen);
  return ((a & m) >>> 0) === ((net & m) >>> 0);
}

/** The network address of `a`/`prefixLen`. */
export function networkOf(a: Ipv4Addr, prefixLen: number): Ipv4Addr {
  return (a & maskOf(prefixLen)) >>> 0;
}

/** The directed broadcast address of `a`/`prefixLen`. */
export function broadcastOf(a: Ipv4Addr, prefixLen: number): Ipv4Addr {
  return (networkOf(a, prefixLen) | ~maskOf(prefixLen)) >>> 0;
}

/** Parses "10.0.0.1/24" into an address and prefix length; null when invalid. */
export function parseCidr(text: string): { addr: Ipv4Addr; len: number } | null {
  const [a, l, extra] = text.split('/');
  if (a === undefined || l === undefined || extra !== undefined) return null;
  const addr = parseIpv4(a);
  if (addr === null || !/^\d{1,2}$/.test(l)) return null;
  const len = Number(l);
  if (len > 32) return null;
  return { addr, len };
}

/** Formats an address with its prefix length ("10.0.0.1/24"). */
export function fmtCidr(a: Ipv4Addr, len: number): string {
  return `${fmtIp(a)}/${len}`;
}

/** True for multicast MACs (group bit set), broadcast included. */
export function isMulticastMac(m: MacAddr): boolean {
  return (Math.floor(m / 2 ** 40) & 1) === 1;
}
