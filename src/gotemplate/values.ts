/**
 * The value model. Go types are mapped onto JS like this:
 *   nil -> null (undefined is treated the same), string -> string, bool -> boolean,
 *   int/int64 -> bigint (template int literals, `len`, `int`, `add`, ... and `--set` style ints),
 *   float64 -> number (everything helm reads from a values/Chart YAML file is float64),
 *   []interface{} -> Array, map[string]interface{} -> plain object,
 *   objects with a `goString` method print through it (e.g. .Capabilities.KubeVersion),
 *   a JS function stored in a map is a method: `.Capabilities.APIVersions.Has "x"` calls it.
 * Keeping ints and floats apart is what makes `{{ 1000000 }}` print `1000000` but a values-file
 * 1000000 print `1e+06`, exactly like helm.
 */
export type GoMap = Record<string, unknown>;

export function isMap(v: unknown): v is GoMap {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !isStringer(v)
  );
}

export interface Stringer {
  goString(): string;
}
export function isStringer(v: unknown): v is Stringer {
  return typeof v === 'object' && v !== null && typeof (v as Partial<Stringer>).goString === 'function';
}

export function isNil(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

/** Go's reflect kind names, as sprig's kindOf reports them. */
export function kindOf(v: unknown): string {
  if (isNil(v)) return 'invalid';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int'; // sprig's math results are int64 in Go; we cannot tell them apart (see README note)
    case 'number':
      return 'float64';
    case 'function':
      return 'func';
  }
  if (Array.isArray(v)) return 'slice';
  if (v instanceof Uint8Array) return 'slice';
  if (isStringer(v)) return 'struct';
  return 'map';
}

/** Go's %T names. */
export function typeOf(v: unknown): string {
  if (isNil(v)) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Uint8Array) return '[]uint8';
  const k = kindOf(v);
  if (k === 'map') return 'map[string]interface {}';
  return k;
}

/** Go template truthiness. */
export function truth(v: unknown): boolean {
  if (isNil(v)) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'boolean':
      return v;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0;
    case 'function':
      return true;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Uint8Array) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

export function sortedKeys(m: GoMap): string[] {
  return Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** int64 wrap-around like Go. */
export function i64(n: bigint): bigint {
  return BigInt.asIntN(64, n);
}

/** Go's float64 -> int64 conversion (truncation). */
export function floatToInt(f: number): bigint {
  if (!Number.isFinite(f)) return -(2n ** 63n);
  return i64(BigInt(Math.trunc(f)));
}

/** Sets a map key as an own property, even `__proto__` (a plain assignment would change the prototype). */
export function setKey(m: GoMap, k: string, v: unknown): void {
  Object.defineProperty(m, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/** Deep copy of plain data (maps, lists, scalars); functions and stringers are shared. */
export function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isMap(v)) {
    const out: GoMap = {};
    for (const [k, x] of Object.entries(v)) setKey(out, k, deepCopy(x));
    return out as T;
  }
  return v;
}
