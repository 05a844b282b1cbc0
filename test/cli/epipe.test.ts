/** A reader that goes away (`vineyard-charts lint --help | head`): quiet exit 141, never an EPIPE trace. */
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { CLI } from '../support/run.ts';

describe('a closed stdout (| head)', () => {
  it('ends quietly with 141 (SIGPIPE convention), no EPIPE trace', async () => {
    const child = spawn(process.execPath, [CLI, 'lint', '--help'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before anything is written
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(141);
  });

  it('through a real shell pipe into head', () => {
    const res = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" lint --help | head -n 2`], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    expect(res.stderr).toBe('');
    expect(res.stdout.split('\n')[0]).toMatch(/^Usage: vineyard-charts lint/);
  });
});
