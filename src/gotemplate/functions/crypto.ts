/**
 * sprig's crypto.go: hash sums and uuidv4. Not implemented: bcrypt, htpasswd,
 * derivePassword, the gen* certificate/key functions, encryptAES/decryptAES, randBytes.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { TemplateFunc } from '../exec.ts';
import { s1, str } from './args.ts';

/** hash/adler32, which Node's crypto does not offer. */
function adler32(s: string): number {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(s, 'utf8')) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

export const CRYPTO_FUNCS: Record<string, TemplateFunc> = {
  sha1sum: s1((s) => createHash('sha1').update(s, 'utf8').digest('hex')),
  sha256sum: s1((s) => createHash('sha256').update(s, 'utf8').digest('hex')),
  sha512sum: ([s]) => createHash('sha512').update(str(s), 'utf8').digest('hex'),
  adler32sum: ([s]) => String(adler32(str(s))),
  uuidv4: () => randomUUID(),
};
