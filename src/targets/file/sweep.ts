/**
 * Crash leftovers in a repository directory (stages, old temp files, the old lock file): removed once
 * they are older than the stale age. They never block anyone meanwhile: nothing waits on them, and
 * `serve` answers none of them (hidden, or not a chart repository file).
 */
import { lstat, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isLeftover } from './names.ts';

export async function sweepLeftovers(dir: string, maxAgeMs: number, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.filter(isLeftover)) {
    const file = path.join(dir, name);
    const info = await lstat(file).catch(() => null);
    if (!info?.isFile() || now - info.mtimeMs < maxAgeMs) continue;
    // best effort: another publisher may be sweeping the same file
    if (
      await unlink(file).then(
        () => true,
        () => false,
      )
    )
      removed.push(name);
  }
  return removed;
}
