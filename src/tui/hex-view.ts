/**
 * The frame's bytes as a hex dump (the `x` key): offset, sixteen bytes in
 * two groups of eight, and their printable characters, as `tcpdump -XX` or
 * Wireshark's bytes pane show them. The bytes are the encoder's, so they
 * are what the pcap holds (without the FCS). For a rewrite, bytes that
 * differ from the frame before it are highlighted and their offsets listed.
 */
import { encode } from '../wire/encode.js';
import type { Ethernet } from '../wire/types.js';
import { seg, wrapWords, type Line, type Segment } from './segments.js';

const hex2 = (b: number): string => b.toString(16).padStart(2, '0');

/** Runs of changed offsets as text ("14-15, 24-25, 30"). */
function runs(offsets: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < offsets.length; ) {
    let j = i;
    while (j + 1 < offsets.length && offsets[j + 1] === offsets[j]! + 1) j++;
    out.push(i === j ? `${offsets[i]}` : `${offsets[i]}-${offsets[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** The dump's lines: a title, then one line per sixteen bytes; `before` (same length) marks the bytes a rewrite changed. */
export function hexLines(eth: Ethernet, width: number, opts: { readonly color: boolean; readonly before?: Ethernet }): Line[] {
  const b = encode(eth);
  const old = opts.before ? encode(opts.before) : null;
  const comparable = old !== null && old.length === b.length;
  const changed: number[] = [];
  if (comparable) for (let i = 0; i < b.length; i++) if (b[i] !== old[i]) changed.push(i);
  const mark = new Set(changed);
  const out: Line[] = [[seg(`Bytes`, { bold: true, color: 'white' }), seg(`  ${b.length} bytes as on the wire (no FCS); x: the layers again`, { dim: true })]];
  for (let off = 0; off < b.length; off += 16) {
    const line: Segment[] = [seg(`${off.toString(16).padStart(4, '0')}  `, { dim: true })];
    let ascii = '';
    for (let i = off; i < off + 16; i++) {
      const sep = i === off + 8 ? '  ' : i > off ? ' ' : '';
      if (i >= b.length) {
        line.push(seg(`${sep}  `));
        continue;
      }
      const v = b[i]!;
      line.push(seg(sep));
      line.push(mark.has(i) ? seg(hex2(v), { color: 'yellow', bold: true, inverse: opts.color }) : seg(hex2(v)));
      ascii += v >= 0x20 && v < 0x7f ? String.fromCharCode(v) : '.';
    }
    line.push(seg(`  ${ascii}`, { dim: true }));
    out.push(line);
  }
  if (changed.length) for (const l of wrapWords(`changed by this rewrite: bytes ${runs(changed)}`, width - 2, 4)) out.push([seg(`  ${l}`, { color: 'yellow', bold: true })]);
  else if (old !== null && !comparable) out.push([seg(`  the frame before this rewrite was ${old.length} bytes, this one ${b.length}: the layers show what changed`, { dim: true })]);
  return out;
}
