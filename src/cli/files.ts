/**
 * How the commands touch files a scenario names or lblab writes, when the
 * scenario may come from someone else (a grader runs students' files).
 * Reading: a capture to replay must be a regular file inside the scenario's
 * folder tree (symbolic links resolved, as for `extends`), no larger than a
 * limit, and opened so that a FIFO or a device can never block or stream for
 * ever. Writing: output goes to a temporary file with a random name, created
 * exclusively (O_EXCL, so a planted file or symbolic link is never followed
 * or overwritten) and renamed over the destination at the end, so a reader
 * sees the whole file or none; a signal removes it.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

/** The largest capture a scenario may replay (a corrupt or hostile file cannot make lblab read gigabytes). */
export const MAX_CAPTURE_BYTES = 64 * 1024 * 1024;

/** The largest scenario file (or base of `extends`) lblab reads: the biggest built-in is a few KiB. */
export const MAX_SCENARIO_BYTES = 4 * 1024 * 1024;

/** A file lblab refuses to read, with a sentence saying why (it never quotes the file's content). */
export class FileRefused extends Error {}

/**
 * Reads `file`, a capture a scenario replays: its real path (links
 * resolved) must lie in the folder tree `root` (a real path; `rootName` says
 * whose folder it is in the message), and be a regular file of at most
 * `limit` bytes. Throws FileRefused.
 */
export function readContained(file: string, root: string, rootName: string, limit = MAX_CAPTURE_BYTES): Uint8Array {
  const { real, missing } = realOrNearest(file);
  const rel = relative(root, real);
  // Containment first, even for a file that does not exist: whether a path outside the tree exists is not the scenario's to learn.
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new FileRefused(`it is outside the folder of ${rootName}; a scenario may replay only captures in its own folder tree (copy the capture next to the scenario)`);
  }
  if (missing) throw new FileRefused('no such file');
  return readRegular(real, limit, 'a capture to replay is a .pcap or .pcapng file');
}

/** The real path of `file`, or when it does not exist, the real path of its nearest existing folder with the rest appended. */
function realOrNearest(file: string): { real: string; missing: boolean } {
  let dir = resolve(file);
  const rest: string[] = [];
  for (;;) {
    try {
      return { real: join(realpathSync(dir), ...rest), missing: rest.length > 0 };
    } catch {
      const up = dirname(dir);
      if (up === dir) return { real: resolve(file), missing: true };
      rest.unshift(basename(dir));
      dir = up;
    }
  }
}

/**
 * Reads a regular file of at most `limit` bytes; a folder, device, FIFO or
 * socket is refused (`what` says what was expected instead), and so is a
 * larger file, before anything is read (the grader's stdin, /dev/zero or a
 * FIFO never block or stream). Throws FileRefused.
 */
export function readRegular(file: string, limit: number, what: string): Uint8Array {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (fstat then refuses it); a link is followed, fstat sees its target.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new FileRefused(ioReason(e));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileRefused(`it is not a regular file (a folder, device, FIFO or socket); ${what}`);
    if (st.size > limit) throw new FileRefused(`it is larger than the ${limit / (1024 * 1024)} MiB lblab reads here`);
    // Read at most the size seen: a file that grows while being read is cut there, never read for ever.
    const buf = new Uint8Array(st.size);
    let o = 0;
    while (o < buf.length) {
      const n = readSync(fd, buf, o, buf.length - o, o);
      if (n === 0) break;
      o += n;
    }
    return o === buf.length ? buf : buf.subarray(0, o);
  } finally {
    closeSync(fd);
  }
}

/** A short reason for a failed file operation, without the path (the caller names the file). */
export function ioReason(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'ELOOP') return 'it is a symbolic link';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  return typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
}

const live = new Set<string>();
let hooked = false;

/** Removes every temporary file still open when the process is stopped by a signal, then dies of that signal as usual. */
function hookSignals(): void {
  if (hooked) return;
  hooked = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const t of live) {
        try {
          unlinkSync(t);
        } catch {
          // already gone
        }
      }
      live.clear();
      process.kill(process.pid, sig);
    });
  }
}

/**
 * A file being written under a random temporary name next to its
 * destination, created with O_EXCL|O_NOFOLLOW (mode 0644 before umask), and
 * renamed over the destination by commit(). abort() (or a SIGINT/SIGTERM)
 * removes it.
 */
export class AtomicFile {
  /** The temporary name being written. */
  readonly tmp: string;
  private fd: number | null;

  /** Creates the temporary file for `path`. */
  constructor(readonly path: string) {
    hookSignals();
    for (let attempt = 0; ; attempt++) {
      const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.partial`);
      try {
        this.fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
        this.tmp = tmp;
        break;
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'EEXIST' || attempt >= 8) throw e;
      }
    }
    live.add(this.tmp);
  }

  /** Writes all the bytes. */
  write(bytes: Uint8Array): void {
    if (this.fd === null) throw new Error(`${this.path} is already closed`);
    let o = 0;
    while (o < bytes.length) o += writeSync(this.fd, bytes, o, bytes.length - o);
  }

  /** Closes the file and gives it its real name (rename replaces a link at the destination, never writes through it). */
  commit(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.tmp, this.path);
    live.delete(this.tmp);
  }

  /** Closes and deletes the temporary file. */
  abort(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    try {
      unlinkSync(this.tmp);
    } catch {
      // already gone
    }
    live.delete(this.tmp);
  }
}

/** Writes a whole file atomically (temporary file, then rename). */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const f = new AtomicFile(path);
  try {
    f.write(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    f.commit();
  } catch (e) {
    f.abort();
    throw e;
  }
}
