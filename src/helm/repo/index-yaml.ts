/**
 * A fast path for the one YAML shape that matters at scale: index.yaml as helm and we write it.
 *
 * js-yaml needs ~1 s to load and ~1.3 s to dump a 10 MB index; this line-oriented reader/writer does
 * it in a fraction of that. The reader accepts only an unambiguous subset of YAML (block mappings and
 * sequences, quoted strings, plain scalars that can only mean a string, true/false, [] and {}). On
 * anything else it returns undefined and the caller falls back to js-yaml, so strictness and error
 * messages never depend on the fast path.
 */

import { CORE_SCHEMA, load } from 'js-yaml';

const NOT_HANDLED = Symbol('not handled by the fast path');

/** Plain scalars that YAML 1.1 or 1.2 would read as something other than a string. */
export const RESERVED =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;
/**
 * Starts with a letter and holds only characters that mean nothing inside a block-context plain scalar
 * (isPlainString also rules out ": ", " #" and a final ":"): always a string in YAML 1.1 and 1.2. This
 * covers URLs, which helm writes unquoted.
 */
const SAFE_PLAIN = /^[A-Za-z_][A-Za-z0-9_ ./@()+,;=^~'"!$%&*?:#-]*$/;
/** Versions like 1.2.3 or 1.2.3-rc.1+build: never a number or a timestamp. */
const VERSION_PLAIN = /^[0-9]+\.[0-9]+\.[0-9]+(?:[-+][0-9A-Za-z.+-]*)?$/;
/**
 * sha256 digests, which helm writes unquoted: 64 hex digits holding a letter other than e (so never an
 * integer or a float like 12e34, nor a binary integer: 0b needs only 0s and 1s after it).
 */
const DIGEST_PLAIN = /^(?=.*[a-df])[0-9a-f]{64}$/;
export const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
export const DOUBLE_QUOTED = /^"(?:[^"\\]|\\.)*"$/;
const SINGLE_QUOTED = /^'(?:[^']|'')*'$/;
/**
 * Characters a YAML reader treats specially or refuses: C0/C1 controls and DEL (js-yaml and go-yaml
 * reject them raw), NEL, LS and PS (line breaks to go-yaml's YAML 1.1 but not to js-yaml), BOM and the
 * non-characters U+FFFE/U+FFFF. Text holding any of them raw goes to js-yaml; we never write them raw.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
export const UNSAFE_CHARS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;
const UNSAFE_CHARS_ALL = new RegExp(UNSAFE_CHARS.source, 'g');
/** The one-byte UNSAFE_CHARS with tab and CR: C0 controls and DEL (index-splice.ts's SCAN leaves them). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;

/**
 * Whether text[from, to) holds a C0 control character (tab and CR among them) or DEL. Searched in a slice
 * (V8 shares the characters): a search from `from` alone would run on to the end of the text, and the
 * block-check worker calls this for each block of a 4 MiB chunk.
 */
export function hasControl(text: string, from = 0, to = text.length): boolean {
  return CONTROL.test(from === 0 && to === text.length ? text : text.slice(from, to));
}

export function isPlainString(s: string): boolean {
  return (
    (SAFE_PLAIN.test(s) &&
      !RESERVED.test(s) &&
      !s.endsWith(' ') &&
      !s.includes('  ') &&
      !s.endsWith(':') &&
      !s.includes(': ') &&
      !s.includes(' #')) ||
    VERSION_PLAIN.test(s) ||
    DIGEST_PLAIN.test(s)
  );
}

/**
 * What a reader may take as a plain scalar in block context (wider than what we write): no leading
 * indicator or space, no `: ` or ` #`, no trailing `:` or space. Whether it is a string is decided apart.
 */
const PLAIN_SYNTAX = /^(?![-?:,[\]{}#&*!|>'"%@`\s]|\.\.\.)(?!.*(?:: | #|[: ]$))/;
/** Starts with a letter (ASCII or not): a string in YAML 1.2's core schema unless a RESERVED word. */
const LETTER_START = /^[A-Za-z_\u00a0-\uffff]/;
/**
 * Letters, digits, `_ . + -`, with a `-` that neither leads nor follows an exponent's e/E (012-r001,
 * 3scale-operator-1): no number of YAML's core schema (a sign only leads, or follows e/E), nor a null or
 * a bool, so a string, as js-yaml reads it (test/index/index.test.ts holds the two to the same verdicts).
 */
const INNER_DASH = /^[0-9A-Za-z_.+-]*[0-9A-DF-Za-df-z_.+]-[0-9A-Za-z_.+-]*$/;

/**
 * Whether a plain scalar (one line, or lines already folded) reads as that very string with js-yaml's
 * core schema (the slow path's reader). The common shapes are decided by regular expressions; anything
 * else, e.g. `1.x.x` or `+inf-ish`, by js-yaml itself, so the answer is exact by construction.
 */
export function isPlainStringRead(s: string): boolean {
  if (isPlainString(s)) return true;
  if (s === '' || !PLAIN_SYNTAX.test(s)) return false;
  if (LETTER_START.test(s)) return !RESERVED.test(s);
  if (INNER_DASH.test(s)) return true;
  let known = jsYamlVerdicts.get(s);
  if (known === undefined) {
    try {
      known = load(s, { schema: CORE_SCHEMA }) === s;
    } catch {
      known = false;
    }
    if (jsYamlVerdicts.size >= 10_000) jsYamlVerdicts.clear();
    jsYamlVerdicts.set(s, known);
  }
  return known;
}

/** js-yaml's verdicts on plain scalars it was asked about (e.g. a dependency's `1.x.x`, met again and again). */
const jsYamlVerdicts = new Map<string, boolean>();

/**
 * A quoted scalar folded over lines by the emitter (go-yaml breaks at a space): each line break between
 * non-blank lines reads as one space, or as nothing after an escaping backslash (double quotes), the
 * continuation's indentation dropped. undefined for anything else (blank lines, trailing spaces before a
 * break), which js-yaml then decides.
 */
function foldQuoted(lines: string[], double: boolean): string | undefined {
  let text = lines[0];
  for (let i = 1; i < lines.length; i++) {
    const next = lines[i].trimStart();
    if (next === '' || text.endsWith(' ')) return undefined;
    let slashes = 0;
    while (double && text.charCodeAt(text.length - 1 - slashes) === 92) slashes++;
    text = slashes % 2 === 1 ? text.slice(0, -1) + next : `${text} ${next}`;
  }
  return stringScalar(text);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/** A one-line double-quoted YAML scalar's value (all YAML escapes, e.g. go-yaml's \a, \x62, \U0001F680). */
function decodeDoubleQuoted(s: string): string | undefined {
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const ch = s[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = s[++i];
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const n = HEX_LENGTH[e];
    const hex = n ? s.slice(i + 1, i + 1 + n) : '';
    if (!n || !/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== n) return undefined;
    const code = Number.parseInt(hex, 16);
    if (code > 0x10ffff) return undefined;
    out += String.fromCodePoint(code);
    i += n;
  }
  return out;
}

/**
 * The string a scalar means when the fast path reads it as a string (quoted, or plain and unambiguous);
 * undefined for anything else. The caller has already refused UNSAFE_CHARS, tabs and CRs.
 */
export function stringScalar(s: string): string | undefined {
  const c = s.charCodeAt(0);
  if (c === 34 /* " */) {
    if (!DOUBLE_QUOTED.test(s)) return undefined;
    if (!s.includes('\\')) return s.slice(1, -1);
    return decodeDoubleQuoted(s); // YAML's escapes, a superset of JSON's (\x41, \U0001F680, \a, ...)
  }
  if (c === 39 /* ' */) return SINGLE_QUOTED.test(s) ? s.slice(1, -1).replaceAll("''", "'") : undefined;
  return isPlainStringRead(s) ? s : undefined;
}

function scalar(s: string): unknown {
  const c = s.charCodeAt(0);
  if (c === 34 /* " */ || c === 39 /* ' */) {
    const v = stringScalar(s);
    if (v === undefined) throw NOT_HANDLED;
    return v;
  }
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s === '[]') return [];
  if (s === '{}') return {};
  if (isPlainStringRead(s)) return s;
  throw NOT_HANDLED;
}

/** `|`, `|-`, `|+`, with an optional indentation indicator: [indicator or 0, chomping]. */
const BLOCK_HEADER = /^\|(?:([1-9])?([-+])?|([-+])([1-9]))$/;
const MULTILINE_DOUBLE = /^"(?:[^"\\]|\\[\s\S])*"$/;
const MULTILINE_SINGLE = /^'(?:[^']|'')*'$/;
/** A continuation line of a plain scalar that cannot be anything else (no comment, key or indicator). */
const PLAIN_CONTINUATION = /^(?![-?:#]|\.\.\.)(?!.*(?:: | #|:$))/;

class LineReader {
  private pos = 0;
  /** Column where the current line's content starts when it follows a "- " on the same line. */
  private virtualIndent = -1;
  constructor(private readonly lines: string[]) {}

  private indentOf(i: number): number {
    if (i === this.pos && this.virtualIndent >= 0) return this.virtualIndent;
    const line = this.lines[i];
    let n = 0;
    while (line.charCodeAt(n) === 32) n++;
    if (n === line.length) throw NOT_HANDLED; // blank or whitespace-only line
    return n;
  }

  private advance(): void {
    this.pos++;
    this.virtualIndent = -1;
  }

  parseDocument(indent: number): unknown {
    if (this.lines.length === 0 || this.indentOf(0) !== indent) throw NOT_HANDLED;
    const value = this.parseMap(indent);
    if (this.pos !== this.lines.length) throw NOT_HANDLED;
    return value;
  }

  private parseNested(parentIndent: number): unknown {
    if (this.pos >= this.lines.length) throw NOT_HANDLED; // `key:` with nothing after it means null
    const ind = this.indentOf(this.pos);
    const isSeq = this.lines[this.pos].startsWith('- ', ind);
    if (isSeq && ind >= parentIndent) return this.parseSeq(ind);
    if (ind > parentIndent) return this.parseMap(ind);
    throw NOT_HANDLED;
  }

  private parseMap(ind: number): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    while (this.pos < this.lines.length) {
      const li = this.indentOf(this.pos);
      if (li < ind) break;
      if (li > ind) throw NOT_HANDLED;
      const line = this.lines[this.pos];
      if (line.startsWith('- ', ind)) break;
      let key: string;
      let after: number;
      if (line.charCodeAt(ind) === 34) {
        const end = line.indexOf('":', ind + 1);
        if (end < 0) throw NOT_HANDLED;
        const quoted = line.slice(ind, end + 1);
        if (!DOUBLE_QUOTED.test(quoted)) throw NOT_HANDLED;
        key = JSON.parse(quoted);
        after = end + 2;
      } else {
        const colon = line.indexOf(':', ind);
        if (colon < 0) throw NOT_HANDLED;
        key = line.slice(ind, colon);
        if ((!SAFE_KEY.test(key) || RESERVED.test(key)) && !isPlainStringRead(key)) throw NOT_HANDLED;
        after = colon + 1;
      }
      if (key === '__proto__' || Object.hasOwn(obj, key)) throw NOT_HANDLED;
      if (after === line.length) {
        this.advance();
        obj[key] = this.parseNested(ind);
      } else {
        if (line.charCodeAt(after) !== 32) throw NOT_HANDLED;
        obj[key] = this.scalarValue(line.slice(after + 1), ind);
      }
    }
    return obj;
  }

  /** Whether line i continues a scalar of a node at `parent` indentation (more indented, not blank). */
  private continues(i: number, parent: number): boolean {
    if (i >= this.lines.length) return false;
    const line = this.lines[i];
    let n = 0;
    while (line.charCodeAt(n) === 32) n++;
    return n > parent && n < line.length;
  }

  /**
   * The scalar that starts as `raw` on the current line of a node at indentation `parent`, with the lines
   * that continue it (a plain scalar folded over several lines, a quoted one, or a `|` block scalar, all
   * of which go-yaml writes); leaves the reader after its last line.
   */
  private scalarValue(raw: string, parent: number): unknown {
    const c = raw.charCodeAt(0);
    if (c === 124 /* | */) return this.blockScalar(raw, parent);
    if (!this.continues(this.pos + 1, parent)) {
      const v = scalar(raw);
      this.advance();
      return v;
    }
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const re = c === 34 ? MULTILINE_DOUBLE : MULTILINE_SINGLE;
      let text = raw;
      const first = this.pos;
      while (!re.test(text)) {
        if (!this.continues(this.pos + 1, parent)) throw NOT_HANDLED;
        this.advance();
        text += `\n${this.lines[this.pos]}`;
      }
      const lines = this.lines.slice(first, this.pos + 1);
      lines[0] = raw;
      this.advance();
      if (this.continues(this.pos, parent)) throw NOT_HANDLED; // text after the closing quote
      const folded = foldQuoted(lines, c === 34);
      if (folded !== undefined) return folded;
      // Other folding (blank lines, trailing spaces): js-yaml decides, on this scalar only.
      let v: unknown;
      try {
        v = load(text, { schema: CORE_SCHEMA });
      } catch {
        throw NOT_HANDLED;
      }
      if (typeof v !== 'string') throw NOT_HANDLED;
      return v;
    }
    // A plain scalar folded by the emitter: each line break between words reads as one space.
    if (raw === 'true' || raw === 'false' || raw === '[]' || raw === '{}') throw NOT_HANDLED;
    let text = raw;
    while (this.continues(this.pos + 1, parent)) {
      this.advance();
      const part = this.lines[this.pos].trimStart();
      if (!PLAIN_CONTINUATION.test(part) || part.endsWith(' ')) throw NOT_HANDLED;
      text += ` ${part}`;
    }
    this.advance();
    if (!isPlainStringRead(text)) throw NOT_HANDLED;
    return text;
  }

  /** A literal block scalar (`|`, `|-`, `|+`, `|2`...); only empty lines may be blank inside it. */
  private blockScalar(header: string, parent: number): string {
    const m = BLOCK_HEADER.exec(header);
    if (!m) throw NOT_HANDLED;
    const indicator = Number(m[1] ?? m[4] ?? 0);
    const chomp = m[2] ?? m[3] ?? '';
    let indent = indicator ? parent + indicator : 0;
    const content: string[] = [];
    let i = this.pos + 1;
    for (; i < this.lines.length; i++) {
      const line = this.lines[i];
      if (line === '') {
        content.push('');
        continue;
      }
      let n = 0;
      while (line.charCodeAt(n) === 32) n++;
      if (n === line.length) throw NOT_HANDLED; // a line of spaces only
      if (indent === 0) {
        if (n <= parent) break;
        indent = n;
      }
      if (n < indent) break;
      content.push(line.slice(indent));
    }
    let last = content.length;
    while (last > 0 && content[last - 1] === '') last--;
    if (last === 0) throw NOT_HANDLED; // no content line: rare, let js-yaml decide
    const body = content.slice(0, last).join('\n');
    this.pos = i;
    this.virtualIndent = -1;
    if (chomp === '-') return body;
    if (chomp === '+') return `${body}\n${'\n'.repeat(content.length - last)}`;
    return `${body}\n`;
  }

  private parseSeq(ind: number): unknown[] {
    const arr: unknown[] = [];
    while (this.pos < this.lines.length) {
      const li = this.indentOf(this.pos);
      if (li < ind) break;
      const line = this.lines[this.pos];
      if (li > ind || !line.startsWith('- ', ind)) {
        if (li === ind) break;
        throw NOT_HANDLED;
      }
      const item = line.slice(ind + 2);
      const c = item.charCodeAt(0);
      // A colon that is not followed by a space (as in a URL) is part of a plain scalar, not a key.
      const looksLikeKey =
        c !== 34 && c !== 39 && item !== '[]' && item !== '{}' && (item.includes(': ') || item.endsWith(':'));
      if (looksLikeKey || (c === 34 && /^"(?:[^"\\]|\\.)*":/.test(item))) {
        this.virtualIndent = ind + 2; // the mapping starts right after "- "
        arr.push(this.parseMap(ind + 2));
      } else {
        arr.push(this.scalarValue(item, ind));
      }
    }
    return arr;
  }
}

/**
 * Parses index-shaped YAML quickly, or returns undefined if the text needs a full YAML parser. `indent`:
 * the indentation of the root mapping (a field cut out of an index keeps its own).
 */
export function fastParseYaml(text: string, indent = 0): unknown {
  if (text.includes('\r') || text.includes('\t') || UNSAFE_CHARS.test(text)) return undefined;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  try {
    return new LineReader(lines).parseDocument(indent);
  } catch (err) {
    if (err === NOT_HANDLED) return undefined;
    throw err;
  }
}

/** JSON quoting is valid YAML; characters YAML readers refuse or read as line breaks become \u escapes. */
function quote(s: string): string {
  const q = JSON.stringify(s);
  if (!UNSAFE_CHARS.test(q)) return q;
  return q.replace(UNSAFE_CHARS_ALL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function emitScalar(v: unknown): string {
  if (typeof v === 'string') return isPlainString(v) ? v : quote(v);
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v) && v.length === 0) return '[]';
  return '{}';
}

function emitKey(k: string): string {
  return SAFE_KEY.test(k) && !RESERVED.test(k) ? k : quote(k);
}

function isCollection(v: unknown): v is object {
  return typeof v === 'object' && v !== null && Object.keys(v).length > 0;
}

/**
 * Block-style YAML with sorted keys and helm's layout (sequences at their parent key's indentation).
 * Strings are plain only when no YAML reader could take them for another type; else JSON-quoted.
 */
export function emitYaml(value: Record<string, unknown>, out: string[] = [], indent = ''): string[] {
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    if (v === undefined) continue;
    if (!isCollection(v)) out.push(`${indent}${emitKey(key)}: ${emitScalar(v)}`);
    else if (Array.isArray(v)) {
      out.push(`${indent}${emitKey(key)}:`);
      emitSeq(v, out, indent);
    } else {
      out.push(`${indent}${emitKey(key)}:`);
      emitYaml(v as Record<string, unknown>, out, `${indent}  `);
    }
  }
  return out;
}

function emitSeq(items: unknown[], out: string[], indent: string): void {
  for (const item of items) {
    if (!isCollection(item)) out.push(`${indent}- ${emitScalar(item)}`);
    else if (Array.isArray(item)) {
      // A list directly inside a list is rare in an index (only inside import-values): quote it as JSON.
      out.push(`${indent}- ${JSON.stringify(item)}`);
    } else {
      const start = out.length;
      emitYaml(item as Record<string, unknown>, out, `${indent}  `);
      out[start] = `${indent}- ${out[start].slice(indent.length + 2)}`;
    }
  }
}
