/**
 * Go text/template's own builtins (text/template/funcs.go), not sprig's: and/or/not, len, index, slice,
 * the comparisons, print/printf/println, call and the html/js/urlquery escapers.
 */
import type { TemplateFunc } from '../exec.ts';
import { sprint, sprintf, sprintln } from '../format.ts';
import { isMap, isNil, truth, typeOf } from '../values.ts';
import { f1, int, str } from './args.ts';

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

/** Go's html/js/urlquery builtins take their arguments through fmt.Sprint unless given one string. */
function textOf(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args);
}

export const GO_BUILTIN_FUNCS: Record<string, TemplateFunc> = {
  // and/or short-circuit, so the executor evaluates them itself; listed so the parser knows the names.
  and: () => null,
  or: () => null,
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
  // Go's slice (strings and lists). Under helm, sprig's `slice` (lists only) replaces it; ours keeps Go's.
  slice: ([item, ...idx]) => {
    const n = idx.map(int);
    if (typeof item === 'string') return item.slice(n[0] ?? 0, n[1] ?? item.length);
    if (!Array.isArray(item)) throw new Error(`can't slice item of type ${typeOf(item)}`);
    return item.slice(n[0] ?? 0, n[1] ?? item.length);
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
  html: (a) =>
    textOf(a).replace(/[&'<>"\0]/g, (c) =>
      c === '&'
        ? '&amp;'
        : c === "'"
          ? '&#39;'
          : c === '<'
            ? '&lt;'
            : c === '>'
              ? '&gt;'
              : c === '"'
                ? '&#34;'
                : '\uFFFD',
    ),
  js: (a) =>
    textOf(a).replace(/[\\'"<>&=]/g, (c) =>
      c === '\\' || c === "'" || c === '"' ? `\\${c}` : `\\u00${c.charCodeAt(0).toString(16).toUpperCase()}`,
    ),
  urlquery: (a) =>
    Array.from(Buffer.from(textOf(a), 'utf8'), (b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
      if (c === ' ') return '+';
      return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }).join(''),
};
