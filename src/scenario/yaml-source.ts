/**
 * YAML text to a plain value, keeping where every key and value came from.
 * The `yaml` package gives ranges on its syntax tree; this module walks the
 * tree once, builds the plain value itself (so duplicate keys can be
 * reported with both places) and records each path's key and value range.
 * Later stages (schema, merge, semantic checks) only ever ask "where is
 * this path?", and get a file, line and column back.
 */
import { Composer, isAlias, isMap, isScalar, isSeq, LineCounter, Parser, YAMLParseError, type CST, type Document, type Node as YamlNode } from 'yaml';
import type { ScenarioError } from './errors.js';

/** A source file as loaded: its name, text and line index. */
export interface SourceFile {
  readonly file: string;
  readonly text: string;
  readonly lines: LineCounter;
}

/** A range of characters in a source file. */
export interface Span {
  readonly src: SourceFile;
  readonly start: number;
  readonly end: number;
}

/** What is known about one path of the document: its value's span, its key's span (inside a map), and the value's shape. */
export interface PathInfo {
  readonly value: Span;
  readonly key: Span | null;
  readonly shape: 'map' | 'list' | 'scalar';
}

/** One segment of a path: a map key or a list index. */
export type PathSeg = string | number;

/** Positions of a document: path key (see pathKey) -> what is at that path. */
export type PosMap = Map<string, PathInfo>;

/** The map key of a path (segments joined by a separator that never appears in YAML keys we accept). */
export function pathKey(path: readonly PathSeg[]): string {
  return path.map((s) => (typeof s === 'number' ? `#${s}` : s)).join('\u0001');
}

/** A path as a person reads it: `nodes.lb1.services.shop.mode`, `links[2]`, `sysctls["net.ipv4.ip_forward"]`. */
export function pathText(path: readonly PathSeg[]): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) s += s === '' ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}

/** A 1-based line and column, and the source line's text. */
export interface LineCol {
  readonly line: number;
  readonly col: number;
  readonly endCol: number;
  readonly sourceLine: string;
}

/** The line, column and source line of a span (the underline stops at the end of the first line). */
export function lineCol(span: Span): LineCol {
  const { line, col } = span.src.lines.linePos(span.start);
  const starts = span.src.lines.lineStarts;
  const lineStart = starts[line - 1] ?? 0;
  const nextStart = starts[line] ?? span.src.text.length + 1;
  const sourceLine = span.src.text.slice(lineStart, nextStart).replace(/\r?\n$/, '');
  const endOnLine = Math.min(span.end, lineStart + sourceLine.length);
  return { line, col, endCol: Math.max(col + 1, endOnLine - lineStart + 1), sourceLine };
}

/** The result of reading one YAML file: the plain value and its positions, or syntax errors. */
export interface ParsedYaml {
  readonly src: SourceFile;
  readonly value: unknown;
  readonly pos: PosMap;
  readonly errors: ScenarioError[];
}

/** Makes an error at a span. */
export function errorAt(span: Span, fields: Omit<ScenarioError, 'file' | 'line' | 'col' | 'endCol' | 'sourceLine' | 'severity'> & { severity?: ScenarioError['severity'] }): ScenarioError {
  const lc = lineCol(span);
  return { severity: 'error', ...fields, file: span.src.file, line: lc.line, col: lc.col, endCol: lc.endCol, sourceLine: lc.sourceLine };
}

const MAX_ALIAS_DEPTH = 64;

/** The deepest nesting of maps and lists lblab reads (a scenario needs about 8); deeper input would exhaust the stack of the YAML composer. */
export const MAX_NESTING = 64;

/**
 * The most values aliases may expand to in one document. The loader builds
 * the plain value itself, so the yaml package's alias limit does not apply:
 * without this bound a few hundred bytes of nested aliases expand to
 * gigabytes (a "billion laughs" alias bomb).
 */
export const MAX_ALIAS_VALUES = 100_000;

/** The largest scenario text lblab parses (the CLI refuses larger files before reading them). */
export const MAX_TEXT = 4 * 1024 * 1024;

/** The first CST token nested deeper than `max` collections (walked with an explicit stack, since the input may be too deep to recurse), or null. */
function tooDeep(tokens: readonly CST.Token[], max: number): CST.Token | null {
  const stack: [CST.Token | undefined, number][] = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [t, depth] = stack.pop()!;
    if (t === undefined) continue;
    if (t.type === 'document') stack.push([t.value, depth]);
    else if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
      if (depth >= max) return t;
      for (const it of t.items) {
        if ('key' in it) stack.push([it.key ?? undefined, depth + 1]);
        stack.push([it.value, depth + 1]);
      }
    }
  }
  return null;
}

/** The `yaml` package's parseDocument, with a nesting bound checked on the syntax tree before it is composed (recursively) into a document. */
function parseBounded(text: string, lines: LineCounter): Document | { offset: number } {
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const deep = tooDeep(tokens, MAX_NESTING);
  if (deep !== null) return { offset: deep.offset };
  // uniqueKeys off: this module reports duplicates itself, naming both places.
  const composer = new Composer({ uniqueKeys: false, prettyErrors: false, merge: false });
  let doc: Document | null = null;
  for (const d of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = d;
    else {
      doc.errors.push(new YAMLParseError([d.range[0], d.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  return doc!;
}

/**
 * Parses YAML text. Syntax errors and duplicate keys come back as errors
 * with positions; a file with syntax errors has no value. Anchors and
 * aliases work (an alias's positions point at the alias).
 */
export function readYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const src: SourceFile = { file, text, lines };
  const errors: ScenarioError[] = [];
  const span = (start: number, end: number): Span => ({ src, start, end });
  if (text.length > MAX_TEXT) {
    const message = `the file has ${text.length} characters, more than the ${MAX_TEXT} a scenario may have; split it with \`extends\` or generate less`;
    return { src, value: null, pos: new Map(), errors: [{ severity: 'error', code: 'too-large', file, line: 1, col: 1, endCol: 2, path: '', message, sourceLine: '' }] };
  }
  const parsed = parseBounded(text, lines);
  if (!('errors' in parsed)) {
    const message = `maps and lists nest deeper than ${MAX_NESTING} levels here; a scenario needs far fewer (flatten the structure)`;
    return { src, value: null, pos: new Map(), errors: [errorAt(span(parsed.offset, parsed.offset + 1), { code: 'too-deep', path: '', message })] };
  }
  const doc = parsed;
  for (const e of doc.errors) {
    const message = e.code === 'MULTIPLE_DOCS' ? 'a scenario file holds one YAML document; remove the second `---` and what follows, or move it to its own file' : yamlMessage(e.message);
    errors.push(errorAt(span(e.pos[0], Math.max(e.pos[1], e.pos[0] + 1)), { code: 'yaml-syntax', path: '', message: `YAML syntax: ${message}` }));
  }
  if (errors.length > 0) return { src, value: null, pos: new Map(), errors };
  const pos: PosMap = new Map();
  // Values built inside an alias or merge expansion so far, and whether the bound was already reported.
  let expanded = 0;
  let bombed = false;
  // The outermost alias (or merge key) being expanded: where the bound is reported.
  let outer: Span = span(0, 1);
  let outerPath: PathSeg[] = [];
  const value = walk(doc, doc.contents as YamlNode | null, [], null, 0);
  return bombed ? { src, value: null, pos: new Map(), errors } : { src, value, pos, errors };

  /** Counts one value built inside an expansion; false (reported once, at the outermost alias) when the bound is passed. */
  function withinBound(depth: number): boolean {
    if (depth === 0) return true;
    if (++expanded <= MAX_ALIAS_VALUES) return true;
    if (!bombed) {
      bombed = true;
      errors.push(errorAt(outer, { code: 'alias-bomb', path: pathText(outerPath), message: `YAML aliases here expand to more than ${MAX_ALIAS_VALUES} values (an alias bomb?); write the values out, or reuse fewer nested anchors` }));
    }
    return false;
  }

  function walk(d: Document, node: YamlNode | null, path: PathSeg[], key: Span | null, depth: number): unknown {
    if (node === null) {
      pos.set(pathKey(path), { value: key ?? span(0, 0), key, shape: 'scalar' });
      return null;
    }
    const r = node.range ?? [0, 0, 0];
    const here = span(r[0], Math.max(r[1], r[0]));
    if (bombed || !withinBound(depth)) return null;
    if (isAlias(node)) {
      if (depth === 0) [outer, outerPath] = [here, path];
      if (depth > MAX_ALIAS_DEPTH) {
        errors.push(errorAt(here, { code: 'yaml-syntax', path: pathText(path), message: 'YAML aliases nest too deeply (a recursive anchor?)' }));
        return null;
      }
      const target = node.resolve(d);
      const v = walk(d, (target ?? null) as YamlNode | null, path, key, depth + 1);
      const info = pos.get(pathKey(path))!;
      pos.set(pathKey(path), { ...info, value: here, key });
      return v;
    }
    if (isMap(node)) {
      pos.set(pathKey(path), { value: here, key, shape: 'map' });
      const out: Record<string, unknown> = {};
      const first = new Map<string, Span>();
      // YAML merge keys (`<<: *defaults`): keys written in the map win over merged ones, whatever their order.
      const merged: [string, unknown][] = [];
      for (const pair of node.items) {
        const k = pair.key as YamlNode | null;
        const kr = k?.range ?? r;
        const kspan = span(kr[0], Math.max(kr[1], kr[0] + 1));
        if (k === null || !isScalar(k) || (k.value !== null && typeof k.value === 'object')) {
          errors.push(errorAt(kspan, { code: 'bad-key', path: pathText(path), message: 'a key must be a plain word or number, not a list or a map' }));
          continue;
        }
        const name = String(k.value);
        if (name === '<<' && k.type === 'PLAIN') {
          const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
          for (const item of sources) {
            const target = isAlias(item) ? item.resolve(d) : item;
            if (!isMap(target)) {
              errors.push(errorAt(kspan, { code: 'bad-merge', path: pathText(path), message: '`<<` merges a map (an alias such as *defaults, or a list of them)' }));
              continue;
            }
            if (depth === 0) [outer, outerPath] = [kspan, path];
            const v = walk(d, target as YamlNode, path, key, depth + 1) as Record<string, unknown> | null;
            if (v === null) continue;
            for (const [mk, mv] of Object.entries(v)) if (!merged.some(([x]) => x === mk)) merged.push([mk, mv]);
          }
          // The merged map's own walk recorded it at this path; the map being built is what sits here.
          pos.set(pathKey(path), { value: here, key, shape: 'map' });
          continue;
        }
        if (name === '__proto__' || name === 'constructor' || name === 'prototype') {
          errors.push(errorAt(kspan, { code: 'bad-key', path: pathText(path), message: `\`${name}\` cannot be used as a key` }));
          continue;
        }
        const prev = first.get(name);
        if (prev) {
          const p = lineCol(prev);
          const what = duplicateLabel(path);
          errors.push(
            errorAt(kspan, {
              code: 'duplicate-key',
              path: pathText([...path, name]),
              message: `${what} \`${name}\` is defined twice (first at line ${p.line}, column ${p.col}); keys in a map must be unique`,
              found: name,
            }),
          );
          continue;
        }
        first.set(name, kspan);
        out[name] = walk(d, (pair.value ?? null) as YamlNode | null, [...path, name], kspan, depth);
      }
      for (const [mk, mv] of merged) if (!Object.hasOwn(out, mk)) out[mk] = mv;
      return out;
    }
    if (isSeq(node)) {
      pos.set(pathKey(path), { value: here, key, shape: 'list' });
      return node.items.map((item, i) => walk(d, (item ?? null) as YamlNode | null, [...path, i], null, depth));
    }
    if (isScalar(node)) {
      pos.set(pathKey(path), { value: here, key, shape: 'scalar' });
      const v = node.value;
      // YAML 1.2 core gives string, number, boolean or null; anything else (a tagged value) is shown as text.
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
      return String(v);
    }
    // Pairs at the top of a document cannot happen; treat anything unknown as empty.
    pos.set(pathKey(path), { value: here, key, shape: 'scalar' });
    return null;
  }
}

/** What a duplicated key is called in its map, for a message that speaks the scenario's language. */
function duplicateLabel(path: readonly PathSeg[]): string {
  const last = path[path.length - 1];
  if (path.length === 1 && last === 'nodes') return 'node';
  if (last === 'services') return 'service';
  if (last === 'interfaces') return 'interface';
  if (last === 'ports') return 'port';
  return 'key';
}

/** The `yaml` package's message without its trailing position (we print our own). */
function yamlMessage(m: string): string {
  return m.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}
