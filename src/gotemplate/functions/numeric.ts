/**
 * sprig's numeric.go: conversions (int, float64, atoi, toDecimal), integer and float arithmetic,
 * until/untilStep/seq. Integer results are int64 bigints that wrap like Go's.
 */
import { randomInt } from 'node:crypto';
import type { TemplateFunc } from '../exec.ts';
import { floatToInt, i64, isNil } from '../values.ts';
import { f1, int, s1 } from './args.ts';

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

/** spf13/cast ToFloat64. */
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

/** sprig's variadic integer ops: every argument through toInt64, folded left, wrapped to int64. */
const ints =
  (fn: (a: bigint, b: bigint) => bigint): TemplateFunc =>
  (args) =>
    args.map(toInt64).reduce((a, b) => i64(fn(a, b)));
/** The float64 counterpart (addf, maxf, ...). */
const floats =
  (fn: (a: number, b: number) => number): TemplateFunc =>
  (args) =>
    args.map(toFloat64).reduce(fn);

export const NUMERIC_FUNCS: Record<string, TemplateFunc> = {
  int: f1((v) => toInt64(v)),
  int64: f1((v) => toInt64(v)),
  float64: f1(toFloat64),
  atoi: s1((s) => toInt64(s)),
  toDecimal: ([v]) => {
    const s = String(v);
    return /^[0-7]+$/.test(s) ? BigInt(`0o${s}`) : 0n;
  },
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
  round: ([v, p]) => {
    const places = isNil(p) ? 0 : int(p);
    const f = 10 ** places;
    return Math.round(Number(v) * f) / f;
  },
  randInt: ([a, b]) => BigInt(randomInt(int(a), int(b))),
  until: ([n]) => Array.from({ length: Math.max(0, int(n)) }, (_x, i) => BigInt(i)),
  untilStep: ([a, b, c]) => {
    const out: bigint[] = [];
    const [start, stop, step] = [int(a), int(b), int(c)];
    if (step > 0) for (let i = start; i < stop; i += step) out.push(BigInt(i));
    if (step < 0) for (let i = start; i > stop; i += step) out.push(BigInt(i));
    return out;
  },
  // Like GNU seq: `seq 3` → "1 2 3", `seq 2 5`, `seq 0 2 10`; a string, not a list.
  seq: (a) => {
    const n = a.map(int);
    const [start, step, end] =
      n.length === 1 ? [1, 1, n[0]] : n.length === 2 ? [n[0], 1, n[1]] : [n[0], n[1], n[2]];
    const out: number[] = [];
    if (step > 0) for (let i = start; i <= end; i += step) out.push(i);
    if (step < 0) for (let i = start; i >= end; i += step) out.push(i);
    return out.join(' ');
  },
};
