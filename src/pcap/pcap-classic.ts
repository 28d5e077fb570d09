/**
 * The classic libpcap file layout (tcpdump.org "pcap savefile format",
 * draft-ietf-opsawg-pcap): a 24-byte file header, then a 16-byte record
 * header before each packet. lblab writes the nanosecond variant (magic
 * 0xa1b23c4d), little-endian, for the tools that read nothing newer; it has
 * no interfaces and no comments, so the CLI writes one file per capture point.
 */
import type { ChunkWriter } from './sink.js';
import { LINKTYPE_ETHERNET, SNAPLEN } from './pcapng.js';

/** File header offsets (draft-ietf-opsawg-pcap 4). */
export const PCAP_HDR = { MAGIC: 0, MAJOR: 4, MINOR: 6, THISZONE: 8, SIGFIGS: 12, SNAPLEN: 16, LINKTYPE: 20, LEN: 24 } as const;
/** Packet record header offsets (draft-ietf-opsawg-pcap 5). */
export const PCAP_REC = { TS_SEC: 0, TS_FRAC: 4, CAP_LEN: 8, ORIG_LEN: 12, LEN: 16 } as const;
/** The magic numbers as read little-endian from the file's first four bytes. */
export const PCAP_MAGIC = { MICRO: 0xa1b2c3d4, NANO: 0xa1b23c4d } as const;

/** Writes the file header of a nanosecond pcap (version 2.4, Ethernet). */
export function writePcapHeader(w: ChunkWriter, linkType = LINKTYPE_ETHERNET, snaplen = SNAPLEN): void {
  const at = w.reserve(PCAP_HDR.LEN);
  w.u32(at + PCAP_HDR.MAGIC, PCAP_MAGIC.NANO); // nanosecond timestamps
  w.u16(at + PCAP_HDR.MAJOR, 2);
  w.u16(at + PCAP_HDR.MINOR, 4);
  w.u32(at + PCAP_HDR.THISZONE, 0); // always 0 in practice: timestamps are UTC
  w.u32(at + PCAP_HDR.SIGFIGS, 0);
  w.u32(at + PCAP_HDR.SNAPLEN, snaplen);
  w.u32(at + PCAP_HDR.LINKTYPE, linkType);
}

/** Writes one packet record; `t` is nanoseconds since the simulation started. */
export function writePcapRecord(w: ChunkWriter, t: number, data: Uint8Array, origLen: number): void {
  const at = w.reserve(PCAP_REC.LEN + data.length);
  w.u32(at + PCAP_REC.TS_SEC, Math.floor(t / 1e9));
  w.u32(at + PCAP_REC.TS_FRAC, t % 1e9); // nanoseconds, given the magic
  w.u32(at + PCAP_REC.CAP_LEN, data.length);
  w.u32(at + PCAP_REC.ORIG_LEN, origLen);
  w.bytes(at + PCAP_REC.LEN, data);
}
