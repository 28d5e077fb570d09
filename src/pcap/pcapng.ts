/**
 * The pcapng block layouts lblab writes and reads, per the PCAP Next
 * Generation capture file format (draft-ietf-opsawg-pcapng, cited below as
 * "pcapng" with its section numbers): a Section Header Block, one Interface
 * Description Block per capture point, one Enhanced Packet Block per packet.
 * Everything is written little-endian (the SHB's byte-order magic tells a
 * reader so, pcapng 4.1), and every block and option is padded to 32 bits.
 */
import type { ChunkWriter } from './sink.js';

/** Block type codes (pcapng 11.1, "Block Type Codes"). */
export const BLOCK = { SHB: 0x0a0d0d0a, IDB: 0x00000001, SPB: 0x00000003, EPB: 0x00000006 } as const;
/** The byte-order magic of a Section Header Block (pcapng 4.1). */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Field offsets common to every block (pcapng 3.1): type, total length, then the body; the total length is repeated last. */
export const BLK = { TYPE: 0, TOTAL_LEN: 4, BODY: 8, TRAILER_LEN: 4 } as const;
/** Section Header Block body offsets (pcapng 4.1), from the block start. */
export const SHB = { MAGIC: 8, MAJOR: 12, MINOR: 14, SECTION_LEN: 16, OPTIONS: 24 } as const;
/** Interface Description Block body offsets (pcapng 4.2), from the block start. */
export const IDB = { LINKTYPE: 8, RESERVED: 10, SNAPLEN: 12, OPTIONS: 16 } as const;
/** Enhanced Packet Block body offsets (pcapng 4.3), from the block start. */
export const EPB = { IFACE: 8, TS_HIGH: 12, TS_LOW: 16, CAP_LEN: 20, ORIG_LEN: 24, DATA: 28 } as const;
/** Simple Packet Block body offsets (pcapng 4.4), from the block start. */
export const SPB = { ORIG_LEN: 8, DATA: 12 } as const;
/** Option header offsets (pcapng 3.5): code, value length, value. */
export const OPT = { CODE: 0, LEN: 2, VALUE: 4 } as const;

/** Option codes lblab writes (pcapng 3.5 general, 4.1 SHB, 4.2 IDB, 4.3 EPB). */
export const OPTION = {
  END: 0,
  COMMENT: 1,
  SHB_USERAPPL: 4,
  IF_NAME: 2,
  IF_DESCRIPTION: 3,
  IF_TSRESOL: 9,
  IF_TSOFFSET: 14,
  EPB_FLAGS: 2,
} as const;

/** LINKTYPE_ETHERNET: Ethernet II frames without FCS (tcpdump.org link-layer header types). */
export const LINKTYPE_ETHERNET = 1;
/** The snapshot length lblab declares (as tcpdump's default); no simulated frame is longer. */
export const SNAPLEN = 262144;
/** if_tsresol 9: timestamps count nanoseconds (pcapng 4.2: a power of ten when the top bit is clear). */
export const TSRESOL_NANOSECONDS = 9;
/** epb_flags direction bits (pcapng 4.3.1): inbound 01, outbound 10. */
export const EPB_DIR = { INBOUND: 1, OUTBOUND: 2 } as const;

/** Rounds up to a multiple of 4: every field of pcapng is 32-bit aligned (pcapng 3.1). */
export function pad4(n: number): number {
  return n + ((4 - (n % 4)) % 4); // not (n + 3) & ~3: lengths read from a file may exceed 2^31
}

/** One option to encode: its code and value bytes. */
export interface OptionValue {
  readonly code: number;
  readonly value: Uint8Array;
}

const utf8 = new TextEncoder();

/** A UTF-8 string option (pcapng 3.5: strings are UTF-8, not zero-terminated). */
export function stringOption(code: number, text: string): OptionValue {
  return { code, value: utf8.encode(text) };
}

/** The encoded length of an option list, opt_endofopt included; 0 for no options (pcapng 3.5: the list may be omitted). */
export function optionsLength(opts: readonly OptionValue[]): number {
  if (opts.length === 0) return 0;
  let n = OPT.VALUE; // opt_endofopt
  for (const o of opts) n += OPT.VALUE + pad4(o.value.length);
  return n;
}

/** Writes an option list at `at` (values zero-padded, ended by opt_endofopt); returns the offset after it. */
export function writeOptions(w: ChunkWriter, at: number, opts: readonly OptionValue[]): number {
  if (opts.length === 0) return at;
  let o = at;
  for (const opt of opts) {
    if (opt.value.length > 0xffff) throw new RangeError(`pcapng option ${opt.code} is ${opt.value.length} bytes; an option holds at most 65535`);
    w.u16(o + OPT.CODE, opt.code);
    w.u16(o + OPT.LEN, opt.value.length); // pcapng 3.5: the length without padding
    w.bytes(o + OPT.VALUE, opt.value);
    o += OPT.VALUE + pad4(opt.value.length);
  }
  w.u16(o + OPT.CODE, OPTION.END); // pcapng 3.5: opt_endofopt ends the list
  w.u16(o + OPT.LEN, 0);
  return o + OPT.VALUE;
}

/** Starts a block of `total` bytes: writes its type and both length fields; returns its offset. */
function openBlock(w: ChunkWriter, type: number, total: number): number {
  const at = w.reserve(total);
  w.u32(at + BLK.TYPE, type);
  w.u32(at + BLK.TOTAL_LEN, total);
  w.u32(at + total - BLK.TRAILER_LEN, total); // pcapng 3.1: the length again at the end, for walking backwards
  return at;
}

/** Writes a Section Header Block with the given options; the section length is left unspecified (-1), as a streaming writer must (pcapng 4.1). */
export function writeShb(w: ChunkWriter, opts: readonly OptionValue[]): void {
  const total = SHB.OPTIONS + optionsLength(opts) + BLK.TRAILER_LEN;
  const at = openBlock(w, BLOCK.SHB, total);
  w.u32(at + SHB.MAGIC, BYTE_ORDER_MAGIC);
  w.u16(at + SHB.MAJOR, 1); // pcapng 4.1: version 1.0
  w.u16(at + SHB.MINOR, 0);
  w.u32(at + SHB.SECTION_LEN, 0xffffffff); // pcapng 4.1: -1 = length not specified
  w.u32(at + SHB.SECTION_LEN + 4, 0xffffffff);
  writeOptions(w, at + SHB.OPTIONS, opts);
}

/** Writes an Interface Description Block for Ethernet with the given options (pcapng 4.2). */
export function writeIdb(w: ChunkWriter, opts: readonly OptionValue[], linkType = LINKTYPE_ETHERNET, snaplen = SNAPLEN): void {
  const total = IDB.OPTIONS + optionsLength(opts) + BLK.TRAILER_LEN;
  const at = openBlock(w, BLOCK.IDB, total);
  w.u16(at + IDB.LINKTYPE, linkType);
  w.u16(at + IDB.RESERVED, 0); // pcapng 4.2: reserved, must be 0
  w.u32(at + IDB.SNAPLEN, snaplen);
  writeOptions(w, at + IDB.OPTIONS, opts);
}

/** Writes an Enhanced Packet Block (pcapng 4.3); `t` is in the interface's time units (nanoseconds here), below 2^53. */
export function writeEpb(w: ChunkWriter, iface: number, t: number, data: Uint8Array, origLen: number, opts: readonly OptionValue[]): void {
  const total = EPB.DATA + pad4(data.length) + optionsLength(opts) + BLK.TRAILER_LEN;
  const at = openBlock(w, BLOCK.EPB, total);
  w.u32(at + EPB.IFACE, iface);
  w.u32(at + EPB.TS_HIGH, Math.floor(t / 4294967296)); // pcapng 4.3: a 64-bit count split high word first
  w.u32(at + EPB.TS_LOW, t >>> 0);
  w.u32(at + EPB.CAP_LEN, data.length);
  w.u32(at + EPB.ORIG_LEN, origLen);
  w.bytes(at + EPB.DATA, data);
  writeOptions(w, at + EPB.DATA + pad4(data.length), opts); // pcapng 4.3: data padded to 32 bits, then options
}

/** An epb_flags option value (pcapng 4.3.1): a 32-bit word, direction in bits 0-1. */
export function epbFlags(direction: number): OptionValue {
  const v = new Uint8Array(4);
  new DataView(v.buffer).setUint32(0, direction, true);
  return { code: OPTION.EPB_FLAGS, value: v };
}

/** A one-byte option value (if_tsresol). */
export function byteOption(code: number, b: number): OptionValue {
  return { code, value: Uint8Array.of(b) };
}
