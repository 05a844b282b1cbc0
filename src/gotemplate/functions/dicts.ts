/** sprig's dict.go: building, reading and changing map[string]interface{} values, deep copies, merging. */
import type { TemplateFunc } from '../exec.ts';
import { deepCopy, type GoMap, isMap, setKey } from '../values.ts';
import { empty, f1, map, str, strval } from './args.ts';

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

const deepCopyFunc = f1(deepCopy);
const merge: TemplateFunc = ([d, ...srcs]) =>
  srcs.reduce<GoMap>((acc, s) => mergeInto(acc, map(s), false), map(d));
const mergeOverwrite: TemplateFunc = ([d, ...srcs]) =>
  srcs.reduce<GoMap>((acc, s) => mergeInto(acc, map(s), true), map(d));

export const DICT_FUNCS: Record<string, TemplateFunc> = {
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
  deepCopy: deepCopyFunc,
  merge,
  mergeOverwrite,
  // sprig's must variants return an error where the others panic; both throw here, so they are the same.
  mustDeepCopy: deepCopyFunc,
  mustMerge: merge,
  mustMergeOverwrite: mergeOverwrite,
};
