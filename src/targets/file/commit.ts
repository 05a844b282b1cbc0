/**
 * The compare-and-swap of one object in a directory, without a lock. The argument for why it never
 * loses a committed write is at the top of ../file.ts; this file only does the steps, in this order,
 * which the argument depends on:
 *   1. write the new content to a fresh stage file (O_EXCL, fsync) named after the version it expects;
 *   2. compare: the object's current content (MD5) is the expected one;
 *   3. rename the stage over the object (fails with ENOENT if someone revoked the stage meanwhile);
 *   4. fsync the directory, then revoke every stage of this object built on anything but what we wrote;
 *   5. verify: the object is still our inode (held open since step 1, so that its number cannot have
 *      been reused by another file meanwhile). Only then is the write reported as committed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type FileHandle, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { testPause } from '../tuning.ts';
import { type Base, parseStageName, stageName } from './names.ts';

export type Expectation = { kind: 'match'; md5: string } | { kind: 'absent' } | { kind: 'any' };

/** `precondition`: the object is not the expected version; `conflict`: another writer got in between. */
export type CommitOutcome = 'committed' | 'precondition' | 'conflict';

export function md5Hex(body: Buffer): string {
  return createHash('md5').update(body).digest('hex');
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

async function currentMd5(file: string): Promise<string | null> {
  try {
    return md5Hex(await readFile(file));
  } catch (err) {
    if (code(err) === 'ENOENT') return null;
    throw err;
  }
}

async function matches(file: string, expect: Expectation): Promise<boolean> {
  if (expect.kind === 'any') return true;
  const current = await currentMd5(file);
  return expect.kind === 'absent' ? current === null : current === expect.md5;
}

interface Stage {
  /** Kept open until the commit is decided: an open inode is never freed, so its number is never reused. */
  handle: FileHandle;
  dev: bigint;
  ino: bigint;
}

/** Creates `stage` with exactly `body`, durably, and keeps it open. */
async function writeStage(stage: string, body: Buffer): Promise<Stage> {
  const handle = await open(stage, 'wx', 0o644);
  try {
    await handle.writeFile(body);
    await handle.sync();
    const { dev, ino } = await handle.stat({ bigint: true });
    return { handle, dev, ino };
  } catch (err) {
    await handle.close();
    await unlink(stage).catch(() => undefined);
    throw err;
  }
}

/** Makes a rename in `dir` durable (power loss after we report success must not undo it). */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes every stage of `target` in `dir` that was built on another version than `keep`. */
async function revokeOthers(dir: string, target: string, keep: Base): Promise<void> {
  for (const name of await readdir(dir)) {
    const stage = parseStageName(name);
    if (stage?.target === target && stage.base !== keep) {
      await unlink(path.join(dir, name)).catch((err) => {
        if (code(err) !== 'ENOENT') throw err;
      });
    }
  }
}

export async function commit(file: string, body: Buffer, expect: Expectation): Promise<CommitOutcome> {
  const dir = path.dirname(file);
  const target = path.basename(file);
  const base: Base = expect.kind === 'match' ? expect.md5 : expect.kind === 'absent' ? 'none' : 'any';
  const stage = path.join(dir, stageName({ base, token: randomBytes(8).toString('hex'), target }));
  const ours = await writeStage(stage, body);
  let renamed = false;
  try {
    if (!(await matches(file, expect))) return 'precondition';
    testPause('commit', target);
    try {
      await rename(stage, file);
    } catch (err) {
      if (code(err) === 'ENOENT') return 'conflict'; // revoked: a newer version was committed
      throw err;
    }
    renamed = true;
    await syncDir(dir);
    await revokeOthers(dir, target, md5Hex(body));
    const now = await stat(file, { bigint: true }).catch(() => null);
    return now?.dev === ours.dev && now.ino === ours.ino ? 'committed' : 'conflict';
  } finally {
    await ours.handle.close();
    if (!renamed) await unlink(stage).catch(() => undefined);
  }
}
