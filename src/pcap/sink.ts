/**
 * Where capture writers put their bytes. Writers never touch the file
 * system (only src/cli does): they are handed a sink, and the CLI's sink
 * writes to a temporary file that it renames at the end. Writers hand over
 * whole chunks of blocks, so a sink sees few, large writes.
 */

/** A destination for bytes: a file, a socket, memory. */
export interface ByteSink {
  /** Takes `bytes`; the writer does not touch the array afterwards, so the sink may keep it. */
  write(bytes: Uint8Array): void;
  /** Called once after the last write. */
  close(): void;
}

/** A sink that keeps everything in memory (for tests and small exports). */
export class MemorySink implements ByteSink {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  /** True once close() has been called. */
  closed = false;

  /** Appends the bytes. */
  write(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  /** Marks the sink closed. */
  close(): void {
    this.closed = true;
  }

  /** Everything written so far, as one array. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** How many bytes a writer gathers before handing them to its sink. */
export const CHUNK_BYTES = 64 * 1024;

/**
 * A little-endian block builder over a reusable buffer: writers append
 * blocks to it and hand full chunks to the sink, so memory stays at one
 * chunk however many packets pass.
 */
export class ChunkWriter {
  private buf: Uint8Array;
  private view: DataView;
  private n = 0;
  /** Bytes handed to the sink so far (plus those still buffered: see `total`). */
  private flushed = 0;

  /** Creates a builder that flushes to `sink` in chunks of `chunk` bytes. */
  constructor(
    private readonly sink: ByteSink,
    chunk = CHUNK_BYTES,
  ) {
    this.buf = new Uint8Array(chunk);
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far (flushed or buffered). */
  get total(): number {
    return this.flushed + this.n;
  }

  /** Makes room for `len` more bytes and returns the offset to write them at. */
  reserve(len: number): number {
    if (this.n + len > this.buf.length) {
      this.flush();
      if (len > this.buf.length) {
        // A block larger than a chunk (a jumbo frame): grow this once.
        this.buf = new Uint8Array(len);
        this.view = new DataView(this.buf.buffer);
      }
    }
    const at = this.n;
    this.n += len;
    // Padding bytes must be zero (pcapng 3.1): the reused buffer may hold old bytes.
    this.buf.fill(0, at, at + len);
    return at;
  }

  /** Writes an unsigned 16-bit little-endian value at `at`. */
  u16(at: number, v: number): void {
    this.view.setUint16(at, v, true);
  }

  /** Writes an unsigned 32-bit little-endian value at `at`. */
  u32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }

  /** Copies bytes in at `at`. */
  bytes(at: number, b: Uint8Array): void {
    this.buf.set(b, at);
  }

  /** Hands the buffered bytes to the sink. */
  flush(): void {
    if (this.n === 0) return;
    this.sink.write(this.buf.slice(0, this.n));
    this.flushed += this.n;
    this.n = 0;
  }

  /** Flushes and closes the sink. */
  close(): void {
    this.flush();
    this.sink.close();
  }
}
