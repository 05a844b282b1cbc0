/**
 * In-place checks, by sticky regular expression over the latin1 text of a chart block, that a value
 * spanning one or more lines is a YAML string scalar in the shapes go-yaml (helm, chart-releaser,
 * helm-s3) writes: plain text folded at 80 columns, double- or single-quoted text folded likewise, and
 * `|` block scalars (`|-`, `|+`, `|2`...). They replace decoding such a field alone (verbatim-chart.ts's
 * decodeField), which dominated the profile: the value of a string field is never needed to copy its
 * bytes, only the certainty that every reader takes it for a string without error.
 *
 * Each expression accepts a strict subset of what the fast reader (index-yaml.ts) decodes to a string:
 * anything else does not match, and the caller falls back to decoding the field. Characters that YAML
 * readers disagree on were refused before: tabs, CRs and other C0 controls for the block
 * (verbatimEntryCount), DEL, NEL, LS/PS and BOM for the whole file (index-splice.ts's SCAN).
 */
import { DEPENDENCY_FIELDS, MAINTAINER_FIELDS } from '../chart/chartfile.ts';
import { DOUBLE_QUOTED, RESERVED, SAFE_KEY, stringScalar } from './index-yaml.ts';

/**
 * Inside a plain line: no `: `, ` #`, double space, trailing space or trailing colon. Written as runs of
 * ordinary characters between the special ones (an unrolled loop: no alternation per character).
 */
const PLAIN_BODY = '[^\\n :#]*(?:(?::(?=[^ \\n])|#| (?=[^ \\n#]))[^\\n :#]*)*';
/** A double-quoted escape js-yaml and go-yaml both decode (\U at most 10FFFF). */
const DQ_ESCAPE =
  '\\\\(?:[0abtnvfre "/\\\\N_LP]|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U(?:000[0-9A-Fa-f]|0010)[0-9A-Fa-f]{4})';

/**
 * A string value starting right after `key: ` (or `- `) at indentation `parent`, to the newline ending
 * its last line. Continuation lines are more indented than `parent` and never blank (blank lines inside
 * quotes fold differently; the decoder decides those). The source holds no capturing group.
 */
export function stringValueSource(parent: number, helmLayout = false): string {
  const more = ` {${parent + 1},}`;
  const brk = `\\n${more}(?=[^ \\n])`;
  const double = `"[^"\\\\\\n]*(?:(?:${DQ_ESCAPE}|\\\\?${brk})[^"\\\\\\n]*)*"\\n`;
  const single = `'[^'\\n]*(?:(?:''|${brk})[^'\\n]*)*'\\n`;
  // Folded plain text: starts with a letter (a string in YAML 1.1 and 1.2 alike once it holds a
  // space, as every folded scalar does); continuation lines start with a letter, digit or non-ASCII.
  const folded = `[A-Za-z]${PLAIN_BODY}(?:\\n${more}[A-Za-z0-9(\\x80-\\xff]${PLAIN_BODY})+\\n`;
  const line = ' *[^ \\n][^\\n]*\\n'; // a content line of a block scalar, after its indentation
  // `|`: the first line sets the indentation. One alternative per indentation rather than a group and a
  // backreference, which would point elsewhere once the source is embedded (verbatim-entry.ts).
  // helmLayout: only the indentation go-yaml writes (two more than the key, `|2` when the text starts
  // with spaces), which keeps the whole-entry expression small enough for V8 to optimize.
  const indents = helmLayout ? [2] : Array.from({ length: 16 }, (_, i) => i + 1);
  const explicit = helmLayout ? [2] : Array.from({ length: 9 }, (_, i) => i + 1);
  const auto = indents.map((k) => ` {${parent + k}}[^ \\n][^\\n]*\\n(?: {${parent + k}}${line}|\\n)*`);
  const blocks = [`\\|[-+]?\\n\\n*(?:${auto.join('|')})`];
  for (const k of explicit) {
    blocks.push(
      `\\|(?:${k}[-+]?|[-+]${k})\\n\\n*(?: {${parent + k}}${line})(?: {${parent + k}}${line}|\\n)*`,
    );
  }
  return `(?:${double}|${single}|${folded}|${blocks.join('|')})`;
}

const STRING_AT = new Map<number, RegExp>([4, 6, 8].map((p) => [p, new RegExp(stringValueSource(p), 'y')]));

/**
 * Whether text[from, to) is exactly one string value (see stringValue) of a node at indentation
 * `parent` (4: an entry field; 6: an annotation or a dependency field), `to` being just after its
 * last newline. false means "not known here", never "invalid".
 */
export function stringValueSpans(text: string, from: number, to: number, parent: number): boolean {
  const re = STRING_AT.get(parent);
  if (!re) return false;
  re.lastIndex = from;
  return re.test(text) && re.lastIndex === to;
}

/**
 * Where a string value starting at `from` (after `key: `) of a key at indentation `parent` ends, one
 * line or several (ONE_LINE_Y, else stringValue), when the line after it does not continue it; else -1.
 */
export function stringValueEnd(text: string, from: number, to: number, parent: number): number {
  ONE_LINE_Y.lastIndex = from;
  let end = ONE_LINE_Y.test(text) ? ONE_LINE_Y.lastIndex : -1;
  if (end < 0 || (end < to && inExtent(text, end, parent))) {
    const re = STRING_AT.get(parent);
    if (!re) return -1;
    re.lastIndex = from;
    end = re.test(text) ? re.lastIndex : -1;
  }
  return end >= 0 && (end >= to || !inExtent(text, end, parent)) ? end : -1;
}

/** A plain mapping key as helm writes annotation keys (`quoted key`, `artifacthub.io/changes`). */
export const PLAIN_KEY_SOURCE = '[A-Za-z_][^\\n :#[\\]{},]*(?: (?=[^ \\n:#])[^\\n :#[\\]{},]*)*';
const PLAIN_KEY = new RegExp(`${PLAIN_KEY_SOURCE}(?=:[ \\n])`, 'y');

/**
 * The end of a plain key starting at `from` (where its colon is), or -1. Keys that YAML 1.1 reads as
 * booleans or null (yes, on, null...) are refused: they would not be the string they look like.
 */
export function plainKeyEnd(text: string, from: number): number {
  PLAIN_KEY.lastIndex = from;
  if (!PLAIN_KEY.test(text)) return -1;
  const end = PLAIN_KEY.lastIndex;
  return end - from <= 5 && RESERVED.test(text.slice(from, end)) ? -1 : end;
}

/** Decoded key of a `key: value` / `key:` line starting at `from`, as the fast reader decodes it. */
export function keyAt(text: string, from: number, nl: number): [key: string, colon: number] | undefined {
  if (text.charCodeAt(from) === 34 /* " */) {
    const end = text.indexOf('":', from + 1);
    if (end < 0 || end >= nl) return undefined;
    const quoted = text.slice(from, end + 1);
    // ASCII only: the text is latin1, and `"é"` must not pass for another key than `"\u00e9"`.
    if (!DOUBLE_QUOTED.test(quoted) || /[^ -~]/.test(quoted)) return undefined;
    try {
      return [JSON.parse(quoted), end + 1];
    } catch {
      return undefined;
    }
  }
  const colon = text.indexOf(':', from);
  if (colon < 0 || colon >= nl) return undefined;
  const key = text.slice(from, colon);
  return SAFE_KEY.test(key) && !RESERVED.test(key) ? [key, colon] : undefined;
}

/**
 * One-line string scalars decided in place (no substring): double-quoted (escapes as in stringValue),
 * single-quoted, plain text of 6+ characters starting with a letter (never a RESERVED word; URLs,
 * emails, sentences), plain versions and sha256 digests that hold a letter other than e. Each is a
 * strict subset of what stringScalar accepts; anything else is decided by stringScalar itself.
 */
export const ONE_LINE_QUOTED = `"[^"\\\\\\n]*(?:${DQ_ESCAPE}[^"\\\\\\n]*)*"|'[^'\\n]*(?:''[^'\\n]*)*'`;
export const ONE_LINE_PLAIN =
  `[A-Za-z](?=[^\\n]{5})${PLAIN_BODY}` +
  '|[0-9]+\\.[0-9]+\\.[0-9]+(?:[-+][0-9A-Za-z.+-]*)?|(?=[0-9a-f]{0,63}[a-df])[0-9a-f]{64}';
const ONE_LINE_Y = new RegExp(`(?:${ONE_LINE_QUOTED}|${ONE_LINE_PLAIN})\\n`, 'y');

/** Whether text[from, nl) is one of ONE_LINE_Y's strings (exported for the tests). */
export function oneLineStringAt(text: string, from: number, nl: number): boolean {
  ONE_LINE_Y.lastIndex = from;
  return ONE_LINE_Y.test(text) && ONE_LINE_Y.lastIndex === nl + 1;
}

/** Whether text[from, nl) is a scalar the fast reader reads as a string. */
export function isStringAt(text: string, from: number, nl: number): boolean {
  return oneLineStringAt(text, from, nl) || stringScalar(text.slice(from, nl)) !== undefined;
}

/** Whether the value after `key: ` (ending at nl) is a one-line string scalar. */
function stringValueAt(text: string, colon: number, nl: number): boolean {
  return colon + 2 < nl && text.charCodeAt(colon + 1) === 32 && isStringAt(text, colon + 2, nl);
}

/** Indentation of the line starting at pos (0 for an empty line). */
export function indentAt(text: string, pos: number): number {
  let n = 0;
  while (text.charCodeAt(pos + n) === 32) n++;
  return n;
}

/**
 * Where the value of the key on the line at `pos` ends: after the lines more indented than the key
 * (`indent`), empty, or list items at its indentation (helm's layout).
 */
function valueEnd(text: string, pos: number, to: number, indent: number): number {
  let end = text.indexOf('\n', pos) + 1;
  while (end < to) {
    const n = indentAt(text, end);
    const c = text.charCodeAt(end + n);
    if (!(n > indent || c === 10 || (n === indent && c === 45 && text.charCodeAt(end + n + 1) === 32))) break;
    end = text.indexOf('\n', end) + 1;
  }
  return end;
}

/** Whether `key: ...` from `colon` to `end` is a string, on one line or several. */
function stringFieldOk(text: string, colon: number, end: number, indent: number): boolean {
  const nl = text.indexOf('\n', colon);
  if (nl + 1 === end) return stringValueAt(text, colon, nl);
  return text.charCodeAt(colon + 1) === 32 && stringValueSpans(text, colon + 2, end, indent);
}

/** A mapping key at `at` (quoted, or plain as helm writes it): [key, colon], or undefined. */
function mapKeyAt(text: string, at: number): [string, number] | undefined {
  if (text.charCodeAt(at) === 34) return keyAt(text, at, text.indexOf('\n', at));
  const colon = plainKeyEnd(text, at);
  return colon < 0 ? undefined : [text.slice(at, colon), colon];
}

/**
 * Whether the line at `pos` continues the value of a key at indentation `at`: more indented, empty
 * (inside a block scalar), or a list item at the key's indentation (helm's layout).
 */
export function inExtent(text: string, pos: number, at: number, n = indentAt(text, pos)): boolean {
  const c = text.charCodeAt(pos + n);
  return n > at || c === 10 || (n === at && c === 45 && text.charCodeAt(pos + n + 1) === 32);
}

/**
 * The nested lines from `from` of a `key:` field at indentation `at` whose value is a list of
 * strings, a list of maintainers, a map of strings (annotations) or a list of dependencies, checked
 * line by line (helm's layout: lists at their key's indentation, or two more as js-yaml writes them)
 * up to the first line that does not continue it (inExtent) or `to`. Returns where the value ends, or
 * -1 for "decode it instead".
 */
export function nestedLinesEnd(text: string, kind: NestedKind, from: number, to: number, at = 4): number {
  if (kind === 'stringMap') return mapOfStringsEnd(text, from, to, at);
  let seqIndent = -1; // column of "- " in the list (helm: at, js-yaml style: at + 2)
  let itemKeys: KeySet | undefined;
  let pos = from;
  for (
    let indent = indentAt(text, pos);
    pos < to && inExtent(text, pos, at, indent);
    indent = indentAt(text, pos)
  ) {
    const nl = text.indexOf('\n', pos);
    const dash = text.charCodeAt(pos + indent) === 45 && text.charCodeAt(pos + indent + 1) === 32;
    if (kind === 'strings') {
      if (!dash || (seqIndent < 0 ? indent !== at && indent !== at + 2 : indent !== seqIndent)) return -1;
      seqIndent = indent;
      if (pos + indent + 2 >= nl || !isStringAt(text, pos + indent + 2, nl)) return -1;
      pos = nl + 1;
      continue;
    }
    let key = pos + indent;
    if (dash && (seqIndent < 0 ? indent === at || indent === at + 2 : indent === seqIndent)) {
      if (itemKeys && kind === 'dependencies' && !itemKeys.has('name')) return -1;
      seqIndent = indent;
      itemKeys = new KeySet();
      key += 2;
    } else if (dash || indent !== seqIndent + 2 || !itemKeys) return -1;
    const kv = keyAt(text, key, nl);
    if (!kv || !itemKeys.add(kv[0])) return -1;
    const end = valueEnd(text, pos, to, seqIndent + 2);
    if (kind === 'maintainers') {
      if (!MAINTAINER_FIELDS.has(kv[0]) || end !== nl + 1 || !stringValueAt(text, kv[1], nl)) return -1;
    } else if (!dependencyFieldOk(text, kv[0], kv[1], end, seqIndent + 2)) return -1;
    pos = end;
  }
  if (kind === 'dependencies' && !itemKeys?.has('name')) return -1;
  return pos > from ? pos : -1;
}

export type NestedKind = 'strings' | 'maintainers' | 'stringMap' | 'dependencies';

/** One field of a dependency (its key at indentation `indent`, value from `colon` to `end`). */
function dependencyFieldOk(text: string, key: string, colon: number, end: number, indent: number): boolean {
  const kind = Object.hasOwn(DEPENDENCY_FIELDS, key) ? DEPENDENCY_FIELDS[key] : undefined;
  const nl = text.indexOf('\n', colon);
  if (kind === 'string') {
    // validDependency: the name must not be empty
    const empty =
      key === 'name' && (text.startsWith(' ""\n', colon + 1) || text.startsWith(" ''\n", colon + 1));
    return !empty && stringFieldOk(text, colon, end, indent);
  }
  if (kind === 'bool')
    return (
      end === nl + 1 &&
      (nl - colon === 6
        ? text.startsWith(': true', colon)
        : nl - colon === 7 && text.startsWith(': false', colon))
    );
  if (kind !== 'strings' && kind !== 'list') return false;
  if (end === nl + 1) return text.startsWith(': []\n', colon);
  if (colon + 1 !== nl) return false;
  if (kind === 'strings') return nestedLinesEnd(text, 'strings', nl + 1, end, indent) === end;
  return importValuesOk(text, nl + 1, end, indent);
}

/** import-values: any list is valid; known here: one-line strings, and maps of one-line strings. */
function importValuesOk(text: string, from: number, to: number, at: number): boolean {
  let seqIndent = -1;
  let keys: Set<string> | undefined;
  for (let pos = from; pos < to; ) {
    const nl = text.indexOf('\n', pos);
    const indent = indentAt(text, pos);
    const dash = text.charCodeAt(pos + indent) === 45 && text.charCodeAt(pos + indent + 1) === 32;
    let key = pos + indent;
    if (dash && (seqIndent < 0 ? indent === at || indent === at + 2 : indent === seqIndent)) {
      seqIndent = indent;
      keys = undefined;
      key += 2;
      const kv = keyAt(text, key, nl);
      if (!kv) {
        if (key >= nl || !isStringAt(text, key, nl)) return false;
        pos = nl + 1;
        continue;
      }
      keys = new Set();
    } else if (dash || indent !== seqIndent + 2 || !keys) return false;
    const kv = keyAt(text, key, nl);
    if (!kv || keys.has(kv[0]) || kv[0] === '__proto__' || !stringValueAt(text, kv[1], nl)) return false;
    keys.add(kv[0]);
    pos = nl + 1;
  }
  return seqIndent >= 0;
}

/**
 * Keys seen so far in one mapping, for duplicates. Writers sort keys (go-yaml, js-yaml's sortKeys), so a
 * key greater than the last of an increasing run is new without a search or a hash; otherwise the keys
 * are searched (and a mapping of more than MAX_UNSORTED keys is left to the decoder).
 */
class KeySet {
  private readonly keys: string[] = [];
  private sorted = true;

  /** Adds the key; false if it was there already (or too many unsorted keys to search). */
  add(key: string): boolean {
    const { keys } = this;
    const n = keys.length;
    if (!this.sorted || (n > 0 && !(key > keys[n - 1]))) {
      if (n > MAX_UNSORTED || keys.includes(key)) return false;
      this.sorted = false;
    }
    keys.push(key);
    return true;
  }

  has(key: string): boolean {
    return this.keys.includes(key);
  }

  get size(): number {
    return this.keys.length;
  }
}
const MAX_UNSORTED = 256;

/** A map of strings (annotations) of a key at indentation `at`, like nestedLinesEnd. */
function mapOfStringsEnd(text: string, from: number, to: number, at: number): number {
  const indent = at + 2;
  const keys = new KeySet();
  let pos = from;
  for (let n = indentAt(text, pos); pos < to && inExtent(text, pos, at, n); n = indentAt(text, pos)) {
    if (n !== indent) return -1;
    const kv = mapKeyAt(text, pos + indent);
    if (!kv || kv[0] === '__proto__' || !keys.add(kv[0])) return -1;
    const end = valueEnd(text, pos, to, indent);
    if (!stringFieldOk(text, kv[1], end, indent)) return -1;
    pos = end;
  }
  return keys.size > 0 ? pos : -1;
}
