/** sprig's list and dict functions. */
import { empty, f1, map, str, strval } from './args.ts';
import type { TemplateFunc } from './exec.ts';
import { deepCopy, type GoMap, isMap, isNil, setKey, typeOf } from './values.ts';

function list(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Uint8Array) return Array.from(v, (b) => BigInt(b));
  throw new Error(`Cannot ${fn} on type ${typeOf(v)}`);
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

export const COLLECTION_FUNCS: Record<string, TemplateFunc> = {
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
};
