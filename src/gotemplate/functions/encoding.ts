/** sprig's base64/base32 encoders (strings.go there): text in, text out, decoded as UTF-8. */
import type { TemplateFunc } from '../exec.ts';
import { s1, str } from './args.ts';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** RFC 4648 base32 with padding (Go's base32.StdEncoding); Node's Buffer has no base32. */
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

export const ENCODING_FUNCS: Record<string, TemplateFunc> = {
  b64enc: s1((s) => Buffer.from(s, 'utf8').toString('base64')),
  b64dec: s1((s) => Buffer.from(s, 'base64').toString('utf8')),
  b32enc: ([s]) => b32enc(str(s)),
  b32dec: ([s]) => b32dec(str(s)),
};
