/**
 * `release` leaves no /tmp/vineyard-release-* directory behind: not when interrupted (SIGINT/SIGTERM),
 * and one left by a kill -9 is removed by a later run once its process is gone.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../src/util/temp-dir.ts';
import { CLI } from '../support/run.ts';

const PREFIX = 'vineyard-release-';

/** A PID that no process has right now: one of our own children, after it exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

describe('release scratch directories', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vineyard-tempdir-test-'));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`release interrupted by ${signal}: its scratch directory is gone, and it dies of the signal`, async () => {
      const tmp = path.join(root, signal);
      await mkdir(tmp);
      const child = spawn(process.execPath, [CLI, 'release', '--local', '--out', path.join(tmp, 'out')], {
        env: { ...process.env, TMPDIR: tmp },
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, sig) => resolve(sig)),
      );
      const scratch = async () => (await readdir(tmp)).filter((n) => n.startsWith(PREFIX));
      const deadline = Date.now() + 60_000;
      while ((await scratch()).length === 0) {
        if (Date.now() > deadline) throw new Error('release never created its scratch directory');
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill(signal);
      expect(await exited).toBe(signal);
      expect(await scratch()).toEqual([]);
    }, 90_000);
  }

  it('directories of dead processes (kill -9) are removed once old; live or young ones stay', async () => {
    const tmp = path.join(root, 'sweep');
    await mkdir(tmp);
    const dead = await deadPid();
    const old = new Date(Date.now() - 2 * 3_600_000);
    const dirs = {
      deadOld: `${PREFIX}${dead}-aB3dE6`,
      deadYoung: `${PREFIX}${dead}-Zz9yY8`,
      aliveOld: `${PREFIX}${process.pid}-Qq1wW2`,
      legacyOld: `${PREFIX}Xy12Ab`, // earlier versions: no PID in the name, removed after a day
      notOurs: 'vineyard-release-test-Ab12Cd',
    };
    for (const [key, name] of Object.entries(dirs)) {
      await mkdir(path.join(tmp, name));
      await writeFile(path.join(tmp, name, 'chart.tgz'), 'x');
      const when = key === 'legacyOld' ? new Date(Date.now() - 2 * 86_400_000) : old;
      if (key !== 'deadYoung') await utimes(path.join(tmp, name), when, when);
    }
    const made = await makeTempDir(PREFIX, tmp);
    try {
      expect(path.basename(made.path)).toMatch(new RegExp(`^${PREFIX}${process.pid}-`));
      const left = await readdir(tmp);
      expect(left).not.toContain(dirs.deadOld);
      expect(left).not.toContain(dirs.legacyOld);
      for (const keep of [dirs.deadYoung, dirs.aliveOld, dirs.notOurs]) expect(left).toContain(keep);
    } finally {
      await made.remove();
    }
    expect(existsSync(made.path)).toBe(false);
  });
});
