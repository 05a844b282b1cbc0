/** Go template builtins, the sprig subset charts use, and helm's own functions. */
import { createHash } from 'node:crypto';
import semver from 'semver';
import { FailError } from './errors.ts';
import type { TemplateFunc } from './exec.ts';
import { formatV, sprint, sprintf, sprintln } from './format.ts';
import { EXTRA_FUNCS } from './functions-extra.ts';
import { MORE_FUNCS } from './functions-more.ts';
import { toJson, toYaml } from './serialize.ts';
import {
  deepCopy,
  floatToInt,
  type GoMap,
  i64,
  isMap,
  isNil,
  isStringer,
  kindOf,
  setKey,
  truth,
  typeOf,
} from './values.ts';
import { parseHelmYaml } from './yaml-load.ts';

/** Go's validateType for a `string` parameter. */
function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (isNil(v)) throw new Error('invalid value; expected string');
  throw new Error(`wrong type for value; expected string; got ${typeOf(v)}`);
}
/** Go's validateType for an `int` parameter (our bigints stand for int and int64 alike). */
function int(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (isNil(v)) throw new Error('invalid value; expected int');
  throw new Error(`wrong type for value; expected int; got ${typeOf(v)}`);
}
function map(v: unknown): GoMap {
  if (isMap(v)) return v;
  if (isNil(v)) throw new Error('invalid value; expected map[string]interface {}');
  throw new Error(`wrong type for value; expected map[string]interface {}; got ${typeOf(v)}`);
}

/** sprig's strval. */
export function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return formatV(v);
}

/** spf13/cast ToInt64. */
function toInt64(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return floatToInt(v);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'string') {
    const s = v.replace(/\.0*$/, '');
    try {
      if (/^[-+]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[1-9][0-9]*|0)$/.test(s)) {
        const neg = s.startsWith('-');
        let body = s.replace(/^[-+]/, '');
        if (/^0[0-7]+$/.test(body)) body = `0o${body.slice(1)}`;
        const n = BigInt(body.toLowerCase());
        return i64(neg ? -n : n);
      }
    } catch {
      return 0n;
    }
    return 0n;
  }
  return 0n;
}

function toFloat64(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const f = Number(v.trim());
    return v.trim() === '' || Number.isNaN(f) ? 0 : f;
  }
  return 0;
}

/** sprig's empty. */
export function empty(v: unknown): boolean {
  return !truth(v);
}

function list(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Uint8Array) return Array.from(v, (b) => BigInt(b));
  throw new Error(`Cannot ${fn} on type ${typeOf(v)}`);
}

function strslice(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => !isNil(x)).map(strval);
  if (isNil(v)) return [];
  return [strval(v)];
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return a === b || (isNil(a) && isNil(b));
}

type Basic = 'bool' | 'int' | 'float' | 'string' | 'invalid';
function basicKind(v: unknown): Basic {
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
  }
  return 'invalid';
}

/** text/template's eq (Go 1.18+): mismatched basic kinds are an error unless one side is nil. */
function eq(args: unknown[]): boolean {
  if (args.length < 2) throw new Error('missing argument for comparison');
  const [a, ...rest] = args;
  const k1 = basicKind(a);
  for (const b of rest) {
    const k2 = basicKind(b);
    if (k1 !== k2) {
      if (!isNil(a) && !isNil(b)) throw new Error('incompatible types for comparison');
      continue;
    }
    if (k1 === 'invalid') {
      if (isNil(a) || isNil(b)) {
        if (isNil(a) === isNil(b)) return true;
        continue;
      }
      throw new Error(`non-comparable types ${typeOf(a)}, ${typeOf(b)}`);
    }
    if (a === b) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid' || k1 === 'bool' || k2 === 'bool')
    throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  return (a as number) < (b as number);
}

/** mergo.Merge semantics: dst keys win unless empty; nested maps merge; `overwrite` flips who wins. */
function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean): GoMap {
  for (const [k, sv] of Object.entries(src)) {
    const dv = dst[k];
    if (isMap(dv) && isMap(sv)) mergeInto(dv, sv, overwrite);
    else if (!Object.hasOwn(dst, k) || empty(dv)) setKey(dst, k, deepCopy(sv));
    else if (overwrite && !empty(sv)) setKey(dst, k, deepCopy(sv));
  }
  return dst;
}

function goRegex(re: string): RegExp {
  // RE2 flags like (?i) at the start map to JS flags; the rest of the syntax is shared.
  const m = /^\(\?([imsU]+)\)/.exec(re);
  const flags = m ? m[1].replace('U', '') : '';
  return new RegExp(m ? re.slice(m[0].length) : re, `${flags}g`.replace(/(.)(?=.*\1)/g, ''));
}

function goRepl(repl: string): string {
  return repl.replace(/\$\{(\w+)\}/g, (_m, g: string) => (/^\d+$/.test(g) ? `$${g}` : `$<${g}>`));
}

function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

function semverCompare(constraint: string, version: string): boolean {
  const v = semver.coerce(version, { includePrerelease: true, loose: true });
  const clean = semver.clean(version, { loose: true }) ?? v?.version;
  if (!clean) throw new Error(`Invalid Semantic Version`);
  const range = constraint
    .split('||')
    .map((part) =>
      part
        .replace(/,/g, ' ')
        // npm's parser needs a full x.y.z before a prerelease; Masterminds accepts "1.21-0".
        .replace(/(?<![\d.])(\d+)\.(\d+)(?=-[0-9A-Za-z])/g, '$1.$2.0')
        .replace(/(?<![\d.])(\d+)(?=-[0-9A-Za-z])/g, '$1.0.0'),
    )
    .join('||');
  // Masterminds/semver lets a constraint with a prerelease (">=1.21-0") match any prerelease version.
  return semver.satisfies(clean, range, { loose: true, includePrerelease: constraint.includes('-') });
}

function indent(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return pad + s.replace(/\n/g, `\n${pad}`);
}

function fromYaml(s: string): unknown {
  try {
    const v = parseHelmYaml(s);
    return isMap(v)
      ? v
      : v === undefined || v === null
        ? {}
        : { Error: 'error unmarshaling JSON: not an object' };
  } catch (e) {
    return { Error: e instanceof Error ? e.message : String(e) };
  }
}

const f1 =
  (fn: (a: unknown) => unknown): TemplateFunc =>
  (args) =>
    fn(args[0]);
const s1 =
  (fn: (a: string) => unknown): TemplateFunc =>
  (args) =>
    fn(str(args[0]));
const s2 =
  (fn: (a: string, b: string) => unknown): TemplateFunc =>
  (args) =>
    fn(str(args[0]), str(args[1]));
const ints =
  (fn: (a: bigint, b: bigint) => bigint): TemplateFunc =>
  (args) =>
    args.map(toInt64).reduce((a, b) => i64(fn(a, b)));
const floats =
  (fn: (a: number, b: number) => number): TemplateFunc =>
  (args) =>
    args.map(toFloat64).reduce(fn);

const FUNCS: Record<string, TemplateFunc> = {
  // text/template builtins
  not: f1((a) => !truth(a)),
  len: f1((a) => {
    if (typeof a === 'string') return BigInt(Buffer.byteLength(a));
    if (Array.isArray(a) || a instanceof Uint8Array) return BigInt(a.length);
    if (isMap(a)) return BigInt(Object.keys(a).length);
    throw new Error(`len of ${isNil(a) ? 'nil pointer' : `type ${typeOf(a)}`}`);
  }),
  index: ([item, ...idx]) => {
    let cur = item;
    for (const i of idx) {
      if (isNil(cur)) throw new Error('index of untyped nil');
      if (isMap(cur)) cur = Object.hasOwn(cur, str(i)) ? cur[str(i)] : null;
      else if (Array.isArray(cur)) {
        const n = int(i);
        if (n < 0 || n >= cur.length) throw new Error(`index out of range: ${n}`);
        cur = cur[n];
      } else throw new Error(`can't index item of type ${typeOf(cur)}`);
    }
    return cur;
  },
  eq: (a) => eq(a),
  ne: (a) => {
    if (a.length !== 2) throw new Error('wrong number of args for ne: want 2');
    return !eq(a);
  },
  lt: ([a, b]) => lt(a, b),
  le: ([a, b]) => lt(a, b) || eq([a, b]),
  gt: ([a, b]) => !(lt(a, b) || eq([a, b])),
  ge: ([a, b]) => !lt(a, b),
  print: (a) => sprint(a),
  println: (a) => sprintln(a),
  printf: ([f, ...rest]) => sprintf(str(f), rest),
  call: ([fn, ...rest]) => {
    if (typeof fn !== 'function') throw new Error(`non-function of type ${typeOf(fn)}`);
    return (fn as (...a: unknown[]) => unknown)(...rest);
  },
  // helm
  include: ([name, data], ctx) => ctx.include(str(name), data),
  tpl: ([text, data], ctx) => ctx.tpl(str(text), data),
  required: ([msg, v]) => {
    if (isNil(v) || v === '') throw new FailError(str(msg));
    return v;
  },
  fail: ([msg]) => {
    throw new FailError(str(msg));
  },
  lookup: () => ({}),
  toYaml: f1(toYaml),
  mustToYaml: f1(toYaml),
  toYamlPretty: f1(toYaml),
  fromYaml: s1(fromYaml),
  fromYamlArray: s1((s) => {
    const v = parseHelmYaml(s);
    return Array.isArray(v) ? v : [];
  }),
  toJson: f1((v) => toJson(v)),
  mustToJson: f1((v) => toJson(v)),
  toRawJson: f1((v) =>
    toJson(v)
      .replace(/\\u003c/g, '<')
      .replace(/\\u003e/g, '>')
      .replace(/\\u0026/g, '&'),
  ),
  toPrettyJson: f1((v) => toJson(v, '  ')),
  fromJson: s1((s) => {
    try {
      return JSON.parse(s) as unknown;
    } catch (e) {
      return { Error: e instanceof Error ? e.message : String(e) };
    }
  }),
  // sprig: defaults and logic
  default: ([d, ...given]) => (given.length === 0 || empty(given[0]) ? d : given[0]),
  empty: f1(empty),
  coalesce: (a) => a.find((x) => !empty(x)) ?? null,
  ternary: ([vt, vf, c]) => {
    if (typeof c !== 'boolean') throw new Error(`wrong type for value; expected bool; got ${typeOf(c)}`);
    return c ? vt : vf;
  },
  // strings
  quote: (a) =>
    a
      .filter((x) => !isNil(x))
      .map((x) => JSON.stringify(strval(x)))
      .join(' '),
  squote: (a) =>
    a
      .filter((x) => !isNil(x))
      .map((x) => `'${strval(x)}'`)
      .join(' '),
  cat: (a) =>
    a
      .filter((x) => !isNil(x))
      .map(strval)
      .join(' '),
  upper: s1((s) => s.toUpperCase()),
  lower: s1((s) => s.toLowerCase()),
  title: s1(title),
  trim: s1((s) => s.trim()),
  trimAll: s2((cut, s) => trimCut(s, cut)),
  trimSuffix: s2((suf, s) => (suf && s.endsWith(suf) ? s.slice(0, -suf.length) : s)),
  trimPrefix: s2((pre, s) => (s.startsWith(pre) ? s.slice(pre.length) : s)),
  trunc: ([c, s]) => {
    const n = int(c);
    const v = str(s);
    if (n >= 0 && v.length > n) return v.slice(0, n);
    if (n < 0 && v.length > -n) return v.slice(v.length + n);
    return v;
  },
  replace: ([o, n, s]) => str(s).split(str(o)).join(str(n)),
  contains: s2((sub, s) => s.includes(sub)),
  hasPrefix: s2((p, s) => s.startsWith(p)),
  hasSuffix: s2((p, s) => s.endsWith(p)),
  repeat: ([c, s]) => str(s).repeat(Math.max(0, int(c))),
  substr: ([a, b, s]) => {
    const v = str(s);
    const start = int(a);
    const end = int(b);
    if (start < 0) return v.slice(0, end);
    if (end < 0 || end > v.length) return v.slice(start);
    return v.slice(start, end);
  },
  nospace: s1((s) => s.replace(/\s/g, '')),
  indent: ([n, s]) => indent(int(n), str(s)),
  nindent: ([n, s]) => `\n${indent(int(n), str(s))}`,
  toString: f1(strval),
  toStrings: f1((v) => (Array.isArray(v) ? v.map(strval) : isNil(v) ? [] : [strval(v)])),
  join: ([sep, v]) => strslice(v).join(str(sep)),
  split: ([sep, s]) => {
    const out: GoMap = {};
    str(s)
      .split(str(sep))
      .forEach((p, i) => {
        out[`_${i}`] = p;
      });
    return out;
  },
  splitList: ([sep, s]) => str(s).split(str(sep)),
  sortAlpha: f1((v) => strslice(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))),
  b64enc: s1((s) => Buffer.from(s, 'utf8').toString('base64')),
  b64dec: s1((s) => Buffer.from(s, 'base64').toString('utf8')),
  sha256sum: s1((s) => createHash('sha256').update(s, 'utf8').digest('hex')),
  sha1sum: s1((s) => createHash('sha1').update(s, 'utf8').digest('hex')),
  regexMatch: s2((re, s) => goRegex(re).test(s)),
  regexFind: s2((re, s) => goRegex(re).exec(s)?.[0] ?? ''),
  regexFindAll: ([re, s, n]) => {
    const all = [...str(s).matchAll(goRegex(str(re)))].map((m) => m[0]);
    const k = int(n);
    return k < 0 ? all : all.slice(0, k);
  },
  regexReplaceAll: ([re, s, r]) => str(s).replace(goRegex(str(re)), goRepl(str(r))),
  regexReplaceAllLiteral: ([re, s, r]) => str(s).replace(goRegex(str(re)), () => str(r)),
  regexSplit: ([re, s, n]) => {
    const parts = str(s).split(goRegex(str(re)));
    const k = int(n);
    return k < 0 ? parts : parts.slice(0, k);
  },
  regexQuoteMeta: s1((s) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')),
  semverCompare: s2(semverCompare),
  // numbers
  int: f1((v) => toInt64(v)),
  int64: f1((v) => toInt64(v)),
  float64: f1(toFloat64),
  atoi: s1((s) => toInt64(s)),
  add: ints((a, b) => a + b),
  add1: f1((v) => i64(toInt64(v) + 1n)),
  sub: ints((a, b) => a - b),
  mul: ints((a, b) => a * b),
  div: ints((a, b) => {
    if (b === 0n) throw new Error('runtime error: integer divide by zero');
    return a / b;
  }),
  mod: ints((a, b) => {
    if (b === 0n) throw new Error('runtime error: integer divide by zero');
    return a % b;
  }),
  max: ints((a, b) => (a > b ? a : b)),
  min: ints((a, b) => (a < b ? a : b)),
  addf: floats((a, b) => a + b),
  subf: floats((a, b) => a - b),
  mulf: floats((a, b) => a * b),
  divf: floats((a, b) => a / b),
  maxf: floats(Math.max),
  minf: floats(Math.min),
  floor: f1((v) => Math.floor(toFloat64(v))),
  ceil: f1((v) => Math.ceil(toFloat64(v))),
  until: ([n]) => Array.from({ length: Math.max(0, int(n)) }, (_x, i) => BigInt(i)),
  untilStep: ([a, b, c]) => {
    const out: bigint[] = [];
    const [start, stop, step] = [int(a), int(b), int(c)];
    if (step > 0) for (let i = start; i < stop; i += step) out.push(BigInt(i));
    if (step < 0) for (let i = start; i > stop; i += step) out.push(BigInt(i));
    return out;
  },
  // lists
  list: (a) => [...a],
  first: f1((v) => (isNil(v) ? null : (list(v, 'first')[0] ?? null))),
  last: f1((v) => {
    const l = isNil(v) ? [] : list(v, 'last');
    return l.length ? l[l.length - 1] : null;
  }),
  rest: f1((v) => list(v, 'rest').slice(1)),
  initial: f1((v) => list(v, 'initial').slice(0, -1)),
  append: ([l, v]) => [...list(l, 'append'), v],
  push: ([l, v]) => [...list(l, 'push'), v],
  prepend: ([l, v]) => [v, ...list(l, 'prepend')],
  concat: (a) => a.flatMap((l) => (isNil(l) ? [] : list(l, 'concat'))),
  uniq: f1((v) => list(v, 'uniq').filter((x, i, all) => all.findIndex((y) => deepEqual(x, y)) === i)),
  compact: f1((v) => list(v, 'compact').filter((x) => !empty(x))),
  reverse: f1((v) => [...list(v, 'reverse')].reverse()),
  has: ([needle, hay]) => (isNil(hay) ? false : list(hay, 'has').some((x) => deepEqual(x, needle))),
  without: ([l, ...omit]) => list(l, 'without').filter((x) => !omit.some((o) => deepEqual(o, x))),
  // dicts
  dict: (a) => {
    const out: GoMap = {};
    for (let i = 0; i < a.length; i += 2) setKey(out, strval(a[i]), i + 1 < a.length ? a[i + 1] : '');
    return out;
  },
  get: ([d, k]) => {
    const m = map(d);
    return Object.hasOwn(m, str(k)) ? m[str(k)] : '';
  },
  set: ([d, k, v]) => {
    setKey(map(d), str(k), v);
    return d;
  },
  unset: ([d, k]) => {
    delete map(d)[str(k)];
    return d;
  },
  hasKey: ([d, k]) => Object.hasOwn(map(d), str(k)),
  keys: (a) => a.flatMap((d) => Object.keys(map(d))).sort(),
  values: ([d]) => {
    const m = map(d);
    return Object.keys(m).map((k) => m[k]);
  },
  pluck: ([k, ...ds]) =>
    ds
      .map(map)
      .filter((m) => Object.hasOwn(m, str(k)))
      .map((m) => m[str(k)]),
  pick: ([d, ...ks]) => {
    const m = map(d);
    const out: GoMap = {};
    for (const k of ks.map(str)) if (Object.hasOwn(m, k)) setKey(out, k, m[k]);
    return out;
  },
  omit: ([d, ...ks]) => {
    const m = map(d);
    const drop = new Set(ks.map(str));
    const out: GoMap = {};
    for (const k of Object.keys(m)) if (!drop.has(k)) setKey(out, k, m[k]);
    return out;
  },
  dig: (a) => {
    if (a.length < 3) throw new Error('dig needs at least three arguments');
    const dict = map(a[a.length - 1]);
    const def = a[a.length - 2];
    let cur: unknown = dict;
    for (const k of a.slice(0, -2).map(str)) {
      if (!isMap(cur) || !Object.hasOwn(cur, k)) return def;
      cur = cur[k];
    }
    return cur;
  },
  deepCopy: f1(deepCopy),
  merge: ([d, ...srcs]) => srcs.reduce<GoMap>((acc, s) => mergeInto(acc, map(s), false), map(d)),
  mergeOverwrite: ([d, ...srcs]) => srcs.reduce<GoMap>((acc, s) => mergeInto(acc, map(s), true), map(d)),
  // types
  kindOf: f1((v) => goKind(v)),
  kindIs: ([k, v]) => str(k) === goKind(v),
  typeOf: f1(typeOf),
  typeIs: ([t, v]) => str(t) === typeOf(v),
};

/** Go kinds for kindOf: template int literals are `int`, sprig results `int64`; we cannot tell them apart. */
function goKind(v: unknown): string {
  return isStringer(v) ? 'struct' : kindOf(v);
}

function trimCut(s: string, cut: string): string {
  const set = new Set([...cut]);
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  while (a < b && set.has(chars[a])) a++;
  while (b > a && set.has(chars[b - 1])) b--;
  return chars.slice(a, b).join('');
}

for (const name of [
  'append',
  'prepend',
  'first',
  'last',
  'rest',
  'initial',
  'uniq',
  'compact',
  'without',
  'has',
]) {
  const capital = name[0].toUpperCase() + name.slice(1);
  FUNCS[`must${capital}`] = FUNCS[name];
}
FUNCS.mustMerge = FUNCS.merge;
FUNCS.mustMergeOverwrite = FUNCS.mergeOverwrite;
FUNCS.mustDeepCopy = FUNCS.deepCopy;
FUNCS.mustRegexMatch = FUNCS.regexMatch;
FUNCS.mustRegexReplaceAll = FUNCS.regexReplaceAll;
FUNCS.mustFromJson = FUNCS.fromJson;
FUNCS.and = () => null; // evaluated lazily by the executor; listed so the parser knows the names
FUNCS.or = () => null;

export function builtinFuncs(): Map<string, TemplateFunc> {
  return new Map(Object.entries({ ...FUNCS, ...EXTRA_FUNCS, ...MORE_FUNCS }));
}
