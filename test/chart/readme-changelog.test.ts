/**
 * What operators read (issue 11, items 2, 5 and 6): `helm show chart` carries the changelog as Artifact Hub
 * annotations, `helm show readme` has the changes, the recipes and the migration table, and every recipe
 * snippet is a lint fixture, byte for byte.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { changelog } from '../../chart-src/vineyard/changelog.ts';
import { chart } from '../../chart-src/vineyard/chart.ts';
import { CHANGE_KINDS, changelogAnnotations } from '../../src/model/changelog.ts';
import { INCLUDE_LINE } from '../../src/model/readme.ts';
import { migrationTableMarkdown } from '../../src/stages/migrate/table.ts';
import { CHART_DIR, FIXTURES_DIR } from '../support/chart.ts';
import { HELM_MAJORS, helm, withTempDir } from '../support/run.ts';

const readme = () => readFile(path.join(CHART_DIR, 'README.md'), 'utf8');

describe.each(HELM_MAJORS)('helm %s show', (major) => {
  it('chart: artifacthub.io/changes is the changelog entry of this version', () =>
    withTempDir(async (home) => {
      const res = await helm(major, ['show', 'chart', CHART_DIR], home);
      expect(res.code, res.stderr).toBe(0);
      const meta = yaml.load(res.stdout) as { version: string; annotations: Record<string, string> };
      expect(meta.version).toBe(chart.version);
      const changes = yaml.load(meta.annotations['artifacthub.io/changes']) as {
        kind: string;
        description: string;
      }[];
      const entry = changelog.find((e) => e.version === chart.version);
      expect(entry, `changelog.ts has an entry for ${chart.version}`).toBeDefined();
      expect(changes.map((c) => c.description)).toEqual(entry?.changes.map((c) => c.description));
      for (const c of changes) expect(CHANGE_KINDS).toContain(c.kind);
      // a breaking release says so
      expect(changes.some((c) => /breaking/i.test(c.description))).toBe(true);
      expect(meta.annotations['artifacthub.io/prerelease']).toBeUndefined();
    }));

  it('readme: the changes, the recipes and the migration from the upstream chart', () =>
    withTempDir(async (home) => {
      const res = await helm(major, ['show', 'readme', CHART_DIR], home);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout.trimEnd()).toBe((await readme()).trimEnd());
      expect(res.stdout).toContain(`## Changes\n\n### ${chart.version}\n`);
      for (const c of changelog[0].changes) expect(res.stdout).toContain(`- **${c.kind}**: ${c.description}`);
      expect(res.stdout).toContain('## Recipes');
      expect(res.stdout).toContain('## Migrating from the upstream chart');
      expect(res.stdout).toContain(migrationTableMarkdown());
    }));
});

describe('the changelog', () => {
  it('marks prerelease versions for Artifact Hub', () => {
    expect(changelogAnnotations(changelog, '0.11.0-rc.1')).toEqual({ 'artifacthub.io/prerelease': 'true' });
    expect(changelogAnnotations(changelog, chart.version)['artifacthub.io/prerelease']).toBeUndefined();
  });
});

describe('recipes', () => {
  it('every values snippet in the README is a ci/ fixture, verbatim, and every recipe fixture is shown', async () => {
    const text = await readme();
    const lines = text.split('\n');
    const included: string[] = [];
    for (const [i, line] of lines.entries()) {
      const m = INCLUDE_LINE.exec(line);
      if (!m) continue;
      included.push(m[1]);
      expect(lines[i + 2], `${m[1]} is followed by a yaml block`).toBe('```yaml');
      const end = lines.indexOf('```', i + 3);
      const snippet = `${lines.slice(i + 3, end).join('\n')}\n`;
      expect(snippet).toBe(await readFile(path.join(FIXTURES_DIR, path.basename(m[1])), 'utf8'));
    }
    const section = text.slice(
      text.indexOf('## Recipes'),
      text.indexOf('\n## ', text.indexOf('## Recipes') + 1),
    );
    expect(section.split('```yaml').length - 1, 'every yaml block in Recipes is an included fixture').toBe(
      included.length,
    );
    const { readdirSync } = await import('node:fs');
    const recipes = readdirSync(FIXTURES_DIR).filter((f) => f.startsWith('recipe-'));
    expect(included.map((f) => path.basename(f)).sort()).toEqual(recipes.sort());
    expect(recipes.length).toBe(7);
  });
});
