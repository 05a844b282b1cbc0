/**
 * The `index --merge` fast path holds on what real publishers write: indexes written by helm v3 and v4
 * themselves (`helm repo index`, then `--merge`) over charts with awkward metadata (test/support/
 * helm-corpus.ts), and ChartMuseum's shape (the same plus serverInfo). The CLI must say
 * `index: fast path` with every untouched chart copied as it is, and write what the slow path means.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { entryFor, mergeEntries, parseIndex, serializeIndex } from '../../src/helm/repo/index-file.ts';
import { packageChart } from '../../src/stages/package/package.ts';
import { writeChartDir } from '../publish/charts.ts';
import { helmWrittenIndex, withServerInfo } from '../support/helm-corpus.ts';
import { cli, HELM_MAJORS, withTempDir } from '../support/run.ts';

const URL = 'https://charts.example.com/stable';
const EPOCH = 1_750_000_000;

/** The slow path's merge of the same archives, read back by js-yaml. */
function reference(oldText: string, archives: { metadata: never; digest: string; file: string }[]) {
  const entries = archives.map((a) => entryFor(a, `${URL}/${path.basename(a.file)}`, new Date(EPOCH * 1000)));
  const merged = mergeEntries(parseIndex(oldText, 'old.yaml'), entries, {
    generated: new Date(EPOCH * 1000),
  });
  return load(serializeIndex(merged.index, 'yaml'), { schema: CORE_SCHEMA });
}

describe('index --merge on indexes written by helm itself', () => {
  for (const major of HELM_MAJORS) {
    it(`keeps to the fast path on helm ${major}'s index (and ChartMuseum's shape), matching the slow path`, async () => {
      await withTempDir(async (dir) => {
        const text = await helmWrittenIndex(major, path.join(dir, 'corpus'), {
          charts: 24,
          versions: 8,
          digestPrefixes: ['0b', '1e'],
        });
        // What the corpus is meant to hold, as helm wrote it.
        for (const shape of [
          /\n {2}"yes":\n/,
          /appVersion: "1\.10"\n/,
          /appVersion: "2024-01-01"\n/,
          /digest: 0b[0-9a-f]{62}\n/,
          /digest: 1e[0-9a-f]{62}\n/,
          /\n {6}artifacthub\.io\/changes: \|\n/,
          /: \|2\n/,
          /: \|-\n/,
          /: \|\+\n/,
          /description: [^"'\n]{60,}\n {6}\S/, // a plain scalar folded over lines
          /description: '[^\n]*\n {6}\S/, // a single-quoted one
          /tabbed: "[^\n]*\\t[^\n]*\n {8}\S/, // a double-quoted one with an escape
          /\\U0001F680/,
          /\n {4}dependencies:\n {4}- alias: "true"\n/,
          /\n {4}deprecated: true\n/,
        ]) {
          expect(text, String(shape)).toMatch(shape);
        }
        for (const [label, old] of [
          ['helm', text],
          ['chartmuseum', withServerInfo(text)],
        ]) {
          const work = path.join(dir, label);
          const repo = path.join(work, 'repo');
          await mkdir(repo, { recursive: true });
          await writeFile(path.join(work, 'old.yaml'), old);
          // A new chart, and a new version of a chart already there.
          const archives = [];
          for (const [name, version] of [
            ['zz-new', '1.0.0'],
            ['chart-20', '99.0.0'],
          ]) {
            const src = await writeChartDir(work, name, version);
            archives.push(await packageChart(src, { outDir: repo, sourceDateEpoch: 1_700_000_000 }));
          }
          const res = await cli(['index', repo, '--url', URL, '--merge', path.join(work, 'old.yaml')], {
            env: { VINEYARD_CHARTS_DEBUG: 'index', SOURCE_DATE_EPOCH: String(EPOCH) },
          });
          expect(res.code, res.stderr).toBe(0);
          expect(res.stderr, label).toMatch(
            /^index: fast path, streamed \(23 charts copied, 0 re-parsed of which 0 by js-yaml, \d+ entries matched whole, \d+ fields decoded of which 0 by js-yaml\)\n$/,
          );
          // every entry of the 23 copied charts was checked by one expression (verbatim-entry.ts)
          const copied =
            (old.match(/^ {2}- /gm) ?? []).length - (old.match(/\n {4}name: chart-20\n/g) ?? []).length;
          expect(res.stderr, label).toContain(`, ${copied} entries matched whole, 0 fields decoded`);
          const out = await readFile(path.join(repo, 'index.yaml'), 'utf8');
          expect(load(out, { schema: CORE_SCHEMA }), label).toEqual(
            reference(old, archives as unknown as { metadata: never; digest: string; file: string }[]),
          );
        }
      });
    });
  }
});
