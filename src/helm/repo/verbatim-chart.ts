/**
 * Line-by-line check that one chart's block of an index.yaml can be copied to the merged index as it
 * is: every line is in the fast reader's YAML subset (index-yaml.ts), laid out as helm writes it, and
 * every entry would pass validateEntry unchanged (known fields, right types, required fields, name equal
 * to the chart key, loose semver version, RFC 3339 created) with its versions already newest first.
 *
 * It answers only "yes, copy it" or "no": on "no" the caller parses that block into objects and the
 * strict validator decides, so error messages never come from here. One-line fields are checked in
 * place; a field spanning lines in a shape the line checks do not know (a description folded over
 * lines, a `|` block in an annotation, dependencies: all of which helm writes) is decoded alone, by the
 * fast reader or else js-yaml, and its value checked like validateEntry would. The text is the file's bytes read
 * as latin1 (one char per byte, so offsets are byte offsets); that is safe because multi-byte UTF-8
 * sequences contain no ASCII bytes, and every value checked for its content here is ASCII-only.
 */
import { CORE_SCHEMA, load } from 'js-yaml';
import {
  CHART_NAME,
  DEPENDENCY_FIELDS,
  isPlainObject,
  LOOSE_VERSION,
  MAINTAINER_FIELDS,
} from '../chart/chartfile.ts';
import { isNewestFirst, RFC3339 } from './index-file.ts';
import { fastParseYaml, hasControl, stringScalar } from './index-yaml.ts';
import { wholeEntryEnd } from './verbatim-entry.ts';
import {
  indentAt,
  isStringAt,
  type NestedKind,
  nestedLinesEnd,
  oneLineStringAt,
  stringValueEnd,
} from './verbatim-lines.ts';

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
const DEPENDENCIES = 11;

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
    ['dependencies', DEPENDENCIES],
  ] as const
).entries()) {
  FIELDS.set(name, [kind, 1 << i]);
}
/**
 * FIELDS by key length and first character, so that a key is looked up in place (no substring). An
 * indexed loop over plain objects: tuple destructuring in for-of was ~10% of the check's own time.
 */
const FIELDS_AT = new Map<number, { name: string; spec: [number, number] }[]>();
for (const [name, spec] of FIELDS) {
  const k = name.length * 256 + name.charCodeAt(0);
  FIELDS_AT.set(k, [...(FIELDS_AT.get(k) ?? []), { name, spec }]);
}

function fieldAt(text: string, from: number, colon: number): [number, number] | undefined {
  const candidates = FIELDS_AT.get((colon - from) * 256 + text.charCodeAt(from));
  if (candidates === undefined) return undefined;
  for (let i = 0; i < candidates.length; i++)
    if (text.startsWith(candidates[i].name, from)) return candidates[i].spec;
  return undefined;
}

/**
 * The string a one-line scalar at [from, nl) reads as: without a substring for the decoder when it
 * is one of oneLineStringAt's plain strings, or quoted without escapes; else as stringScalar says.
 */
function scalarAt(text: string, from: number, nl: number): string | undefined {
  if (!oneLineStringAt(text, from, nl)) return stringScalar(text.slice(from, nl));
  const c = text.charCodeAt(from);
  if (c !== 34 && c !== 39) return text.slice(from, nl);
  const inner = text.slice(from + 1, nl - 1);
  return inner.includes(c === 34 ? '\\' : "'") ? stringScalar(text.slice(from, nl)) : inner;
}
/** apiVersion, name, version, created and urls (the slow path would add `urls: []`, so require it). */
const REQUIRED = 0b11111;

/** Field kinds whose nested lines verbatim-lines.ts checks in place. */
const NESTED: Record<number, NestedKind | undefined> = {
  [STRS]: 'strings',
  [MAINTAINERS]: 'maintainers',
  [STR_MAP]: 'stringMap',
  [DEPENDENCIES]: 'dependencies',
};

/**
 * wholeEntry: each entry is first matched whole by one expression (verbatim-entry.ts); inPlace: nested
 * and multi-line fields are checked line by line (verbatim-lines.ts) before falling back to decoding
 * them alone. Tests turn them off to hold each lane to the verdicts of the next.
 */
export const verbatimLanes = { wholeEntry: true, inPlace: true };

/**
 * How many entries one expression checked whole, and how many fields were decoded alone, by js-yaml
 * among them (index-splice's statistics).
 */
export const fieldStats = { wholeEntries: 0, decoded: 0, jsYaml: 0 };

/**
 * The value of one field, `key: …` with the lines that continue it, decoded alone: by the fast reader,
 * else by js-yaml (exact either way: the text is a complete mapping of one key, laid out as in the
 * file, indentation included, so block scalar indentation indicators mean the same). undefined if
 * neither reads it as exactly one key.
 */
function decodeField(text: string, key: string): unknown {
  fieldStats.decoded++;
  let doc = fastParseYaml(text, 4);
  if (doc === undefined) {
    fieldStats.jsYaml++;
    try {
      doc = load(text, { schema: CORE_SCHEMA });
    } catch {
      return undefined;
    }
  }
  if (!isPlainObject(doc)) return undefined;
  const keys = Object.keys(doc);
  return keys.length === 1 && keys[0] === key ? doc[key] : undefined;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStrings = (v: unknown): boolean => Array.isArray(v) && v.every(isString);
const stringsOnly = (v: Record<string, unknown>) => Object.values(v).every(isString);

/** Whether a decoded value passes validateEntry's check for its kind unchanged (no null to drop). */
function validValue(kind: number, v: unknown, chart: string, versions: string[]): boolean {
  switch (kind) {
    case STR:
      return isString(v);
    case STRS:
      return isStrings(v);
    case BOOL:
      return typeof v === 'boolean';
    case STR_MAP:
      return isPlainObject(v) && !Object.hasOwn(v, '__proto__') && stringsOnly(v);
    case MAINTAINERS:
      return (
        Array.isArray(v) &&
        v.every(
          (m) => isPlainObject(m) && Object.keys(m).every((k) => MAINTAINER_FIELDS.has(k)) && stringsOnly(m),
        )
      );
    case DEPENDENCIES:
      return Array.isArray(v) && v.every(validDependency);
    case API_VERSION:
      return v === 'v1' || v === 'v2';
    case NAME:
      return v === chart && CHART_NAME.test(chart);
    case TYPE:
      return v === 'application' || v === 'library';
    case CREATED:
      return isString(v) && RFC3339.test(v);
    case VERSION:
      if (!isString(v) || !LOOSE_VERSION.test(v)) return false;
      versions.push(v);
      return true;
    default:
      return false;
  }
}

function validDependency(d: unknown): boolean {
  if (!isPlainObject(d) || typeof d.name !== 'string' || d.name === '') return false;
  for (const [k, v] of Object.entries(d)) {
    const kind = Object.hasOwn(DEPENDENCY_FIELDS, k) ? DEPENDENCY_FIELDS[k] : undefined;
    if (
      kind === 'string'
        ? !isString(v)
        : kind === 'strings'
          ? !isStrings(v)
          : kind === 'bool'
            ? typeof v !== 'boolean'
            : kind === 'list'
              ? !Array.isArray(v)
              : true
    )
      return false;
  }
  return true;
}

/**
 * Checks the lines of one chart block (its `  name:` line, then from `start` to `end` its entries).
 * Returns how many entries it holds, or -1 when it must go through the full parser instead.
 */
export function verbatimEntryCount(text: string, start: number, chart: string, end = text.length): number {
  const versions: string[] = [];
  let seen = -1; // fields of the current entry; -1 before the first entry
  let lineChecks = false; // the line checks ran: the rest of the block was looked at for CONTROL

  for (let pos = start; pos < end; ) {
    const nl = text.indexOf('\n', pos);
    const indent = indentAt(text, pos);
    const dash = text.charCodeAt(pos + indent) === 45 && text.charCodeAt(pos + indent + 1) === 32;
    if (indent === 2 && dash) {
      if (seen !== -1 && (seen & REQUIRED) !== REQUIRED) return -1;
      const after = verbatimLanes.wholeEntry ? wholeEntryEnd(text, pos, end, chart, versions) : -1;
      if (after > 0) {
        fieldStats.wholeEntries++;
        seen = REQUIRED;
        pos = after;
        continue;
      }
      seen = 0;
      // The whole-entry expression cannot match a CONTROL character; the line checks do not look.
      if (!lineChecks && hasControl(text, pos, end)) return -1;
      lineChecks = true;
    } else if (seen === -1 || indent !== 4 || dash) {
      return -1;
    }
    const field = pos + 4; // `key: value` or `key:` of the current entry
    const colon = text.indexOf(':', field);
    if (colon < 0 || colon >= nl) return -1;
    const spec = fieldAt(text, field, colon);
    if (!spec || seen & spec[1]) return -1;
    seen |= spec[1];
    const [kind] = spec;

    // Strings, lists and maps checked in place, line by line, finding where the value ends as they go.
    if (verbatimLanes.inPlace) {
      const nested = NESTED[kind];
      const at =
        kind === STR && text.charCodeAt(colon + 1) === 32
          ? stringValueEnd(text, colon + 2, end, 4)
          : nested && colon + 1 === nl
            ? nestedLinesEnd(text, nested, nl + 1, end)
            : -1;
      if (at > 0) {
        pos = at;
        continue;
      }
    }

    // The field's extent: the lines after it that are more indented, or list items at its indentation
    // (helm's layout), or empty (inside a block scalar).
    let last = nl; // the newline ending the field's last line
    for (let next = nl + 1; next < end; ) {
      const n = indentAt(text, next);
      const c = text.charCodeAt(next + n);
      if (!(n > 4 || c === 10 || (n === 4 && c === 45 && text.charCodeAt(next + 5) === 32))) break;
      last = text.indexOf('\n', next);
      next = last + 1;
    }
    pos = last + 1;

    if (last !== nl) {
      // Nested lines the line checks do not know: the field is decoded alone.
      // The text is the file's bytes as latin1: decoded as UTF-8 here, where content matters.
      const fieldText = Buffer.from(text.slice(field, pos), 'latin1').toString('utf8');
      const v = decodeField(`    ${fieldText}`, text.slice(field, colon));
      if (!validValue(kind, v, chart, versions)) return -1;
      continue;
    }
    if (colon + 1 === nl) return -1; // `key:` with nothing under it: null
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
    if (kind === STRS || kind === MAINTAINERS || kind === DEPENDENCIES) {
      if (raw !== '[]') return -1;
      continue;
    }
    if (kind === STR_MAP) {
      if (raw !== '{}') return -1;
      continue;
    }
    const value = scalarAt(text, colon + 2, nl);
    if (value === undefined || !validValue(kind, value, chart, versions)) return -1;
  }
  if (seen === -1 || (seen & REQUIRED) !== REQUIRED || versions.length === 0) return -1;
  return isNewestFirst(versions) ? versions.length : -1;
}
