/**
 * The streamed merge's helper thread (block-check-helper.ts, block-check-worker.ts) against the slow
 * path, on an index helm wrote: the helper's verdicts must be the ones the main thread would reach.
 * The helper runs only from the compiled JavaScript, so these tests load dist/ (built by the global
 * setup), with the helper made to run on a small index and to finish before the main thread starts
 * (so that it checks every block it can, deterministically).
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type * as HelperModule from '../../src/helm/repo/block-check-helper.ts';
import { entryFor, mergeEntries, parseIndex } from '../../src/helm/repo/index-file.ts';
import type * as SpliceModule from '../../src/helm/repo/index-splice.ts';
import type * as StreamModule from '../../src/helm/repo/index-stream.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { helmWrittenIndex, replicate } from '../support/helm-corpus.ts';
import { withTempDir } from '../support/run.ts';

const DIST = path.join(PROJECT_ROOT, 'dist', 'helm', 'repo');
const NOW = new Date('2025-06-01T12:00:00Z');
const load = <T>(name: string) => import(path.join(DIST, name)) as Promise<T>;

let helper: typeof HelperModule;
let stream: typeof StreamModule;
let splice: typeof SpliceModule;
let base = '';

beforeAll(async () => {
  helper = await load('block-check-helper.js');
  stream = await load('index-stream.js');
  splice = await load('index-splice.js');
  await withTempDir(async (dir) => {
    base = await helmWrittenIndex('v4', path.join(dir, 'corpus'), {
      charts: 12,
      versions: 6,
      digestPrefixes: ['0b', '1e'],
    });
  });
}, 120_000);

afterEach(() => {
  Object.assign(helper.helperTuning, { minBytes: 64 << 20, wait: false });
  stream.streamTuning.chunk = 4 << 20;
});

const newEntry = () =>
  entryFor(
    { metadata: { apiVersion: 'v2', name: 'zzz-new', version: '1.0.0' } as never, digest: 'c'.repeat(64) },
    'https://x/zzz-new-1.0.0.tgz',
    NOW,
  );

/** The old index replicated to ~2,000 entries, merged with the helper checking all it can. */
async function mergeWithHelper(dir: string, edit: (text: string) => string = (t) => t) {
  const old = path.join(dir, 'old.yaml');
  await replicate(base, 2_000, old);
  await writeFile(old, edit(await readFile(old, 'utf8')));
  Object.assign(helper.helperTuning, { minBytes: 0, wait: true });
  stream.streamTuning.chunk = 64 * 1024; // many chunks for the helper, blocks across their edges
  const out = path.join(dir, 'index.yaml');
  const result = await stream.spliceMergeStream(old, out, [newEntry()], NOW, 1 << 30);
  return { old, out, result };
}

function slowPath(oldText: string) {
  return mergeEntries(parseIndex(oldText, 'old.yaml'), [newEntry()], { generated: NOW }).index;
}

describe('the streamed merge with its helper thread', () => {
  it('takes the helper’s verdict for every block but the first and the last, and writes what the slow path means', async () => {
    await withTempDir(async (dir) => {
      const { old, out, result } = await mergeWithHelper(dir);
      expect(result).toBeDefined();
      const stats = splice.spliceStats;
      expect(stats.path).toBe('fast');
      expect(stats.reparsedBlocks).toBe(0);
      // The helper leaves the first block (no newline before it in its text) and the last (its end
      // depends on the lines after it) to the main thread.
      expect(stats.helperBlocks).toBe(stats.copiedBlocks - 2);
      expect(stats.copiedBlocks).toBeGreaterThan(100);
      const oldText = await readFile(old, 'utf8');
      const expected = slowPath(oldText);
      expect(parseIndex(await readFile(out, 'utf8'), 'index.yaml')).toEqual(expected);
      expect(result?.total).toBe(Object.values(expected.entries).reduce((n, l) => n + l.length, 0));
    });
  }, 60_000);

  it('a block the line checks do not vouch for is parsed, whichever thread checked it', async () => {
    await withTempDir(async (dir) => {
      // A flow sequence (valid YAML the line checks do not know) in a middle block: the helper checks it.
      let n = 0;
      const { old, out, result } = await mergeWithHelper(dir, (t) =>
        t.replace(/\n {4}keywords:\n(?: {4}- [^\n]*\n)+/g, (m) =>
          ++n === 40 ? '\n    keywords: [a, b]\n' : m,
        ),
      );
      expect(n).toBeGreaterThan(40);
      expect(result).toBeDefined();
      expect(splice.spliceStats.reparsedBlocks).toBe(1);
      const oldText = await readFile(old, 'utf8');
      expect(parseIndex(await readFile(out, 'utf8'), 'index.yaml')).toEqual(slowPath(oldText));
    });
  }, 60_000);

  it('an invalid block in the helper’s part still makes the stream step aside, writing nothing', async () => {
    await withTempDir(async (dir) => {
      let n = 0;
      const { out, result } = await mergeWithHelper(dir, (t) =>
        t.replace(/\n {4}version: [^\n]*\n/g, (m) => (++n === 1500 ? '\n    version: not a version\n' : m)),
      );
      expect(result).toBeUndefined();
      expect(splice.spliceStats.path).toBe('slow');
      await expect(stat(out)).rejects.toThrow(/ENOENT/);
    });
  }, 60_000);

  it('gives no verdict on a file that is not the one the main thread opened', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'old.yaml');
      await replicate(base, 500, file);
      const st = await stat(file);
      helper.helperTuning.minBytes = 0;
      const text = await readFile(file, 'latin1');
      const from = text.indexOf('\nentries:\n') + 10;
      const starts = [...text.matchAll(/\n {2}[^ \n-]/g)].map((m) => m.index + 1);
      const verdicts = async (size: number) => {
        const identity = { dev: st.dev, ino: st.ino, size, mtimeMs: st.mtimeMs };
        const h = helper.BlockCheckHelper.start(file, identity, from, 64 * 1024);
        expect(h).toBeDefined();
        await h?.finished();
        // The helper has finished: no progress report of the main thread can hide a verdict.
        const counts = starts.slice(1, -1).map((s, i) => h?.count(s, starts[i + 2]));
        await h?.stop();
        return counts.filter((c) => c !== undefined).length;
      };
      expect(await verdicts(st.size)).toBe(starts.length - 2); // the control: the right file
      expect(await verdicts(st.size + 1)).toBe(0);
    });
  }, 60_000);
});
