/** Less common builtins and sprig string helpers, kept apart from functions.ts to keep files small. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { int, str } from './args.ts';
import type { TemplateFunc } from './exec.ts';
import { sprint } from './format.ts';
import { typeOf } from './values.ts';

/** Go's html/js/urlquery builtins take their arguments through fmt.Sprint unless given one string. */
function textOf(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args);
}

function words(s: string): string[] {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_\-.]+/)
    .filter(Boolean);
}

function random(n: number, alphabet: string): string {
  return Array.from(randomBytes(Math.max(0, n)), (b) => alphabet[b % alphabet.length]).join('');
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function adler32(s: string): number {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(s, 'utf8')) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

export const EXTRA_FUNCS: Record<string, TemplateFunc> = {
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
  slice: ([item, ...idx]) => {
    const n = idx.map(int);
    if (typeof item === 'string') return item.slice(n[0] ?? 0, n[1] ?? item.length);
    if (!Array.isArray(item)) throw new Error(`can't slice item of type ${typeOf(item)}`);
    return item.slice(n[0] ?? 0, n[1] ?? item.length);
  },
  camelcase: ([s]) =>
    words(str(s))
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join(''),
  snakecase: ([s]) =>
    words(str(s))
      .map((w) => w.toLowerCase())
      .join('_'),
  kebabcase: ([s]) =>
    words(str(s))
      .map((w) => w.toLowerCase())
      .join('-'),
  untitle: ([s]) => str(s).replace(/(^|\s)(\S)/g, (_m, p: string, c: string) => p + c.toLowerCase()),
  swapcase: ([s]) =>
    [...str(s)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  abbrev: ([w, s]) => {
    const width = int(w);
    const v = str(s);
    if (width < 4 || v.length <= width) return v;
    return `${v.slice(0, width - 3)}...`;
  },
  initials: ([s]) =>
    str(s)
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => w[0])
      .join(''),
  plural: ([one, many, n]) => (int(n) === 1 ? str(one) : str(many)),
  wrap: ([w, s]) => {
    const width = int(w);
    const out: string[] = [];
    for (const line of str(s).split('\n')) {
      let cur = '';
      for (const word of line.split(' ')) {
        if (cur && cur.length + 1 + word.length > width) {
          out.push(cur);
          cur = word;
        } else cur = cur ? `${cur} ${word}` : word;
      }
      out.push(cur);
    }
    return out.join('\n');
  },
  tuple: (a) => [...a],
  chunk: ([size, l]) => {
    const n = int(size);
    if (!Array.isArray(l)) throw new Error(`Cannot chunk type ${typeOf(l)}`);
    const out: unknown[][] = [];
    for (let i = 0; i < l.length; i += n) out.push(l.slice(i, i + n));
    return out;
  },
  seq: (a) => {
    const n = a.map(int);
    const [start, step, end] =
      n.length === 1 ? [1, 1, n[0]] : n.length === 2 ? [n[0], 1, n[1]] : [n[0], n[1], n[2]];
    const out: number[] = [];
    if (step > 0) for (let i = start; i <= end; i += step) out.push(i);
    if (step < 0) for (let i = start; i >= end; i += step) out.push(i);
    return out.join(' ');
  },
  sha512sum: ([s]) => createHash('sha512').update(str(s), 'utf8').digest('hex'),
  adler32sum: ([s]) => String(adler32(str(s))),
  randAlpha: ([n]) => random(int(n), ALNUM.slice(0, 52)),
  randNumeric: ([n]) => random(int(n), '0123456789'),
  randAlphaNum: ([n]) => random(int(n), ALNUM),
  randAscii: ([n]) =>
    random(int(n), Array.from({ length: 94 }, (_x, i) => String.fromCharCode(33 + i)).join('')),
  uuidv4: () => randomUUID(),
};
