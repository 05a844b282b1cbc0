/**
 * sprig's date.go: now, date formatting with Go reference-time layouts, unixEpoch. Always UTC (the time
 * zone arguments are ignored); the others (dateModify, duration, ago, toDate, ...) are not implemented.
 */
import type { TemplateFunc } from '../exec.ts';
import type { Stringer } from '../values.ts';
import { str } from './args.ts';

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

/** sprig's date arguments: a time.Time or Unix seconds; ours also takes a parseable string. */
function toDate(v: unknown): Date {
  if (v instanceof GoTime) return v.date;
  if (typeof v === 'bigint' || typeof v === 'number') return new Date(Number(v) * 1000);
  if (typeof v === 'string') return new Date(v);
  return new Date();
}

export const DATE_FUNCS: Record<string, TemplateFunc> = {
  now: () => new GoTime(new Date()),
  unixEpoch: ([t]) => String(Math.floor(toDate(t).getTime() / 1000)),
  date: ([fmt, t]) => formatGoLayout(str(fmt), toDate(t)),
  dateInZone: ([fmt, t]) => formatGoLayout(str(fmt), toDate(t)),
  htmlDate: ([t]) => formatGoLayout('2006-01-02', toDate(t)),
};
