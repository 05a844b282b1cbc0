/** sprig's path functions: Go's path package, always slash-separated (the os* filepath ones are absent). */
import path from 'node:path';
import type { TemplateFunc } from '../exec.ts';
import { str } from './args.ts';

export const PATH_FUNCS: Record<string, TemplateFunc> = {
  base: ([s]) => path.posix.basename(str(s)) || '.',
  dir: ([s]) => path.posix.dirname(str(s)),
  ext: ([s]) => path.posix.extname(str(s)),
  clean: ([s]) => path.posix.normalize(str(s)).replace(/(.)\/$/, '$1'),
  isAbs: ([s]) => str(s).startsWith('/'),
};
