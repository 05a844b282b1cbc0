/**
 * Everyday mistakes end in one line naming the path and what was expected, with the documented exit
 * code, and nothing half-written (issue 14, item 1). No stack traces, no "internal error".
 * A closed stdout (`| head`): epipe.test.ts.
 *
 * Read-only directories: we run as root here, and root writes through chmod 0555, so the read-only case
 * mounts a read-only tmpfs (EROFS) when it can (root), else uses chmod (non-root, where it works).
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type RunResult } from '../support/run.ts';

let work: string;
let file: string;
let readOnly: string;
let mounted = false;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'vineyard-cli-errors-'));
  file = path.join(work, 'a-file');
  await writeFile(file, 'not a directory\n');
  readOnly = path.join(work, 'read-only');
  await mkdir(readOnly);
  if (process.getuid?.() === 0) {
    const res = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', readOnly]);
    mounted = res.status === 0;
    if (!mounted) throw new Error(`cannot mount a read-only tmpfs as root: ${res.stderr}`);
  } else {
    await chmod(readOnly, 0o555);
  }
});

afterAll(async () => {
  if (mounted) spawnSync('umount', [readOnly]);
  await chmod(readOnly, 0o755).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

/** One `error: ...` line on stderr, nothing else, and the expected exit code. */
function expectOneLine(res: RunResult, code: number, ...parts: string[]): void {
  expect(res.code, res.stderr).toBe(code);
  expect(res.stderr).not.toMatch(/internal error|\n\s+at /);
  const lines = res.stderr.trimEnd().split('\n');
  expect(lines, res.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  for (const p of parts) expect(lines[0]).toContain(p);
}

describe('one-line errors for everyday mistakes', () => {
  it('package /nonexistent: usage error (exit 2) naming the path', async () => {
    const res = await cli(['package', '/nonexistent']);
    expectOneLine(res, 2, '/nonexistent', 'no such chart directory');
  });

  it('render --src /nonexistent: exit 1, expected chart sources', async () => {
    const out = path.join(work, 'render-out');
    const res = await cli(['render', '--src', '/nonexistent', '--out', out]);
    expectOneLine(res, 1, '/nonexistent', 'expected chart sources');
    expect(await readdir(work)).not.toContain('render-out');
  });

  it('render --out under a regular file: exit 1, names the file, writes nothing', async () => {
    const res = await cli(['render', '--out', path.join(file, 'out')]);
    expectOneLine(res, 1, `${file} is not a directory`, 'rendered charts');
  });

  it('package -d/--out under a regular file: exit 1 before anything is built', async () => {
    for (const flag of ['--out', '-d']) {
      const res = await cli(['package', 'charts-out/vineyard', flag, path.join(file, 'pkgs')]);
      expectOneLine(res, 1, `${file} is not a directory`, 'packages');
    }
  });

  it('package and render into a read-only directory: exit 1, "read-only" / "permission denied"', async () => {
    const reason = mounted ? 'read-only file system' : 'permission denied';
    const pkg = await cli(['package', 'charts-out/vineyard', '--out', path.join(readOnly, 'pkgs')]);
    expectOneLine(pkg, 1, readOnly, reason);
    const render = await cli(['render', '--out', path.join(readOnly, 'out')]);
    expectOneLine(render, 1, readOnly, reason);
    expect(await readdir(readOnly)).toEqual([]);
  });

  it('package --out a path that cannot be created (/proc/x): one line, no hang', async () => {
    const res = await cli(['package', 'charts-out/vineyard', '--out', '/proc/vineyard-charts-test'], {
      timeoutMs: 30_000,
    });
    expectOneLine(res, 1, '/proc/vineyard-charts-test', 'cannot be created');
  });

  it('release --to file://<under a file>: exit 1 before rendering, nothing written', async () => {
    const out = path.join(work, 'release-out');
    const res = await cli(['release', '--to', `file://${path.join(file, 'repo')}`, '--out', out]);
    expectOneLine(res, 1, `${file} is not a directory`, 'chart repository directory');
    expect(await readdir(work)).not.toContain('release-out');
    const dry = await cli(['release', '--dry-run', '--to', `file://${path.join(file, 'repo')}`]);
    expectOneLine(dry, 1, `${file} is not a directory`);
  });

  it('release --out under a file and publish --to file://<under a file>: exit 1', async () => {
    const res = await cli([
      'release',
      '--to',
      `file://${path.join(work, 'repo')}`,
      '--out',
      path.join(file, 'o'),
    ]);
    expectOneLine(res, 1, `${file} is not a directory`, '--out');
    const pub = await cli(['publish', '--to', `file://${path.join(file, 'repo')}`, 'x.tgz']);
    expectOneLine(pub, 1, `${file} is not a directory`);
    expect(await readdir(work)).not.toContain('repo');
  });
});
