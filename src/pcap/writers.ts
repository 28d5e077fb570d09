/**
 * The two capture file writers behind TraceCapture: pcapng (one file, one
 * interface per capture point, comments) and classic pcap (one file per
 * capture point, no comments). Both stream: each packet is encoded when it
 * is handed over and written in chunks to a sink, and nothing about it is
 * kept. Output is a function of the packets alone (no wall clock, no host
 * name), so the same scenario and seed give byte-identical files.
 */
import { encode } from '../wire/encode.js';
import type { CaptureOutput, CapturedPacket } from './capture.js';
import { writePcapHeader, writePcapRecord } from './pcap-classic.js';
import {
  byteOption,
  EPB_DIR,
  epbFlags,
  OPTION,
  stringOption,
  TSRESOL_NANOSECONDS,
  writeEpb,
  writeIdb,
  writeShb,
  type OptionValue,
} from './pcapng.js';
import { ChunkWriter, type ByteSink } from './sink.js';

/** Options of the pcapng writer. */
export interface PcapngWriterOptions {
  /** The shb_userappl text, e.g. "lblab 0.1.0". */
  readonly application: string;
  /** An optional if_description per capture point (e.g. the link it sits on). */
  readonly describe?: (point: string) => string | null;
}

const OUTBOUND = epbFlags(EPB_DIR.OUTBOUND);
const INBOUND = epbFlags(EPB_DIR.INBOUND);

/** Writes one pcapng section: the SHB at once, an IDB when a capture point first appears, an EPB per packet. */
export class PcapngWriter implements CaptureOutput {
  private readonly w: ChunkWriter;
  private readonly ids = new Map<string, number>();

  /** Starts the file on `sink` (the Section Header Block is written now). */
  constructor(
    sink: ByteSink,
    private readonly opts: PcapngWriterOptions,
  ) {
    this.w = new ChunkWriter(sink);
    writeShb(this.w, [stringOption(OPTION.SHB_USERAPPL, opts.application)]);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.w.total;
  }

  /** The capture points in interface-id order. */
  get points(): string[] {
    return [...this.ids.keys()];
  }

  /** Writes the Interface Description Block of a point unless it exists. */
  declare(point: string): number {
    let id = this.ids.get(point);
    if (id !== undefined) return id;
    id = this.ids.size;
    this.ids.set(point, id);
    const opts: OptionValue[] = [stringOption(OPTION.IF_NAME, point)];
    const d = this.opts.describe?.(point);
    if (d) opts.push(stringOption(OPTION.IF_DESCRIPTION, d));
    opts.push(byteOption(OPTION.IF_TSRESOL, TSRESOL_NANOSECONDS));
    // pcapng 4.2: an IDB may come anywhere in the section before the first packet that names it.
    writeIdb(this.w, opts);
    return id;
  }

  /** Writes one Enhanced Packet Block: direction flag, then one opt_comment per explanation (pcapng 3.5: opt_comment may repeat). */
  packet(p: CapturedPacket): void {
    const id = this.declare(p.point);
    const data = encode(p.frame.eth);
    const opts: OptionValue[] = [p.dir === 'tx' ? OUTBOUND : INBOUND];
    for (const c of p.comments) opts.push(stringOption(OPTION.COMMENT, c));
    writeEpb(this.w, id, p.t, data, data.length, opts);
  }

  /** Flushes and closes the sink. */
  close(): void {
    this.w.close();
  }
}

/** Opens the sink of one capture point's classic pcap file. */
export type SinkFactory = (point: string) => ByteSink;

/** Writes classic nanosecond pcap, one file per capture point, opened when the point is declared or first carries a packet. */
export class PcapPerPointWriter implements CaptureOutput {
  private readonly files = new Map<string, ChunkWriter>();
  /** Comments that classic pcap cannot carry (counted, for the CLI to say so). */
  commentsDropped = 0;

  /** Creates a writer that opens a sink per point with `open`. */
  constructor(private readonly open: SinkFactory) {}

  /** The capture points with a file, in order of creation. */
  get points(): string[] {
    return [...this.files.keys()];
  }

  /** Bytes written per point. */
  sizes(): Map<string, number> {
    return new Map([...this.files].map(([p, w]) => [p, w.total]));
  }

  /** Opens the point's file and writes its header unless open. */
  declare(point: string): void {
    this.file(point);
  }

  private file(point: string): ChunkWriter {
    let w = this.files.get(point);
    if (!w) {
      w = new ChunkWriter(this.open(point));
      writePcapHeader(w);
      this.files.set(point, w);
    }
    return w;
  }

  /** Writes one record to the point's file. */
  packet(p: CapturedPacket): void {
    const data = encode(p.frame.eth);
    writePcapRecord(this.file(p.point), p.t, data, data.length);
    this.commentsDropped += p.comments.length;
  }

  /** Closes every file. */
  close(): void {
    for (const w of this.files.values()) w.close();
  }
}
