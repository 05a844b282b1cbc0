/** Rarer sprig functions (paths, encodings, dates, semver objects) so arbitrary charts still parse. */
import { randomInt } from 'node:crypto';
import path from 'node:path';
import semver from 'semver';
import { int, str } from './args.ts';
import type { TemplateFunc } from './exec.ts';
import { toJson } from './serialize.ts';
import { isNil, type Stringer, typeOf } from './values.ts';

/** A time.Time stand-in (UTC): prints like Go's Time.String(). */
class GoTime implements Stringer {
  constructor(readonly date: Date) {}
  goString(): string {
    return `${formatGoLayout('2006-01-02 15:04:05.000000000 -0700 MST', this.date)}`;
  }
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Go reference-time layouts (the common tokens), always in UTC. */
function formatGoLayout(layout: string, d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const tokens: [string, () => string][] = [
    ['January', () => MONTHS[d.getUTCMonth()]],
    ['Monday', () => DAYS[d.getUTCDay()]],
    ['2006', () => String(d.getUTCFullYear())],
    ['.000000000', () => `.${String(d.getUTCMilliseconds()).padStart(3, '0')}000000`],
    ['.000000', () => `.${String(d.getUTCMilliseconds()).padStart(3, '0')}000`],
    ['.000', () => `.${String(d.getUTCMilliseconds()).padStart(3, '0')}`],
    ['-07:00', () => '+00:00'],
    ['-0700', () => '+0000'],
    ['Z07:00', () => 'Z'],
    ['Jan', () => MONTHS[d.getUTCMonth()].slice(0, 3)],
    ['Mon', () => DAYS[d.getUTCDay()].slice(0, 3)],
    ['MST', () => 'UTC'],
    ['01', () => p2(d.getUTCMonth() + 1)],
    ['02', () => p2(d.getUTCDate())],
    ['15', () => p2(d.getUTCHours())],
    ['03', () => p2(d.getUTCHours() % 12 || 12)],
    ['04', () => p2(d.getUTCMinutes())],
    ['05', () => p2(d.getUTCSeconds())],
    ['06', () => p2(d.getUTCFullYear() % 100)],
    ['PM', () => (d.getUTCHours() >= 12 ? 'PM' : 'AM')],
  ];
  let out = '';
  let i = 0;
  outer: while (i < layout.length) {
    for (const [tok, f] of tokens) {
      if (layout.startsWith(tok, i)) {
        out += f();
        i += tok.length;
        continue outer;
      }
    }
    out += layout[i++];
  }
  return out;
}

function toDate(v: unknown): Date {
  if (v instanceof GoTime) return v.date;
  if (typeof v === 'bigint' || typeof v === 'number') return new Date(Number(v) * 1000);
  if (typeof v === 'string') return new Date(v);
  return new Date();
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function b32enc(s: string): string {
  let bits = '';
  for (const b of Buffer.from(s, 'utf8')) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5)
    out += B32[Number.parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out.padEnd(Math.ceil(out.length / 8) * 8, '=');
}
function b32dec(s: string): string {
  let bits = '';
  for (const c of s.replace(/=+$/, '')) bits += B32.indexOf(c).toString(2).padStart(5, '0');
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(Number.parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes).toString('utf8');
}

export const MORE_FUNCS: Record<string, TemplateFunc> = {
  base: ([s]) => path.posix.basename(str(s)) || '.',
  dir: ([s]) => path.posix.dirname(str(s)),
  ext: ([s]) => path.posix.extname(str(s)),
  clean: ([s]) => path.posix.normalize(str(s)).replace(/(.)\/$/, '$1'),
  isAbs: ([s]) => str(s).startsWith('/'),
  b32enc: ([s]) => b32enc(str(s)),
  b32dec: ([s]) => b32dec(str(s)),
  toDecimal: ([v]) => {
    const s = String(v);
    return /^[0-7]+$/.test(s) ? BigInt(`0o${s}`) : 0n;
  },
  round: ([v, p]) => {
    const places = isNil(p) ? 0 : int(p);
    const f = 10 ** places;
    return Math.round(Number(v) * f) / f;
  },
  randInt: ([a, b]) => BigInt(randomInt(int(a), int(b))),
  shuffle: ([s]) =>
    [...str(s)]
      .map((c) => [randomInt(1 << 30), c] as const)
      .sort((x, y) => x[0] - y[0])
      .map(([, c]) => c)
      .join(''),
  splitn: ([sep, n, s]) => {
    const parts = str(s).split(str(sep));
    const k = int(n);
    const head =
      k > 0 && parts.length > k ? [...parts.slice(0, k - 1), parts.slice(k - 1).join(str(sep))] : parts;
    return Object.fromEntries(head.map((x, i) => [`_${i}`, x]));
  },
  fromJsonArray: ([s]) => {
    try {
      const v = JSON.parse(str(s)) as unknown;
      return Array.isArray(v) ? v : [];
    } catch {
      return [];
    }
  },
  mustToPrettyJson: ([v]) => toJson(v, '  '),
  typeIsLike: ([t, v]) => {
    const ty = typeOf(v);
    return str(t) === ty || str(t) === `*${ty}`;
  },
  semver: ([s]) => {
    const v = semver.parse(str(s), { loose: true });
    if (!v) throw new Error('Invalid Semantic Version');
    return {
      Major: BigInt(v.major),
      Minor: BigInt(v.minor),
      Patch: BigInt(v.patch),
      Prerelease: v.prerelease.join('.'),
      Metadata: v.build.join('.'),
      Original: str(s),
    };
  },
  now: () => new GoTime(new Date()),
  unixEpoch: ([t]) => String(Math.floor(toDate(t).getTime() / 1000)),
  date: ([fmt, t]) => formatGoLayout(str(fmt), toDate(t)),
  dateInZone: ([fmt, t]) => formatGoLayout(str(fmt), toDate(t)),
  htmlDate: ([t]) => formatGoLayout('2006-01-02', toDate(t)),
  urlParse: ([s]) => {
    const u = new URL(str(s));
    return {
      scheme: u.protocol.replace(/:$/, ''),
      host: u.host,
      hostname: u.hostname,
      path: u.pathname,
      query: u.search.replace(/^\?/, ''),
      opaque: '',
      fragment: u.hash.replace(/^#/, ''),
      userinfo: u.username ? `${u.username}${u.password ? `:${u.password}` : ''}` : '',
    };
  },
};
