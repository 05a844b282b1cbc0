/**
 * The bin (bin/vineyard-charts.cjs): a lone `--version` is package.json's version, answered before any
 * of the CLI loads (it works even with dist/ and src/ out of reach); the old path
 * bin/vineyard-charts.mjs still runs the same CLI.
 */
import { readFileSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { cli, run, withTempDir } from '../support/run.ts';

const VERSION = (
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

describe('the bin', () => {
  it('answers a lone --version (and -V) with package.json’s version', async () => {
    for (const flag of ['--version', '-V']) {
      const res = await cli([flag]);
      expect(res.code).toBe(0);
      expect(res.stdout).toBe(`${VERSION}\n`);
      expect(res.stderr).toBe('');
    }
  });

  it('answers --version without loading the CLI: a copy with no dist/ and no src/ still does', async () => {
    await withTempDir(async (dir) => {
      await mkdir(path.join(dir, 'bin'));
      await cp(
        path.join(PROJECT_ROOT, 'bin', 'vineyard-charts.cjs'),
        path.join(dir, 'bin', 'vineyard-charts.cjs'),
      );
      await cp(path.join(PROJECT_ROOT, 'package.json'), path.join(dir, 'package.json'));
      const res = await run(process.execPath, [path.join(dir, 'bin', 'vineyard-charts.cjs'), '--version']);
      expect(res.code).toBe(0);
      expect(res.stdout).toBe(`${VERSION}\n`);
      // The control: anything else needs the CLI itself, which this copy does not have.
      const help = await run(process.execPath, [path.join(dir, 'bin', 'vineyard-charts.cjs'), '--help']);
      expect(help.code).not.toBe(0);
    });
  });

  it('--version with other arguments is commander’s: the same version, or a usage error', async () => {
    const res = await cli(['--version', 'extra']);
    expect(res.stdout).toContain(VERSION);
  });

  it('runs a command built into one file from it (dist/bundles/<command>.cjs), others from dist/cli', async () => {
    await withTempDir(async (dir) => {
      for (const part of ['bin', 'dist', 'package.json'])
        await cp(path.join(PROJECT_ROOT, part), path.join(dir, part), {
          recursive: true,
          preserveTimestamps: true,
        });
      const bin = path.join(dir, 'bin', 'vineyard-charts.cjs');
      // The real bundle answers like the per-file CLI does, with the code cache the build wrote...
      const env = { VINEYARD_CHARTS_DEBUG: 'startup' };
      const viaBundle = await run(process.execPath, [bin, 'index', '--help'], { env });
      const perFile = await run(process.execPath, [
        path.join(dir, 'dist', 'cli', 'main.js'),
        'index',
        '--help',
      ]);
      expect(viaBundle.code).toBe(0);
      expect(viaBundle.stdout).toBe(perFile.stdout);
      expect(viaBundle.stderr).toBe('startup: index.bundle.cjs, code cache accepted\n');
      // ...a cache V8 refuses is only not used...
      await writeFile(path.join(dir, 'dist', 'bundles', 'index.bundle.cjs.cache'), 'not a cache');
      const refused = await run(process.execPath, [bin, 'index', '--help'], { env });
      expect(refused.stdout).toBe(perFile.stdout);
      expect(refused.stderr).toBe('startup: index.bundle.cjs, code cache rejected\n');
      // ...and it is what the bin runs: replaced by a marker, the marker answers `index`, not `lint`.
      await writeFile(path.join(dir, 'dist', 'bundles', 'index.cjs'), "console.log('the index bundle');\n");
      expect((await run(process.execPath, [bin, 'index', '--help'])).stdout).toBe('the index bundle\n');
      const lint = await run(process.execPath, [bin, 'lint', '--help']);
      expect(lint.stdout).toMatch(/^Usage: vineyard-charts lint /);
    });
  });

  it('still runs by its old path, bin/vineyard-charts.mjs', async () => {
    const old = path.join(PROJECT_ROOT, 'bin', 'vineyard-charts.mjs');
    const version = await run(process.execPath, [old, '--version']);
    expect(version.stdout).toBe(`${VERSION}\n`);
    const help = await run(process.execPath, [old, 'index', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: vineyard-charts index /);
  });
});
