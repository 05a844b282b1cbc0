/** sprig's list.go: list construction and access, set-like operations, chunking. */
import type { TemplateFunc } from '../exec.ts';
import { isMap, isNil, typeOf } from '../values.ts';
import { empty, f1, int } from './args.ts';

/** A list argument; sprig also accepts []byte, whose elements are numbers. */
function list(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Uint8Array) return Array.from(v, (b) => BigInt(b));
  throw new Error(`Cannot ${fn} on type ${typeOf(v)}`);
}

/** reflect.DeepEqual over our value model (uniq, has and without compare this way). */
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

const LIST_FUNCS_BASE: Record<string, TemplateFunc> = {
  list: (a) => [...a],
  tuple: (a) => [...a],
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
  chunk: ([size, l]) => {
    const n = int(size);
    if (!Array.isArray(l)) throw new Error(`Cannot chunk type ${typeOf(l)}`);
    const out: unknown[][] = [];
    for (let i = 0; i < l.length; i += n) out.push(l.slice(i, i + n));
    return out;
  },
};

/** sprig's mustX variants return an error where X panics; ours already throw, so they are the same. */
const MUST = ['append', 'prepend', 'first', 'last', 'rest', 'initial', 'uniq', 'compact', 'without', 'has'];

export const LIST_FUNCS: Record<string, TemplateFunc> = {
  ...LIST_FUNCS_BASE,
  ...Object.fromEntries(MUST.map((n) => [`must${n[0].toUpperCase()}${n.slice(1)}`, LIST_FUNCS_BASE[n]])),
};
