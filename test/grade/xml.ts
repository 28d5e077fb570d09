/**
 * A small XML well-formedness checker for the JUnit reporter's tests (no
 * new dependency): declaration, one root element, balanced tags, quoted
 * attributes, no stray `<` or `&` in text or attributes. Returns the
 * elements it read, so tests can check the structure.
 */

/** An element as read: its name, attributes, parent's index and text content. */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly parent: number;
  text: string;
}

const ENTITY = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function unescape(s: string, where: string): string {
  if (/[<]/.test(s) || /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(s)) throw new Error(`bad character in ${where}: ${s.slice(0, 60)}`);
  return s.replace(ENTITY, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e] ?? '?');
}

/** Parses a document, throwing on the first well-formedness error. */
export function parseXml(doc: string): XmlElement[] {
  let i = 0;
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/.exec(doc);
  if (!decl) throw new Error('missing XML declaration');
  i = decl[0].length;
  const out: XmlElement[] = [];
  const stack: number[] = [];
  let roots = 0;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = lt < 0 ? doc.slice(i) : doc.slice(i, lt);
    if (stack.length) out[stack[stack.length - 1]!]!.text += unescape(text, 'text');
    else if (text.trim() !== '') throw new Error(`text outside the root: ${text.trim().slice(0, 40)}`);
    if (lt < 0) break;
    const gt = doc.indexOf('>', lt);
    if (gt < 0) throw new Error('unclosed tag');
    const tag = doc.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const top = stack.pop();
      if (top === undefined || out[top]!.name !== name) throw new Error(`mismatched </${name}>`);
      continue;
    }
    const m = /^([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"]*")*)\s*(\/?)$/.exec(tag);
    if (!m) throw new Error(`malformed tag <${tag.slice(0, 60)}>`);
    const attrs: Record<string, string> = {};
    for (const a of m[2]!.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]}`);
      attrs[a[1]!] = unescape(a[2]!, `attribute ${a[1]}`);
    }
    if (!stack.length && ++roots > 1) throw new Error('more than one root element');
    out.push({ name: m[1]!, attrs, parent: stack.length ? stack[stack.length - 1]! : -1, text: '' });
    if (m[3] !== '/') stack.push(out.length - 1);
  }
  if (stack.length) throw new Error(`unclosed <${out[stack[stack.length - 1]!]!.name}>`);
  if (roots !== 1) throw new Error('no root element');
  return out;
}
