/**
 * One index entry checked by one regular expression: the whole `  - …` item, from its dash to the
 * line after its last field, in the layout go-yaml writes (helm, chart-releaser, helm-s3): fields in
 * go-yaml's key order, each value in a shape the line checks (verbatim-lines.ts) also accept. A
 * 20,000-entry index is then ~20,000 calls into compiled regexp code instead of ~500,000 lines walked in
 * JavaScript, which was most of the merge's time.
 *
 * Fields in a fixed order cannot repeat, and the required ones are not optional in the expression, so
 * what is left to JavaScript is what a regular expression cannot say: the name equals the chart key, the
 * version is loose semver, and annotation keys (free text) are distinct. The expression accepts a
 * strict subset of what verbatimEntryCount's line checks accept; anything else does not match, and they
 * decide. It matches no C0 control (NO_CONTROL); DEL and the multi-byte characters YAML readers disagree
 * on were refused for the whole file by the block scan.
 */
import { LOOSE_VERSION } from '../chart/chartfile.ts';
import { isPlainStringRead, RESERVED } from './index-yaml.ts';
import { ONE_LINE_PLAIN, ONE_LINE_QUOTED, PLAIN_KEY_SOURCE, stringValueSource } from './verbatim-lines.ts';

/**
 * `^(?:y|Y|yes|Yes|YES|...)$` as `(?:[yY]|[yY]es|YES|...)`: the expression below holds it ~25 times,
 * and V8 optimizes an expression only below 20 KB of source (kRegExpTooLargeToOptimize).
 */
export function compactWords(re: RegExp): string {
  const words = re.source.slice(4, -2).split('|');
  const out = new Set<string>();
  for (const w of words) {
    const lower = w.toLowerCase();
    const capital = lower.charAt(0).toUpperCase() + lower.slice(1);
    const upper = lower.toUpperCase();
    const head = `[${lower.charAt(0)}${upper.charAt(0)}]${lower.slice(1)}`;
    const all = lower.length === 1 ? [lower, upper] : [lower, capital, upper];
    if (all.every((v) => words.includes(v))) out.add(lower.length === 1 ? head : `${head}|${upper}`);
    else out.add(w);
  }
  return `(?:${[...out].join('|')})`;
}

/**
 * Plain one-line strings: verbatim-lines.ts's, a short word (`data`, `a`: a string unless a RESERVED
 * word), or a version range with two dots (`1.x.x`, `~1.2.0`: never a number, date, bool or null).
 * Every string value below can match in one way only: where two alternatives could both match the same
 * text, a failing entry would be tried again for each combination, and take milliseconds.
 */
const PLAIN =
  `(?:${ONE_LINE_PLAIN}|(?!${compactWords(RESERVED)}\\n)[A-Za-z][A-Za-z0-9_./-]{0,4}` +
  '|(?=[~^]|[0-9]+\\.(?:[0-9]+\\.)?[xX])[~^]?[0-9]+\\.(?:[0-9]+|[xX])\\.(?:[0-9]+|[xX])(?:[-+][0-9A-Za-z.+-]*)?)\\n';
/** A one-line string. */
const ONE = `(?:(?:${ONE_LINE_QUOTED})\\n|${PLAIN})`;
/**
 * A string value after `key: `: quoted or a block scalar (on one line or several), plain, or folded.
 * Only where writers fold (descriptions, annotations): every copy adds to the time V8 takes to compile
 * the expression (~9 ms, once per run), and a field written otherwise goes to the line checks.
 */
const string = (parent: number) => `(?:${PLAIN}|${stringValueSource(parent, true)})`;
const BOOL = '(?:true|false)\\n';

/** A list of one-line strings at its key's indentation `at` (helm's layout), after `key:`. */
const strings = (at: number) => `\\n(?: {${at}}- ${ONE})+`;

/**
 * A mapping of known keys, as one list item at indentation `at` or as an entry: `fields` in go-yaml's
 * order, each `[key, value after the colon, required]`. The first field follows the item's dash
 * (a lookbehind, so that any optional field can be first); the others are on lines of their own.
 */
function item(at: number, fields: [string, string, boolean][]): string {
  const lead = `(?: {${at + 2}}|(?<=\\n${' '.repeat(at)}- ))`;
  const body = fields.map(([key, value, required]) => `(?:${lead}${key}:${value})${required ? '' : '?'}`);
  // The dash is followed by a key: `-     key:` would put the mapping in another column.
  return `${' '.repeat(at)}- (?=[a-z])${body.join('')}`;
}

const MAINTAINER = item(4, [
  ['email', ` ${ONE}`, false],
  ['name', ` ${ONE}`, false],
  ['url', ` ${ONE}`, false],
]);

/** import-values as helm documents it: `child`/`parent` maps and plain strings. */
const IMPORT_VALUES = `\\n(?: {6}- (?:child: ${ONE} {8}parent: ${ONE}|${ONE}))+`;

const DEPENDENCY = item(4, [
  ['alias', ` ${ONE}`, false],
  ['condition', ` ${ONE}`, false],
  ['enabled', ` ${BOOL}`, false],
  ['import-values', IMPORT_VALUES, false],
  ['name', ` (?!""\\n|''\\n)${ONE}`, true],
  ['repository', ` ${ONE}`, false],
  ['tags', strings(6), false],
  ['version', ` ${ONE}`, false],
]);

/** sha256, plain when it cannot read as a number (a letter other than e), else quoted: as helm writes it. */
const DIGEST = '(?:(?=[0-9a-f]{0,63}[a-df])[0-9a-f]{64}|"[0-9a-f]{64}")\\n';
/** Annotation keys are free text: checked for duplicates by annotationKeysOk. */
const ANNOTATIONS = `\\n(?: {6}${PLAIN_KEY_SOURCE}: ${string(6)})+`;
const CREATED = '"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:\\d{2})"\\n';
/** Quoted, or plain (a string if isPlainStringRead says so: not `true`, `012`, `1e5`). */
const NAME = '(?:"[A-Za-z0-9][A-Za-z0-9._-]*"|[A-Za-z0-9][A-Za-z0-9._-]*)\\n';
/** Quoted, or plain (three numbers, or a leading v: never a number or a date); loose semver checked apart. */
const VERSION = `(?:"[^"\\\\\\n]*"|[0-9]+\\.[0-9]+\\.[0-9]+(?:[-+][0-9A-Za-z.+-]*)?|v[0-9][0-9A-Za-z.+-]*)\\n`;

/**
 * Every negated class of ENTRY also leaves out the C0 controls, tab and CR among them (its other classes
 * and literals hold none), so that a matched entry holds none: the scan for block boundaries does not
 * look for them (index-splice.ts's SCAN). Not DEL: leaving out \x7f as well made the expression 50%
 * slower (it splits V8's one range check for everything above); the scan looks for DEL instead. The
 * string holds the characters themselves, not escapes: ~200 classes, and the 20 KB limit above.
 */
const NO_CONTROL = '[^\x00-\x09\x0b-\x1f';

export const ENTRY = new RegExp(
  item(2, [
    ['annotations', ANNOTATIONS, false],
    ['apiVersion', ' v[12]\\n', true],
    ['appVersion', ` ${ONE}`, false],
    ['condition', ` ${ONE}`, false],
    ['created', ` ${CREATED}`, true],
    ['dependencies', `\\n(?:${DEPENDENCY})+`, false],
    ['deprecated', ` ${BOOL}`, false],
    ['description', ` ${string(4)}`, false],
    ['digest', ` ${DIGEST}`, false],
    ['home', ` ${ONE}`, false],
    ['icon', ` ${ONE}`, false],
    ['keywords', strings(4), false],
    ['kubeVersion', ` ${ONE}`, false],
    ['maintainers', `\\n(?:${MAINTAINER})+`, false],
    ['name', ` ${NAME}`, true],
    ['removed', ` ${BOOL}`, false],
    ['sources', strings(4), false],
    ['tags', ` ${ONE}`, false],
    ['type', ' (?:application|library)\\n', false],
    ['urls', strings(4), true],
    ['version', ` ${VERSION}`, true],
  ]).replaceAll('[^', NO_CONTROL),
  'y',
);

/**
 * Where the entry whose `  - ` line starts at `pos` ends, if the whole of it matches ENTRY and ends at
 * `end` or at the next entry; its version is pushed onto `versions`. -1: not decided here.
 */
export function wholeEntryEnd(
  text: string,
  pos: number,
  end: number,
  chart: string,
  versions: string[],
): number {
  ENTRY.lastIndex = pos;
  if (!ENTRY.test(text)) return -1;
  const after = ENTRY.lastIndex;
  if (after > end || (after < end && !text.startsWith('  - ', after))) return -1;
  // The version is the last line, the name the last `name:` field before it (ENTRY's order): read in
  // place rather than captured, which allocated a match and two strings per entry.
  const versionAt = text.lastIndexOf('\n    version: ', after - 2) + 14;
  const nameAt = text.lastIndexOf('\n    name: ', versionAt) + 11;
  const quoted = text.charCodeAt(nameAt) === 34 ? 1 : 0;
  if (
    !text.startsWith(chart, nameAt + quoted) ||
    nameAt + 2 * quoted + chart.length !== text.indexOf('\n', nameAt) ||
    (quoted === 0 && !plainName(chart))
  )
    return -1;
  const version =
    text.charCodeAt(versionAt) === 34
      ? text.slice(versionAt + 1, after - 2)
      : text.slice(versionAt, after - 1);
  if (!LOOSE_VERSION.test(version)) return -1;
  if (text.startsWith('annotations:', pos + 4) && !annotationKeysOk(text, pos + 16)) return -1;
  versions.push(version);
  return after;
}

/** isPlainStringRead, remembered for the chart at hand: its entries all carry its name. */
function plainName(name: string): boolean {
  if (name !== lastPlain.name) Object.assign(lastPlain, { name, ok: isPlainStringRead(name) });
  return lastPlain.ok;
}
const lastPlain = { name: '', ok: false };

/**
 * Whether the annotation keys from `nl` (the newline ending `  - annotations:`) on are in increasing
 * order (so distinct; writers sort them), none `__proto__` or a RESERVED word. ENTRY matched their
 * lines: keys at six spaces, values continued at more, blank lines only inside block scalars.
 */
function annotationKeysOk(text: string, nl: number): boolean {
  let last = -1; // where the previous key starts, and ends (its colon)
  let lastEnd = -1;
  for (let p = nl; text.charCodeAt(p + 5) === 32 || text.charCodeAt(p + 1) === 10; ) {
    if (text.charCodeAt(p + 7) !== 32 && text.charCodeAt(p + 1) !== 10) {
      const at = p + 7;
      const colon = text.indexOf(':', at);
      if (last >= 0 && !after(text, at, colon, last, lastEnd)) return false;
      const n = colon - at;
      if (n === 9 ? text.startsWith('__proto__', at) : n <= 5 && RESERVED.test(text.slice(at, colon)))
        return false;
      last = at;
      lastEnd = colon;
    }
    p = text.indexOf('\n', p + 1);
    if (p < 0) break;
  }
  return last >= 0;
}

/** Whether text[a, aEnd) sorts after text[b, bEnd) as strings do, compared in place (no substrings). */
function after(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(a + i) - text.charCodeAt(b + i);
    if (d !== 0) return d > 0;
  }
  return aEnd - a > bEnd - b;
}
