/**
 * Line-by-line check that one chart's block of an index.yaml can be copied to the merged index as it
 * is: every line is in the fast reader's YAML subset (index-yaml.ts), laid out as helm writes it, and
 * every entry would pass validateEntry unchanged (known fields, right types, required fields, name equal
 * to the chart key, loose semver version, RFC 3339 created) with its versions already newest first.
 *
 * It answers only "yes, copy it" or "no": on "no" the caller parses that block into objects and the
 * strict validator decides, so error messages never come from here. The text is the file's bytes read
 * as latin1 (one char per byte, so offsets are byte offsets); that is safe because multi-byte UTF-8
 * sequences contain no ASCII bytes, and every value checked for its content here is ASCII-only.
 */
import { CHART_NAME, LOOSE_VERSION } from '../chart/chartfile.ts';
import { isNewestFirst, RFC3339 } from './index-file.ts';
import { DOUBLE_QUOTED, RESERVED, SAFE_KEY, stringScalar } from './index-yaml.ts';

const STR = 1; // any string
const STRS = 2; // list of strings
const BOOL = 3;
const MAINTAINERS = 4;
const STR_MAP = 5;
const API_VERSION = 6;
const NAME = 7;
const VERSION = 8;
const TYPE = 9;
const CREATED = 10;

/** Entry fields (helm's ChartVersion) -> [kind, bit for duplicate and required-field checks]. */
const FIELDS = new Map<string, [number, number]>();
for (const [i, [name, kind]] of (
  [
    ['apiVersion', API_VERSION],
    ['name', NAME],
    ['version', VERSION],
    ['created', CREATED],
    ['urls', STRS],
    ['appVersion', STR],
    ['description', STR],
    ['type', TYPE],
    ['kubeVersion', STR],
    ['home', STR],
    ['sources', STRS],
    ['keywords', STRS],
    ['maintainers', MAINTAINERS],
    ['icon', STR],
    ['annotations', STR_MAP],
    ['deprecated', BOOL],
    ['condition', STR],
    ['tags', STR],
    ['digest', STR],
    ['removed', BOOL],
    ['checksum', STR],
    ['engine', STR],
    ['tillerVersion', STR],
    ['url', STR],
    // `dependencies` is deliberately absent: such entries are rare and go through the full parser.
  ] as const
).entries()) {
  FIELDS.set(name, [kind, 1 << i]);
}
/** apiVersion, name, version, created and urls (the slow path would add `urls: []`, so require it). */
const REQUIRED = 0b11111;
const MAINTAINER_FIELDS = new Set(['name', 'email', 'url']);

/** Decoded key of a `key: value` / `key:` line starting at `from`, as the fast reader decodes it. */
function keyAt(text: string, from: number, nl: number): [key: string, colon: number] | undefined {
  if (text.charCodeAt(from) === 34 /* " */) {
    const end = text.indexOf('":', from + 1);
    if (end < 0 || end >= nl) return undefined;
    const quoted = text.slice(from, end + 1);
    if (!DOUBLE_QUOTED.test(quoted)) return undefined;
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

// Sticky shortcuts for the commonest string scalars, tested in place (no substring): a double-quoted
// string without escapes, a plain word or a plain version. Each is a strict subset of what
// stringScalar accepts; anything else is decided by stringScalar itself.
const QUOTED_Y = /"[^"\\\n]*"\n/y;
const WORD_Y = /[A-Za-z_][A-Za-z0-9_./@()+,;=^~'-]{5,}\n/y; // 6+ chars: never a RESERVED word
const VERSION_Y = /[0-9]+\.[0-9]+\.[0-9]+(?:[-+][0-9A-Za-z.+-]*)?\n/y;

function matchesAt(re: RegExp, text: string, from: number, nl: number): boolean {
  re.lastIndex = from;
  return re.test(text) && re.lastIndex === nl + 1;
}

/** Whether text[from, nl) is a scalar the fast reader reads as a string. */
function isStringAt(text: string, from: number, nl: number): boolean {
  const c = text.charCodeAt(from);
  if (c === 34 /* " */ ? matchesAt(QUOTED_Y, text, from, nl) : matchesAt(WORD_Y, text, from, nl)) return true;
  if (c >= 48 && c <= 57 && matchesAt(VERSION_Y, text, from, nl)) return true;
  return stringScalar(text.slice(from, nl)) !== undefined;
}

/** Whether the value after `key: ` (ending at nl) is a string scalar. */
function stringValueAt(text: string, colon: number, nl: number): boolean {
  return colon + 2 < nl && text.charCodeAt(colon + 1) === 32 && isStringAt(text, colon + 2, nl);
}

/**
 * Checks the lines of one chart block (its `  name:` line, then from `start` its entries). Returns how
 * many entries it holds, or -1 when it must go through the full parser instead.
 */
export function verbatimEntryCount(text: string, start: number, chart: string): number {
  const end = text.length;
  const versions: string[] = [];
  let seen = -1; // fields of the current entry; -1 before the first entry
  let nested = 0; // kind of the `key:` whose nested lines we are in, 0 if none
  let nestedLines = 0;
  let seqIndent = 0; // column of "- " in the current list (helm: 4, js-yaml style: 6)
  let itemKeys: Set<string> | undefined; // keys of the current maintainer or annotations map
  const endEntry = (): boolean => seen === -1 || ((seen & REQUIRED) === REQUIRED && endNested());
  const endNested = (): boolean => {
    const ok = nested === 0 || nestedLines > 0;
    nested = 0;
    return ok;
  };

  for (let pos = start; pos < end; ) {
    const nl = text.indexOf('\n', pos);
    let indent = 0;
    while (text.charCodeAt(pos + indent) === 32) indent++;
    const dash = text.charCodeAt(pos + indent) === 45 && text.charCodeAt(pos + indent + 1) === 32;
    let field = -1; // where a `key: value` field line of the entry starts, if this is one
    if (indent === 2 && dash) {
      if (!endEntry()) return -1;
      seen = 0;
      field = pos + 4;
    } else if (seen === -1 || indent < 4) {
      return -1;
    } else if (indent === 4 && !dash) {
      if (!endNested()) return -1;
      field = pos + 4;
    } else if (nested === STRS && dash && (nestedLines === 0 ? indent <= 6 : indent === seqIndent)) {
      seqIndent = indent;
      nestedLines++;
      if (pos + indent + 2 >= nl || !isStringAt(text, pos + indent + 2, nl)) return -1;
    } else if (nested === MAINTAINERS) {
      let at = pos + indent;
      if (dash && (nestedLines === 0 ? indent <= 6 : indent === seqIndent)) {
        seqIndent = indent;
        itemKeys = new Set();
        at += 2;
      } else if (dash || indent !== seqIndent + 2 || !itemKeys) return -1;
      nestedLines++;
      const kv = keyAt(text, at, nl);
      if (!kv || !MAINTAINER_FIELDS.has(kv[0]) || itemKeys?.has(kv[0])) return -1;
      itemKeys?.add(kv[0]);
      if (!stringValueAt(text, kv[1], nl)) return -1;
    } else if (nested === STR_MAP && !dash && indent === 6 && itemKeys) {
      nestedLines++;
      const kv = keyAt(text, pos + 6, nl);
      if (!kv || kv[0] === '__proto__' || itemKeys.has(kv[0])) return -1;
      itemKeys.add(kv[0]);
      if (!stringValueAt(text, kv[1], nl)) return -1;
    } else {
      return -1;
    }
    pos = nl + 1;
    if (field < 0) continue;

    // A field of the entry: `key: value`, or `key:` with its list or mapping on the next lines.
    const colon = text.indexOf(':', field);
    if (colon < 0 || colon >= nl) return -1;
    const spec = FIELDS.get(text.slice(field, colon));
    if (!spec || seen & spec[1]) return -1;
    seen |= spec[1];
    const [kind] = spec;
    if (colon + 1 === nl) {
      if (kind !== STRS && kind !== MAINTAINERS && kind !== STR_MAP) return -1;
      nested = kind;
      nestedLines = 0;
      itemKeys = kind === STR_MAP ? new Set() : undefined;
      continue;
    }
    if (text.charCodeAt(colon + 1) !== 32) return -1;
    if (kind === STR) {
      if (!isStringAt(text, colon + 2, nl)) return -1;
      continue;
    }
    const raw = text.slice(colon + 2, nl);
    if (kind === BOOL) {
      if (raw !== 'true' && raw !== 'false') return -1;
      continue;
    }
    if (kind === STRS || kind === MAINTAINERS) {
      if (raw !== '[]') return -1;
      continue;
    }
    if (kind === STR_MAP) {
      if (raw !== '{}') return -1;
      continue;
    }
    const value = stringScalar(raw);
    if (value === undefined) return -1;
    if (kind === API_VERSION && value !== 'v1' && value !== 'v2') return -1;
    if (kind === NAME && (value !== chart || !CHART_NAME.test(value))) return -1;
    if (kind === TYPE && value !== 'application' && value !== 'library') return -1;
    if (kind === CREATED && !RFC3339.test(value)) return -1;
    if (kind === VERSION) {
      if (!LOOSE_VERSION.test(value)) return -1;
      versions.push(value);
    }
  }
  if (!endEntry() || versions.length === 0) return -1;
  return isNewestFirst(versions) ? versions.length : -1;
}
