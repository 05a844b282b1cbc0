/**
 * Argument checks and adapters shared by the function files: Go's validateType messages (a Go function
 * declared `func(s string)` rejects a non-string before it runs), sprig's strval/empty/strslice.
 */
import type { TemplateFunc } from '../exec.ts';
import { formatV } from '../format.ts';
import { type GoMap, isMap, isNil, truth, typeOf } from '../values.ts';

/** Go's validateType for a `string` parameter. */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (isNil(v)) throw new Error('invalid value; expected string');
  throw new Error(`wrong type for value; expected string; got ${typeOf(v)}`);
}
/** Go's validateType for an `int` parameter (our bigints stand for int and int64 alike). */
export function int(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (isNil(v)) throw new Error('invalid value; expected int');
  throw new Error(`wrong type for value; expected int; got ${typeOf(v)}`);
}
export function map(v: unknown): GoMap {
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

/** sprig's empty. */
export function empty(v: unknown): boolean {
  return !truth(v);
}

/** sprig's strslice: a list's non-nil elements as strings, a scalar as a one-element list. */
export function strslice(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => !isNil(x)).map(strval);
  if (isNil(v)) return [];
  return [strval(v)];
}

/** A function of one argument. */
export const f1 =
  (fn: (a: unknown) => unknown): TemplateFunc =>
  (args) =>
    fn(args[0]);
/** A function of one string argument (Go's validateType on it). */
export const s1 =
  (fn: (a: string) => unknown): TemplateFunc =>
  (args) =>
    fn(str(args[0]));
/** A function of two string arguments. */
export const s2 =
  (fn: (a: string, b: string) => unknown): TemplateFunc =>
  (args) =>
    fn(str(args[0]), str(args[1]));
