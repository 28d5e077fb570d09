/**
 * Frames as immutable typed values, layered the way the wire is:
 * Ethernet -> ARP | IPv4 -> ICMP | UDP | TCP | IPv4 (IP-in-IP) -> payload bytes.
 *
 * Addresses are plain numbers (IPv4 as an unsigned 32-bit integer, MAC as a
 * 48-bit integer) and are formatted only at the edges (see addr.ts). Every
 * layer carries its checksum field as it would appear on the wire, so a
 * reader can see a bad checksum exactly as Wireshark would. Values are never
 * mutated: a rewrite builds a new value that shares the untouched layers.
 */

/** An IPv4 address as an unsigned 32-bit integer (10.0.0.1 = 0x0a000001). */
export type Ipv4Addr = number;
/** A MAC address as a 48-bit integer (00:00:00:00:00:01 = 1). */
export type MacAddr = number;

/** EtherType numbers lblab understands (IEEE registry). */
export const ETHERTYPE = { IPV4: 0x0800, ARP: 0x0806, VLAN: 0x8100 } as const;
/** IP protocol numbers lblab understands (IANA registry). */
export const IPPROTO = { ICMP: 1, IPIP: 4, TCP: 6, UDP: 17, VRRP: 112 } as const;

/** The broadcast MAC address ff:ff:ff:ff:ff:ff. */
export const MAC_BROADCAST: MacAddr = 0xffffffffffff;

/** Bytes the network carries without lblab interpreting them. */
export interface Raw {
  readonly kind: 'raw';
  readonly bytes: Uint8Array;
}

/** An 802.1Q tag: priority code point, drop eligible indicator, VLAN id. */
export interface VlanTag {
  readonly pcp: number;
  readonly dei: number;
  readonly vid: number;
}

/** An Ethernet II frame (without preamble and FCS), optionally 802.1Q tagged. */
export interface Ethernet {
  readonly kind: 'eth';
  readonly dst: MacAddr;
  readonly src: MacAddr;
  /** The 802.1Q tag, or null for an untagged frame. */
  readonly vlan: VlanTag | null;
  /** EtherType of the payload (0x0800 IPv4, 0x0806 ARP, anything else is Raw). */
  readonly type: number;
  readonly payload: Arp | Ipv4 | Raw;
}

/** ARP operation codes (RFC 826). */
export const ARP_OP = { REQUEST: 1, REPLY: 2 } as const;

/** An ARP packet for IPv4 over Ethernet (htype 1, ptype 0x0800, hlen 6, plen 4). */
export interface Arp {
  readonly kind: 'arp';
  readonly op: number;
  /** Sender hardware address. */
  readonly sha: MacAddr;
  /** Sender protocol address. */
  readonly spa: Ipv4Addr;
  /** Target hardware address. */
  readonly tha: MacAddr;
  /** Target protocol address. */
  readonly tpa: Ipv4Addr;
}

/** IPv4 flag bits as they sit in the flags/fragment-offset word. */
export const IP_FLAG = { DF: 0x4000, MF: 0x2000 } as const;

/** An IPv4 packet (RFC 791). */
export interface Ipv4 {
  readonly kind: 'ipv4';
  /** Type of service / DSCP+ECN byte. */
  readonly tos: number;
  /** Identification field. */
  readonly id: number;
  /** The whole flags + fragment offset word (use IP_FLAG for the flag bits). */
  readonly frag: number;
  readonly ttl: number;
  /** Protocol number (IPPROTO). */
  readonly proto: number;
  /** Header checksum as carried on the wire. */
  readonly checksum: number;
  readonly src: Ipv4Addr;
  readonly dst: Ipv4Addr;
  /** Header options (a multiple of 4 bytes), or null. */
  readonly options: Uint8Array | null;
  readonly payload: Tcp | Udp | Icmp | Ipv4 | Vrrp | Raw;
}

/** ICMP message types lblab models (RFC 792). */
export const ICMP_TYPE = {
  ECHO_REPLY: 0,
  DEST_UNREACH: 3,
  REDIRECT: 5,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
} as const;

/** Codes of ICMP destination unreachable (RFC 792, RFC 1122). */
export const ICMP_UNREACH = {
  NET: 0,
  HOST: 1,
  PROTOCOL: 2,
  PORT: 3,
  FRAG_NEEDED: 4,
  ADMIN_PROHIBITED: 13,
} as const;

/** Codes of ICMP redirect (RFC 792). */
export const ICMP_REDIRECT = { NET: 0, HOST: 1 } as const;

/**
 * An ICMP message. `rest` is the 32-bit "rest of header" word: identifier
 * and sequence for echo (id << 16 | seq), the gateway address for a
 * redirect, unused (or next-hop MTU) for errors. `body` is the echo data, or
 * for errors the quoted IP header and first 8 bytes of the offending packet.
 */
export interface Icmp {
  readonly kind: 'icmp';
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  readonly rest: number;
  readonly body: Uint8Array;
}

/** A UDP datagram (RFC 768). */
export interface Udp {
  readonly kind: 'udp';
  readonly sport: number;
  readonly dport: number;
  /** Checksum as carried; 0 means "no checksum" (RFC 768). */
  readonly checksum: number;
  readonly payload: Uint8Array;
}

/** TCP flag bits as they sit in the header's flags byte. */
export const TCP_FLAG = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** One TCP option, in the order it appears in the header. */
export type TcpOption =
  | { readonly kind: 'eol' }
  | { readonly kind: 'nop' }
  | { readonly kind: 'mss'; readonly mss: number }
  | { readonly kind: 'wscale'; readonly shift: number }
  | { readonly kind: 'sack-permitted' }
  | { readonly kind: 'sack'; readonly blocks: readonly (readonly [number, number])[] }
  | { readonly kind: 'timestamps'; readonly tsval: number; readonly tsecr: number }
  | { readonly kind: 'unknown'; readonly type: number; readonly data: Uint8Array };

/** A TCP segment (RFC 9293). */
export interface Tcp {
  readonly kind: 'tcp';
  readonly sport: number;
  readonly dport: number;
  /** Sequence number, unsigned 32-bit. */
  readonly seq: number;
  /** Acknowledgement number, unsigned 32-bit. */
  readonly ack: number;
  /** Flag bits (TCP_FLAG); the NS bit is not modelled. */
  readonly flags: number;
  readonly window: number;
  readonly checksum: number;
  readonly urgent: number;
  readonly options: readonly TcpOption[];
  readonly payload: Uint8Array;
}

/**
 * A VRRP version 3 advertisement (RFC 5798 section 5.2): the only message
 * type, 1, carried in IP protocol 112. Codec, checksum and the protocol's
 * constants are in vrrp.ts.
 */
export interface Vrrp {
  readonly kind: 'vrrp';
  /** Version nibble (3; the decoder keeps other versions Raw). */
  readonly version: number;
  /** Type nibble (1 = ADVERTISEMENT, the only one defined). */
  readonly type: number;
  /** Virtual router identifier, 1..255. */
  readonly vrid: number;
  /** Sender's priority: 255 address owner, 100 default, 0 = the master stops (RFC 5798 5.2.4). */
  readonly priority: number;
  /** The 4 reserved bits before the interval (sent as 0). */
  readonly rsvd: number;
  /** Maximum advertisement interval in centiseconds (12 bits). */
  readonly maxAdvertInt: number;
  /** Checksum over the IPv4 pseudo-header and the message (RFC 5798 5.2.8), as carried. */
  readonly checksum: number;
  /** The virtual router's IPv4 addresses (their number is the Count IPvX Addr field). */
  readonly addrs: readonly Ipv4Addr[];
}

/** Any layer value. */
export type Layer = Ethernet | Arp | Ipv4 | Icmp | Udp | Tcp | Vrrp | Raw;

/** An empty byte string, shared so that empty payloads cost nothing. */
export const EMPTY: Uint8Array = new Uint8Array(0);
