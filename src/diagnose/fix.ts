/**
 * Applying a finding's fix to the user's scenario file: each change sets one
 * YAML key path in the parsed document (comments, order and the rest of the
 * file are kept by the yaml package), and the result is shown as a line diff
 * of the file. Pure text in, text out: the command reads and never writes.
 */
import { isMap, parseDocument } from 'yaml';
import type { FixChange } from './types.js';

/** A key path as people write it: nodes.lb1.services.shop.mode, with dotted keys quoted (sysctls."net.ipv4.ip_forward"). */
export function pathText(path: readonly string[]): string {
  return path.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k))).join('.');
}

/** The scenario text with every change applied, or an error sentence when a path crosses something that is not a map. */
export function applyChanges(text: string, changes: readonly FixChange[]): { ok: true; text: string } | { ok: false; error: string } {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length) return { ok: false, error: doc.errors[0]!.message };
  for (const c of changes) {
    // Every step but the last must be a map already there or missing (then created); a list or scalar cannot take a key.
    for (let k = 1; k < c.path.length; k++) {
      const node = doc.getIn(c.path.slice(0, k), true);
      if (node !== undefined && !isMap(node)) return { ok: false, error: `${pathText(c.path.slice(0, k))} is not a map in the file, so ${pathText(c.path)} cannot be set` };
    }
    doc.setIn(c.path, c.value);
  }
  return { ok: true, text: keepWritten(text, doc.toString({ lineWidth: 0, flowCollectionPadding: true })) };
}

/** A line blind to spacing after its indentation (which YAML reads), to recognise the lines the yaml printer only re-spaced. */
function loose(line: string): string {
  const indent = /^ */.exec(line)![0];
  return indent + line.slice(indent.length).replace(/\s+/g, '');
}

/**
 * The printed text with every line that only differs in spacing from a line
 * of the original put back as the user wrote it (aligned comments, padding),
 * so that the diff shows the fix and nothing else.
 */
function keepWritten(original: string, printed: string): string {
  const written = new Map<string, string>();
  for (const l of original.split('\n')) if (!written.has(loose(l))) written.set(loose(l), l);
  return printed
    .split('\n')
    .map((l) => written.get(loose(l)) ?? l)
    .join('\n');
}

/** A line diff of two texts: unchanged lines as "  ", removed as "- ", added as "+ ", with `context` unchanged lines kept around each change. */
export function lineDiff(before: string, after: string, context = 2): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  // Longest common subsequence table, from the end (files are a few hundred lines at most).
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: { tag: ' ' | '-' | '+'; line: string; at: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ tag: ' ', line: a[i++]!, at: j++ + 1 });
    else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ tag: '-', line: a[i++]!, at: j + 1 });
    else ops.push({ tag: '+', line: b[j]!, at: ++j });
  }
  const keep = ops.map(() => false);
  ops.forEach((o, k) => {
    if (o.tag === ' ') return;
    for (let x = Math.max(0, k - context); x <= Math.min(ops.length - 1, k + context); x++) keep[x] = true;
  });
  const out: string[] = [];
  let last = -1;
  ops.forEach((o, k) => {
    if (!keep[k]) return;
    if (k !== last + 1) out.push(`@@ line ${o.at}`);
    out.push(`${o.tag} ${o.line}`);
    last = k;
  });
  if (out.length && !out[0]!.startsWith('@@')) out.unshift(`@@ line ${ops.find((_, k) => keep[k])!.at}`);
  return out;
}
