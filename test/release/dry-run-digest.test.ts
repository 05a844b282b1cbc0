/**
 * `release --dry-run` plans exactly the bytes the real run publishes (issue 14, item 2). The dry run
 * renders into a scratch directory outside git; the archive's file times must still come from the
 * chart's sources (their last commit), never from where the build directory happens to be.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/helm/chart/archive.ts';
import { buildChartArchive, sourceDirFor } from '../../src/stages/package/package.ts';
import { copyChartSources } from '../support/chart-sources.ts';
import { cli } from '../support/run.ts';

const SOURCE_TIME = 1_600_000_000;
const RENDER_TIME = 1_700_000_000;

let tmp: string;
let checkout: string;

function git(args: string[], when?: number): void {
  const date =
    when === undefined ? {} : { GIT_AUTHOR_DATE: `@${when} +0000`, GIT_COMMITTER_DATE: `@${when} +0000` };
  execFileSync('git', args, {
    cwd: checkout,
    env: {
      ...process.env,
      ...date,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
    stdio: 'ignore',
  });
}

interface Summary {
  ok: boolean;
  charts: { file: string; digest: string }[];
  targets: { result?: { objects: { kind: string; digest?: string }[] } }[];
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'vineyard-dry-digest-'));
  // A checkout like ours: chart-src/ committed first, the rendered charts-out/ in a later commit.
  checkout = path.join(tmp, 'checkout');
  await copyChartSources(checkout, 'chart-src');
  git(['init', '-q']);
  git(['add', 'chart-src']);
  git(['commit', '-q', '-m', 'sources'], SOURCE_TIME);
  const rendered = await cli(['render', '--src', 'chart-src', '--out', 'charts-out'], { cwd: checkout });
  expect(rendered.code, rendered.stderr).toBe(0);
  git(['add', 'charts-out']);
  git(['commit', '-q', '-m', 'rendered'], RENDER_TIME);
}, 120_000);

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('release --dry-run', () => {
  it('plans the digest the real release publishes, dated by the sources commit', async () => {
    const env = { SOURCE_DATE_EPOCH: '' };
    const args = [
      'release',
      '--src',
      'chart-src',
      '--out',
      'charts-out',
      '--to',
      `file://${path.join(tmp, 'repo')}`,
      '--json',
    ];
    const dry = await cli([...args, '--dry-run'], { cwd: checkout, env });
    expect(dry.code, dry.stderr).toBe(0);
    const real = await cli(args, { cwd: checkout, env });
    expect(real.code, real.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout) as Summary;
    const published = JSON.parse(real.stdout) as Summary;
    expect(planned.charts.map((c) => c.digest)).toEqual(published.charts.map((c) => c.digest));
    const objectDigests = (s: Summary) =>
      s.targets
        .flatMap((t) => t.result?.objects ?? [])
        .filter((o) => o.kind === 'chart')
        .map((o) => o.digest);
    expect(objectDigests(planned)).toEqual(objectDigests(published));

    // The time inside is the sources' last commit, not charts-out/'s.
    const tgz = execFileSync('cat', [path.join(tmp, 'repo', published.charts[0].file)]);
    const tar = gunzipSync(tgz);
    const mtime = Number.parseInt(tar.subarray(136, 147).toString('ascii'), 8);
    expect(mtime).toBe(SOURCE_TIME);

    // `package charts-out/<name>` dates a rendered chart by chart-src/<name> too: the same bytes.
    const chartDir = path.join(checkout, 'charts-out', 'vineyard');
    const sourceDir = sourceDirFor(
      chartDir,
      path.join(checkout, 'chart-src'),
      path.join(checkout, 'charts-out'),
    );
    expect(sourceDir).toBe(path.join(checkout, 'chart-src', 'vineyard'));
    const { bytes } = await buildChartArchive(chartDir, { sourceDir });
    expect(sha256Hex(bytes)).toBe(published.charts[0].digest);
  });
});
