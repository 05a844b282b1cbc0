/**
 * The streamed `index --merge` (index-stream.ts) against the slow path (parseIndex + mergeEntries):
 * with chunks and windows shrunk to a few bytes, so that blocks straddle every boundary, the merged
 * index must mean the same, new charts land in go-yaml's order, and whatever the stream does not
 * vouch for makes it step aside without leaving a file behind.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  entryFor,
  type IndexEntry,
  mergeEntries,
  newIndex,
  parseIndex,
  serializeIndex,
} from '../../src/helm/repo/index-file.ts';
import { spliceStats } from '../../src/helm/repo/index-splice.ts';
import { spliceMergeStream, streamTuning } from '../../src/helm/repo/index-stream.ts';
import { withTempDir } from '../support/run.ts';

const NOW = new Date('2025-06-01T12:00:00Z');
const TEXTS = ['plain words', 'yes', '1.10', 'café 日本語 🎉', 'line one\nline two\n', 'key: value', ''];

function entry(name: string, version: string, i: number, digest = `${i}`.padEnd(64, 'a')): IndexEntry {
  const text = TEXTS[i % TEXTS.length];
  const metadata = {
    apiVersion: 'v2',
    name,
    version,
    description: text || 'd',
    annotations: { 'artifacthub.io/changes': text || 'x', 'x y': 'z' },
    ...(i % 3 === 0 ? { dependencies: [{ name: 'redis', version: '~1.2', tags: ['a'] }] } : {}),
  };
  return entryFor({ metadata, digest }, `https://x/${name}-${version}.tgz`, new Date(2024, 0, 1 + i));
}

/** An index of charts b-chart, d-chart, ... (names on which go-yaml's and string order agree). */
function oldIndexText(): string {
  const index = newIndex(new Date('2024-01-01T00:00:00Z'));
  let i = 0;
  for (const c of 'bdfhjlnp') {
    const name = `${c}-chart`;
    index.entries[name] = ['3.0.0', '2.0.0-rc.1', '1.0.0'].map((v) => entry(name, v, i++));
  }
  return serializeIndex(index, 'yaml');
}

afterEach(() => {
  streamTuning.chunk = 4 << 20;
  streamTuning.window = 64 * 1024;
});

async function streamed(dir: string, text: string | Buffer, entries: IndexEntry[]) {
  const old = path.join(dir, 'old.yaml');
  const out = path.join(dir, 'index.yaml');
  await writeFile(old, text);
  const result = await spliceMergeStream(old, out, entries, NOW, 1 << 30);
  return { result, out };
}

describe('index --merge, streamed', () => {
  const cases: [string, IndexEntry[]][] = [
    ['a new chart first', [entry('a-chart', '1.0.0', 1)]],
    ['a new chart in the middle', [entry('e-chart', '1.0.0', 2)]],
    ['a new chart last', [entry('z-chart', '1.0.0', 3)]],
    ['a new version of an old chart', [entry('f-chart', '4.0.0', 4)]],
    ['an old version again, same digest', [entry('h-chart', '1.0.0', 11)]],
    ['several', [entry('c-chart', '1.0.0', 5), entry('c-chart', '2.0.0', 6), entry('p-chart', '9.0.0', 7)]],
  ];
  for (const [chunk, window] of [
    [64, 16],
    [700, 300],
    [4096, 64 * 1024],
  ]) {
    for (const [label, entries] of cases) {
      it(`${label} (chunks of ${chunk} bytes, windows of ${window})`, async () => {
        streamTuning.chunk = chunk;
        streamTuning.window = window;
        await withTempDir(async (dir) => {
          const text = oldIndexText();
          const { result, out } = await streamed(dir, text, entries);
          expect(result, spliceStats.reason).toBeDefined();
          expect(spliceStats).toMatchObject({ path: 'fast', streamed: true, reparsedBlocks: 0 });
          const expected = mergeEntries(parseIndex(text, 'old.yaml'), entries, { generated: NOW });
          const got = await readFile(out, 'utf8');
          expect(parseIndex(got, 'out.yaml')).toEqual(expected.index);
          expect(got).toBe(serializeIndex(expected.index, 'yaml')); // names where both orders agree
          const total = Object.values(expected.index.entries).reduce((n, l) => n + l.length, 0);
          expect(result).toEqual({
            added: expected.added.length,
            unchanged: expected.unchanged.length,
            total,
          });
        });
      });
    }
  }

  /** The old index with its first `é` made an invalid UTF-8 sequence. */
  const badUtf8 = (t: string) => {
    const bytes = Buffer.from(t, 'utf8');
    bytes[bytes.indexOf('é') + 1] = 0xff;
    return bytes;
  };
  /** The text with `c` inserted into the digest of the first entry of `chart`'s block. */
  const inDigestOf = (chart: string, c: string) => (t: string) => {
    const at = t.indexOf('    digest: ', t.indexOf(`\n  ${chart}:\n`)) + 16;
    return t.slice(0, at) + c + t.slice(at);
  };
  const declines: [string, (text: string) => string | Buffer, IndexEntry[]][] = [
    // The scan for block boundaries leaves C0 controls to the entry checks: copied and merged blocks alike.
    ['a raw control character in a chart copied as it is', inDigestOf('h-chart', '\x01'), []],
    ['a tab in a chart copied as it is', inDigestOf('p-chart', '\t'), []],
    ['a DEL in a chart copied as it is', inDigestOf('b-chart', '\x7f'), []],
    [
      'a raw control character in the chart merged into',
      inDigestOf('d-chart', '\x1b'),
      [entry('d-chart', '9.0.0', 99)],
    ],
    [
      'chart keys out of order',
      (t) => t.replace('  b-chart:', '  q-chart:').replaceAll('name: b-chart', 'name: q-chart'),
      [],
    ],
    ['an invalid UTF-8 byte', badUtf8, []],
    ['no final newline', (t) => t.trimEnd(), []],
    ['a version published with another digest', (t) => t, [entry('d-chart', '3.0.0', 1, 'f'.repeat(64))]],
    ['an unknown top-level key', (t) => `${t}extra: 1\n`, []],
    ['annotations after entries', (t) => `${t}annotations:\n  a: b\n`, []],
  ];
  for (const [label, edit, entries] of declines) {
    it(`steps aside on ${label}, leaving no file`, async () => {
      streamTuning.chunk = 100;
      streamTuning.window = 50;
      await withTempDir(async (dir) => {
        const { result, out } = await streamed(dir, edit(oldIndexText()), entries);
        expect(result).toBeUndefined();
        expect(spliceStats.path).toBe('slow');
        expect(existsSync(out)).toBe(false);
      });
    });
  }
});
