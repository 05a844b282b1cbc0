/** YAML alias bombs and deep nesting are refused at once, everywhere YAML/JSON is read, before anything is written. */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseChartYaml } from '../../src/helm/chart/chartfile.ts';
import { parseIndex } from '../../src/helm/repo/index-file.ts';
import { checkTreeBounds, MAX_DEPTH } from '../../src/util/tree-bounds.ts';
import { cli, withTempDir } from '../support/run.ts';

/** The classic billion laughs: 9 levels of 9 aliases, a few hundred bytes of text. */
function bomb(top = 'lol'): string {
  const lines = [`${top}0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (let i = 1; i < 10; i++)
    lines.push(
      `${top}${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(',')}]`,
    );
  return `${lines.join('\n')}\n`;
}
const deepYaml = `${'['.repeat(MAX_DEPTH + 5)}${']'.repeat(MAX_DEPTH + 5)}\n`;

describe('checkTreeBounds', () => {
  it('refuses a billion-laughs document and deep nesting, accepts ordinary aliasing', () => {
    expect(() => checkTreeBounds(load(bomb()))).toThrow(/excessive aliasing/);
    expect(() => checkTreeBounds(JSON.parse(deepYaml))).toThrow(`nested deeper than ${MAX_DEPTH} levels`);
    const shared = load('base: &b {cpu: 1, memory: 2Gi}\na: *b\nb: *b\nc: *b\n');
    expect(() => checkTreeBounds(shared)).not.toThrow();
  });
});

describe('every reader refuses them with a one-line error naming the file', () => {
  it(
    'manifests -f bomb.yaml: exit 1, "excessive aliasing", in seconds (helm: instantly)',
    { timeout: 20_000 },
    () =>
      withTempDir(async (dir) => {
        const file = path.join(dir, 'bomb.yaml');
        await writeFile(file, bomb('x'));
        const res = await cli(['manifests', '-f', file]);
        expect(res.code).toBe(1);
        expect(res.stderr.trim().split('\n')).toHaveLength(1);
        expect(res.stderr).toContain(file);
        expect(res.stderr).toContain('excessive aliasing');
      }),
  );

  it('manifests -f deep.yaml: exit 1, nesting named, no stack trace', { timeout: 20_000 }, () =>
    withTempDir(async (dir) => {
      const file = path.join(dir, 'deep.yaml');
      await writeFile(file, `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
      const res = await cli(['manifests', '-f', file]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/nest(ed deeper than|ing exceeded)/); // js-yaml's own limit or ours
      expect(res.stderr).not.toMatch(/internal error|\n\s+at /);
    }),
  );

  it('index.yaml and Chart.yaml', () => {
    const index = `apiVersion: v1\n${bomb('x')}entries: {}\n`;
    expect(() => parseIndex(index, 'index.yaml')).toThrow(/index\.yaml: .*excessive aliasing/);
    expect(() => parseIndex(`{"apiVersion":"v1","entries":${deepYaml.trim()}}`, 'index.json')).toThrow(
      /nested deeper/,
    );
    const chart = `apiVersion: v2\nname: c\nversion: 0.1.0\nannotations:\n  ${bomb('x').trim().split('\n').join('\n  ')}\n`;
    expect(() => parseChartYaml(chart, 'Chart.yaml')).toThrow(/Chart\.yaml: .*excessive aliasing/);
  });

  it('index --merge with a bomb index: exit 1 and nothing written', { timeout: 20_000 }, () =>
    withTempDir(async (dir) => {
      const repo = path.join(dir, 'repo');
      await mkdir(repo);
      const old = path.join(dir, 'old-index.yaml');
      await writeFile(old, `apiVersion: v1\n${bomb('x')}entries: {}\n`);
      const res = await cli(['index', repo, '--merge', old]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('excessive aliasing');
      expect(await readdir(repo)).toEqual([]);
    }),
  );
});
