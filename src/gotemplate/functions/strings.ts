/** sprig's strings.go: case, trimming, quoting, splitting/joining, indenting, random strings. */
import { randomBytes, randomInt } from 'node:crypto';
import type { TemplateFunc } from '../exec.ts';
import { type GoMap, isNil } from '../values.ts';
import { f1, int, s1, s2, str, strslice, strval } from './args.ts';

/** Go's strings.Title: upper-case the first letter of every word. */
function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

/** Go's strings.Trim: cut any of `cut`'s characters (code points, not bytes) from both ends. */
function trimCut(s: string, cut: string): string {
  const set = new Set([...cut]);
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  while (a < b && set.has(chars[a])) a++;
  while (b > a && set.has(chars[b - 1])) b--;
  return chars.slice(a, b).join('');
}

function indent(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return pad + s.replace(/\n/g, `\n${pad}`);
}

/** Word boundaries for camelcase/snakecase/kebabcase: separators and lower→upper case changes. */
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

export const STRING_FUNCS: Record<string, TemplateFunc> = {
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
  untitle: ([s]) => str(s).replace(/(^|\s)(\S)/g, (_m, p: string, c: string) => p + c.toLowerCase()),
  swapcase: ([s]) =>
    [...str(s)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
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
  trim: s1((s) => s.trim()),
  // sprig swaps Go's argument order so `"$x" | trimAll "$"` reads naturally; likewise below.
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
  // split/splitn return a map {_0: ..., _1: ...} (so `(split "/" .x)._1` works), splitList a list.
  split: ([sep, s]) => {
    const out: GoMap = {};
    str(s)
      .split(str(sep))
      .forEach((p, i) => {
        out[`_${i}`] = p;
      });
    return out;
  },
  splitn: ([sep, n, s]) => {
    const parts = str(s).split(str(sep));
    const k = int(n);
    const head =
      k > 0 && parts.length > k ? [...parts.slice(0, k - 1), parts.slice(k - 1).join(str(sep))] : parts;
    return Object.fromEntries(head.map((x, i) => [`_${i}`, x]));
  },
  splitList: ([sep, s]) => str(s).split(str(sep)),
  sortAlpha: f1((v) => strslice(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))),
  shuffle: ([s]) =>
    [...str(s)]
      .map((c) => [randomInt(1 << 30), c] as const)
      .sort((x, y) => x[0] - y[0])
      .map(([, c]) => c)
      .join(''),
  randAlpha: ([n]) => random(int(n), ALNUM.slice(0, 52)),
  randNumeric: ([n]) => random(int(n), '0123456789'),
  randAlphaNum: ([n]) => random(int(n), ALNUM),
  randAscii: ([n]) =>
    random(int(n), Array.from({ length: 94 }, (_x, i) => String.fromCharCode(33 + i)).join('')),
};
