/**
 * `publish` and `release` share one rule for a version the target already holds (issue 14, item 3): the
 * same content (the same files unpacked, Chart.yaml as data) is a no-op whatever the archive bytes, other
 * content is refused; both say so in the same words (src/helm/chart/same-content.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChartArchive } from '../../src/helm/chart/archive.ts';
import {
  contentChanged,
  contentIdentity,
  differentPublishedMessage,
  samePublishedMessage,
  sameVersionChanges,
} from '../../src/helm/chart/same-content.ts';
import { packageChart } from '../../src/stages/package/package.ts';
import { decide } from '../../src/stages/release/release.ts';
import { cli } from '../support/run.ts';
import { writeChartDir } from './charts.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'vineyard-same-content-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('the same content, other bytes', () => {
  it('publish is a no-op with the sentence release prints; the stored tarball and index stay', async () => {
    const dir = await writeChartDir(work, 'same', '1.0.0');
    const first = await packageChart(dir, { outDir: path.join(work, 'a'), sourceDateEpoch: 1_700_000_000 });
    // the same files, dated otherwise: other tar mtimes, another digest
    const second = await packageChart(dir, { outDir: path.join(work, 'b'), sourceDateEpoch: 1_600_000_000 });
    expect(second.digest).not.toBe(first.digest);
    const repo = path.join(work, 'repo');
    expect((await cli(['publish', first.file, '--to', `file://${repo}`])).code).toBe(0);
    const index = await readFile(path.join(repo, 'index.yaml'), 'utf8');

    const again = await cli(['publish', second.file, '--to', `file://${repo}`]);
    expect(again.code, again.stderr).toBe(0);
    const location = path.join(repo, 'same-1.0.0.tgz');
    expect(again.stderr).toContain(samePublishedMessage('same', '1.0.0', location));
    expect(again.stdout).toMatch(/unchanged\s+\S*same-1\.0\.0\.tgz {2}sha256:/);
    expect(again.stdout).toContain(first.digest);
    expect(await readFile(path.join(repo, 'index.yaml'), 'utf8')).toBe(index);
    expect(sha256(await readFile(location))).toBe(first.digest);

    // release's decision on the same pair, by the same library function
    const published = await readChartArchive(await readFile(location), location);
    const built = await readChartArchive(second.bytes, second.file);
    const d = decide(built, {
      name: 'same',
      versions: ['1.0.0'],
      current: { version: '1.0.0', location, archive: published },
    });
    expect(d).toMatchObject({ action: 'unchanged', note: samePublishedMessage('same', '1.0.0', location) });
  });

  it('other content: publish refuses in the words release uses, adding --force', async () => {
    const dir = await writeChartDir(path.join(work, 'changed'), 'same', '1.0.0');
    await writeFile(path.join(dir, 'values.yaml'), 'greeting: changed\n');
    const changed = await packageChart(dir, { outDir: path.join(work, 'c'), sourceDateEpoch: 1_700_000_000 });
    const repo = path.join(work, 'repo');
    const refused = await cli(['publish', changed.file, '--to', `file://${repo}`]);
    expect(refused.code).toBe(1);
    const location = path.join(repo, 'same-1.0.0.tgz');
    expect(refused.stderr).toBe(
      `error: ${differentPublishedMessage('same', '1.0.0', location, ['values.yaml'], 'can-force')}\n`,
    );
  });

  it('Chart.yaml is compared as data: key order and quoting do not count', () => {
    const a = new Map([['Chart.yaml', Buffer.from('apiVersion: v2\nname: x\nversion: 1.0.0\n')]]);
    const b = new Map([
      ['Chart.yaml', Buffer.from('name: "x"\nversion: "1.0.0"\napiVersion: v2 # comment\n')],
    ]);
    expect(contentChanged(a, b, { ignoreVersion: false })).toEqual([]);
    const c = new Map([['Chart.yaml', Buffer.from('apiVersion: v2\nname: x\nversion: 1.0.1\n')]]);
    expect(contentChanged(a, c, { ignoreVersion: false })).toEqual(['Chart.yaml']);
    expect(contentChanged(a, c)).toEqual([]);
  });
});

describe('contentIdentity: the rule as a fingerprint (tombstones keep it)', () => {
  const chart = (chartYaml: string, values = 'a: 1\n') =>
    new Map([
      ['Chart.yaml', Buffer.from(chartYaml)],
      ['values.yaml', Buffer.from(values)],
    ]);
  const base = chart('apiVersion: v2\nname: x\nversion: 1.0.0\nappVersion: "1.0"\n');
  it.each([
    [
      'key order, quoting and comments',
      chart("# c\nversion: '1.0.0'\nname: x\napiVersion: v2\nappVersion: '1.0'\n"),
    ],
    ['appVersion 1.0 as a number', chart('apiVersion: v2\nname: x\nversion: 1.0.0\nappVersion: 1.0\n')],
    ['another values.yaml', chart('apiVersion: v2\nname: x\nversion: 1.0.0\nappVersion: "1.0"\n', 'a: 2\n')],
    ['an extra file', new Map([...base, ['README.md', Buffer.from('hi')]])],
    ['another version', chart('apiVersion: v2\nname: x\nversion: 1.0.1\nappVersion: "1.0"\n')],
  ])('%s: equal identities exactly when sameVersionChanges finds nothing', (_what, other) => {
    const same = sameVersionChanges(other, base).length === 0;
    expect(contentIdentity(other) === contentIdentity(base)).toBe(same);
  });
  it('the first case is the same content, the others are not', () => {
    expect(contentIdentity(chart("version: '1.0.0'\nname: x\napiVersion: v2\nappVersion: '1.0'\n"))).toBe(
      contentIdentity(base),
    );
    expect(contentIdentity(chart('apiVersion: v2\nname: x\nversion: 1.0.0\nappVersion: 1.0\n'))).not.toBe(
      contentIdentity(base),
    );
  });
});
