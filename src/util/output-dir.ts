/**
 * Output directories, checked before anything is built or written: a directory that cannot be created
 * (a path under a regular file, a read-only file system, no permission) is one InputError naming the
 * path and what was expected, never an `ENOTDIR` stack trace after half the work is done.
 *
 * `mkdir -p` is done by hand: Node's `mkdir({ recursive: true })` spins forever on some paths that
 * cannot be created (`/proc/x`: ENOENT although the parent exists).
 */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.ts';

const REASONS: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  ENOENT: 'cannot be created there',
  ENOTDIR: 'not a directory',
};

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return REASONS[code] ?? (code || String(err));
}

/** The nearest path at or above `dir` that exists, and what it is. */
async function nearestExisting(dir: string): Promise<{ at: string; isDir: boolean }> {
  let at = dir;
  for (;;) {
    try {
      const st = await stat(at);
      return { at, isDir: st.isDirectory() };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a component above is a file; keep walking up to name it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new InputError(at, '', reason(err));
      const parent = path.dirname(at);
      if (parent === at) return { at, isDir: false };
      at = parent;
    }
  }
}

/**
 * Throws an InputError unless `dir` is a directory we can write into, or can be created as one.
 * `what` says what the directory is for, e.g. `--out: expected a directory for the packages`.
 */
export async function checkOutputDir(dir: string, what: string): Promise<void> {
  const abs = path.resolve(dir);
  const { at, isDir } = await nearestExisting(abs);
  if (!isDir) {
    const detail = at === abs ? 'exists and is not a directory' : `${at} is not a directory`;
    throw new InputError(dir, '', `${detail}; ${what}`);
  }
  try {
    await access(at, constants.W_OK);
  } catch (err) {
    throw new InputError(dir, '', `${at === abs ? '' : `${at}: `}${reason(err)}; ${what}`);
  }
}

/** `mkdir -p dir` after `checkOutputDir`, with the same one-line errors. */
export async function ensureOutputDir(dir: string, what: string): Promise<void> {
  await checkOutputDir(dir, what);
  const abs = path.resolve(dir);
  const missing: string[] = [];
  for (let at = abs; ; at = path.dirname(at)) {
    try {
      if ((await stat(at)).isDirectory()) break;
    } catch {
      // not there yet
    }
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const d of missing) {
    try {
      await mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(d)).isDirectory()) continue;
      throw new InputError(dir, '', `${d === abs ? '' : `${d}: `}${reason(err)}; ${what}`);
    }
  }
}
