/** What a target's index.yaml holds survives our rewrite exactly, or the rewrite is refused before anything is written. */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { publishCharts } from '../../src/stages/publish/publish.ts';
import { makeChart } from '../publish/charts.ts';
import { withTempDir } from '../support/run.ts';

const OTHER = (annotations: string) =>
  `apiVersion: v1\nentries:\n  other:\n    - apiVersion: v2\n      name: other\n      version: 1.0.0\n      created: "2026-01-01T00:00:00Z"\n      digest: ${'a'.repeat(64)}\n      annotations:\n${annotations}      urls:\n        - other-1.0.0.tgz\ngenerated: "2026-01-01T00:00:00Z"\n`;

describe('publish to a file:// repository whose index.yaml was written by someone else', () => {
  it('keeps an annotation named __proto__ (plain assignment would drop it)', () =>
    withTempDir(async (dir) => {
      const repo = path.join(dir, 'repo');
      await mkdir(repo);
      await writeFile(path.join(repo, 'index.yaml'), OTHER('        __proto__: kept\n        plain: "1"\n'));
      const chart = await makeChart(dir, 'demo', '0.1.0');
      await publishCharts([chart.file], { to: `file://${repo}` });
      const index = load(await readFile(path.join(repo, 'index.yaml'), 'utf8')) as {
        entries: Record<string, { annotations?: Record<string, string> }[]>;
      };
      const ann = index.entries.other[0].annotations ?? {};
      expect(Object.keys(ann)).toEqual(['__proto__', 'plain']);
      expect(Object.getOwnPropertyDescriptor(ann, '__proto__')?.value).toBe('kept');
    }));

  it('refuses an index.yaml that is not UTF-8, naming it, and uploads nothing', () =>
    withTempDir(async (dir) => {
      const repo = path.join(dir, 'repo');
      await mkdir(repo);
      const bytes = Buffer.concat([
        Buffer.from(OTHER('        note: "caf')),
        Buffer.from([0xe9]),
        Buffer.from('"\n'),
      ]);
      await writeFile(path.join(repo, 'index.yaml'), bytes);
      const chart = await makeChart(dir, 'demo', '0.1.0');
      await expect(publishCharts([chart.file], { to: `file://${repo}` })).rejects.toThrow(
        `${path.join(repo, 'index.yaml')}: is not valid UTF-8; refusing to rewrite it`,
      );
      expect(await readFile(path.join(repo, 'index.yaml'))).toEqual(bytes);
      expect((await readdir(repo)).filter((f) => f.endsWith('.tgz'))).toEqual([]);
    }));
});

describe('versions helm cannot tell apart', () => {
  it('0.1.0 published: v0.1.0 and 0.1.0+build2 are refused before anything is written; 0.1.1 is published', () =>
    withTempDir(async (dir) => {
      const repo = path.join(dir, 'repo');
      await mkdir(repo);
      const to = `file://${repo}`;
      await publishCharts([(await makeChart(dir, 'demo', '0.1.0')).file], { to });
      for (const twin of ['v0.1.0', '0.1.0+build2']) {
        const chart = await makeChart(dir, 'demo', twin);
        await expect(publishCharts([chart.file], { to })).rejects.toThrow(
          `version ${twin} has the same semver precedence as published 0.1.0`,
        );
        expect(await readdir(repo)).not.toContain(path.basename(chart.file));
      }
      await publishCharts([(await makeChart(dir, 'demo', '0.1.1')).file], { to });
      const index = load(await readFile(path.join(repo, 'index.yaml'), 'utf8')) as {
        entries: Record<string, { version: string }[]>;
      };
      expect(index.entries.demo.map((e) => e.version).sort()).toEqual(['0.1.0', '0.1.1']);
    }));
});
