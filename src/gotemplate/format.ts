/** Go's fmt formatting of template values: %v, Sprint/Sprintln and a Sprintf subset. */
import { isMap, isNil, isStringer, sortedKeys, typeOf } from './values.ts';

/** strconv.FormatFloat(f, 'e', prec, 64); prec < 0 means shortest. */
export function formatExp(f: number, prec: number, upper = false): string {
  const s = prec < 0 ? f.toExponential() : f.toExponential(prec);
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s);
  if (!m) return s;
  const out = `${m[1]}e${m[2]}${m[3].padStart(2, '0')}`;
  return upper ? out.toUpperCase() : out;
}

function special(f: number): string | null {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Number.POSITIVE_INFINITY) return '+Inf';
  if (f === Number.NEGATIVE_INFINITY) return '-Inf';
  return null;
}

/** Splits |f| into significant digits (trailing zeros dropped) and decimal exponent. */
function digitsOf(f: number, sig: number | null): { digits: string; exp: number } {
  const [m, e] = (sig === null ? Math.abs(f).toExponential() : Math.abs(f).toExponential(sig - 1)).split('e');
  return { digits: m.replace('.', '').replace(/0+$/, '') || '0', exp: Number(e) };
}

function layout(neg: boolean, digits: string, exp: number, useExp: boolean): string {
  const sign = neg ? '-' : '';
  if (useExp) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** strconv.FormatFloat(f, 'g', prec, 64) for an explicit precision (%.3g). */
export function formatFloat(f: number, prec: number): string {
  const sp = special(f);
  if (sp) return sp;
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const p = prec === 0 ? 1 : prec;
  const { digits, exp } = digitsOf(f, p);
  let eprec = p;
  if (eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  return layout(f < 0, digits, exp, exp < -4 || exp >= eprec);
}

/** fmt's %v for float64: shortest digits, exponent form when exp < -4 || exp >= 6 (Go's eprec rule). */
export function formatFloatV(f: number): string {
  const sp = special(f);
  if (sp) return sp;
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const { digits, exp } = digitsOf(f, null);
  return layout(f < 0, digits, exp, exp < -4 || exp >= 6);
}

/** Go's %v of any template value (no "<no value>" handling; callers do that). */
export function formatV(v: unknown): string {
  if (isNil(v)) return '<nil>';
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'number':
      return formatFloatV(v);
    case 'function':
      return '0x1';
  }
  if (isStringer(v)) return v.goString();
  if (Array.isArray(v)) return `[${v.map((x) => formatV(x)).join(' ')}]`;
  if (v instanceof Uint8Array) return `[${Array.from(v).join(' ')}]`;
  if (isMap(v)) {
    return `map[${sortedKeys(v)
      .map((k) => `${k}:${formatV(v[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    if (i > 0 && typeof args[i] !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatV(args[i]);
  }
  return out;
}

export function sprintln(args: unknown[]): string {
  return `${args.map((a) => formatV(a)).join(' ')}\n`;
}

function quoteGo(s: string): string {
  // strconv.Quote: JSON escaping is close; Go does not escape '/' and prints non-ASCII printable as is.
  return JSON.stringify(s)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
    .replace(/\\u007f/g, '\\x7f');
}

function pad(s: string, width: number | null, minus: boolean, zero: boolean): string {
  if (width === null || s.length >= width) return s;
  if (minus) return s + ' '.repeat(width - s.length);
  if (zero) {
    const sign = /^[+-]/.test(s) ? s[0] : '';
    const body = sign ? s.slice(1) : s;
    return sign + '0'.repeat(width - s.length) + body;
  }
  return ' '.repeat(width - s.length) + s;
}

function bad(verb: string, v: unknown): string {
  if (isNil(v)) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeOf(v)}=${formatV(v)})`;
}

function fmtOne(verb: string, v: unknown, flags: string, prec: number | null): string {
  // Go applies the verb to each element of a container (except %v, whose output formatV handles).
  if (verb !== 'v' && verb !== 'T') {
    if (Array.isArray(v)) return `[${v.map((x) => fmtOne(verb, x, flags, prec)).join(' ')}]`;
    if (isMap(v))
      return `map[${sortedKeys(v)
        .map((k) => `${fmtOne(verb, k, flags, prec)}:${fmtOne(verb, v[k], flags, prec)}`)
        .join(' ')}]`;
  }
  const plus = flags.includes('+');
  const sharp = flags.includes('#');
  const withSign = (s: string, neg: boolean) =>
    neg ? s : plus ? `+${s}` : flags.includes(' ') ? ` ${s}` : s;
  switch (verb) {
    case 'v':
      if (sharp && typeof v === 'string') return quoteGo(v);
      if (plus && typeof v === 'number') return withSign(formatFloatV(v), v < 0);
      return formatV(v);
    case 's':
      if (typeof v === 'string') return prec === null ? v : [...v].slice(0, prec).join('');
      if (isStringer(v)) return v.goString();
      return bad(verb, v);
    case 'q':
      if (typeof v === 'string') return quoteGo(v);
      if (typeof v === 'bigint') return `'${String.fromCodePoint(Number(v))}'`;
      return bad(verb, v);
    case 'd':
      if (typeof v === 'bigint') return withSign(String(v), v < 0n);
      return bad(verb, v);
    case 'x':
    case 'X': {
      let s: string;
      if (typeof v === 'bigint') s = (v < 0n ? '-' : '') + (v < 0n ? -v : v).toString(16);
      else if (typeof v === 'string') s = Buffer.from(v, 'utf8').toString('hex');
      else return bad(verb, v);
      if (sharp) s = s.startsWith('-') ? `-0x${s.slice(1)}` : `0x${s}`;
      return verb === 'X' ? s.toUpperCase() : s;
    }
    case 'o':
      if (typeof v === 'bigint') return (sharp ? '0' : '') + v.toString(8);
      return bad(verb, v);
    case 'b':
      if (typeof v === 'bigint') return v.toString(2);
      return bad(verb, v);
    case 'c':
      if (typeof v === 'bigint') return String.fromCodePoint(Number(v));
      return bad(verb, v);
    case 't':
      if (typeof v === 'boolean') return String(v);
      return bad(verb, v);
    case 'T':
      return typeOf(v);
    case 'f':
    case 'F':
      if (typeof v === 'number') return withSign(special(v) ?? v.toFixed(prec ?? 6), v < 0);
      return bad(verb, v);
    case 'e':
    case 'E':
      if (typeof v === 'number') return withSign(special(v) ?? formatExp(v, prec ?? 6, verb === 'E'), v < 0);
      return bad(verb, v);
    case 'g':
    case 'G':
      if (typeof v === 'number') {
        const s = prec === null ? formatFloatV(v) : formatFloat(v, prec);
        return withSign(verb === 'G' ? s.toUpperCase() : s, v < 0);
      }
      return bad(verb, v);
    default:
      return `%!${verb}(${typeOf(v)}=${formatV(v)})`;
  }
}

/** fmt.Sprintf for the verbs templates use: v s q d x X o b c t T f F e E g G and %%. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  const re = /%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])?/gy;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    re.lastIndex = pct;
    const m = re.exec(format);
    if (!m) break;
    i = re.lastIndex;
    const [, flags, w, p, verb] = m;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!verb) {
      out += '%!(NOVERB)';
      continue;
    }
    let width: number | null = null;
    if (w === '*') width = Number(args[argi++] ?? 0);
    else if (w) width = Number(w);
    let prec: number | null = null;
    if (p === '*') prec = Number(args[argi++] ?? 0);
    else if (p !== undefined) prec = p === '' ? 0 : Number(p);
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const v = args[argi++];
    out += pad(fmtOne(verb, v, flags, prec), width, flags.includes('-'), flags.includes('0') && verb !== 's');
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => `${typeOf(a)}=${formatV(a)}`)
      .join(', ')})`;
  }
  return out;
}
