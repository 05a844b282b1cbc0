/** Go template builtins, the sprig subset charts use, and helm's own functions. */
import { createHash } from 'node:crypto';
import semver from 'semver';
import { empty, f1, int, str, strslice, strval } from './args.ts';
import { FailError } from './errors.ts';
import type { TemplateFunc } from './exec.ts';
import { sprint, sprintf, sprintln } from './format.ts';
import { COLLECTION_FUNCS } from './functions-collections.ts';
import { EXTRA_FUNCS } from './functions-extra.ts';
import { MORE_FUNCS } from './functions-more.ts';
import { toJson, toYaml } from './serialize.ts';
import { floatToInt, type GoMap, i64, isMap, isNil, isStringer, kindOf, truth, typeOf } from './values.ts';
import { parseHelmYaml } from './yaml-load.ts';

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
  // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max cannot take
  max: ints((a, b) => (a > b ? a : b)),
  // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max cannot take
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
  ...COLLECTION_FUNCS,
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
