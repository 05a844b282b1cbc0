/**
 * `release` end to end through the real CLI: the `npm start` path into a temporary repository checked
 * with real helm v3 and v4 over `serve`, idempotent re-runs, the version guard, --dry-run, lint gating
 * and the --json summary. Charts that must differ from chart-src/ are built from a temporary copy.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/stages/serve/server.ts';
import { ensureTool, PROJECT_ROOT } from '../../src/tools/helm.ts';
import { bumpChartVersion, copyChartSources } from '../support/chart-sources.ts';
import { cli, HELM_MAJORS, helm } from '../support/run.ts';
import { expectMatchesSchema } from '../support/schemas.ts';

const CHART_SRC = path.join(PROJECT_ROOT, 'chart-src');
let tmp: string;
let repo: string;
let version: string;

interface Index {
  entries: Record<string, { version: string; digest: string; urls: string[] }[]>;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** name -> sha256 and mtime of every file, to prove a run wrote nothing. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const file = path.join(dir, name);
    out[name] = `${sha256(await readFile(file))} ${(await stat(file)).mtimeMs}`;
  }
  return out;
}

const copySources = (name: string, edit?: (chartDir: string) => Promise<void>) =>
  copyChartSources(tmp, name, edit);

const bumpVersion = (chartDir: string, to: string) => bumpChartVersion(chartDir, to);

const readIndex = async (dir: string) => load(await readFile(path.join(dir, 'index.yaml'), 'utf8')) as Index;

beforeAll(async () => {
  await Promise.all(HELM_MAJORS.map((m) => ensureTool(m)));
  tmp = await mkdtemp(path.join(tmpdir(), 'vineyard-release-test-'));
  repo = path.join(tmp, 'out', 'repo');
}, 60_000);

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('release --local (npm start)', () => {
  it('renders, lints, packages and publishes a repository that helm v3 and v4 install from', async () => {
    const res = await cli(['release', '--local', '--out', path.join(tmp, 'out')]);
    expect(res.code, res.stderr).toBe(0);
    for (const step of ['[1/5] render', '[2/5] package', '[3/5] lint', '[4/5]', '[5/5] publish'])
      expect(res.stderr).toContain(step);
    expect(res.stdout).toContain(`vineyard-charts serve ${repo} --port 8879`);
    expect(res.stdout).toContain('helm repo add vineyard http://127.0.0.1:8879');
    expect(res.stdout).toContain('helm install vineyard vineyard/vineyard');

    const index = await readIndex(repo);
    const [entry] = index.entries.vineyard;
    version = entry.version;
    expect(entry.urls).toEqual([`vineyard-${version}.tgz`]);
    expect(sha256(await readFile(path.join(repo, entry.urls[0])))).toBe(entry.digest);
    expect(await readFile(path.join(repo, 'artifacthub-repo.yml'))).toEqual(
      await readFile(path.join(CHART_SRC, 'artifacthub-repo.yml')),
    );

    const server = await startServer(repo, 0);
    try {
      const served = await fetch(`${server.url}/artifacthub-repo.yml`);
      expect(served.status).toBe(200);
      for (const major of HELM_MAJORS) {
        const home = path.join(tmp, `helm-${major}`);
        const add = await helm(major, ['repo', 'add', 'vineyard', server.url], home);
        expect(add.code, add.stderr).toBe(0);
        const search = await helm(major, ['search', 'repo', 'vineyard/vineyard', '-o', 'json'], home);
        expect(JSON.parse(search.stdout)).toEqual([
          expect.objectContaining({ name: 'vineyard/vineyard', version }),
        ]);
        const dest = path.join(tmp, `pull-${major}`);
        await mkdir(dest, { recursive: true });
        const pull = await helm(major, ['pull', 'vineyard/vineyard', '--version', version, '-d', dest], home);
        expect(pull.code, pull.stderr).toBe(0);
        const pulled = path.join(dest, `vineyard-${version}.tgz`);
        expect(sha256(await readFile(pulled))).toBe(entry.digest);
        const tpl = await helm(major, ['template', 'vineyard', pulled], home);
        expect(tpl.code, tpl.stderr).toBe(0);
        expect(tpl.stdout).toContain('kind: DaemonSet');
      }
    } finally {
      await server.close();
    }
  }, 120_000);

  it('re-running is a no-op: nothing in the repository changes, --json says unchanged', async () => {
    const before = await snapshot(repo);
    const res = await cli(['release', '--local', '--out', path.join(tmp, 'out'), '--json']);
    expect(res.code, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout);
    expectMatchesSchema('release-summary.schema.json', summary);
    expect(summary).toMatchObject({
      ok: true,
      dryRun: false,
      refusals: [],
      charts: [{ name: 'vineyard', version, file: `vineyard-${version}.tgz`, signed: false }],
      targets: [
        {
          to: `file://${repo}`,
          kind: 'repository',
          charts: [{ name: 'vineyard', version, published: [version], action: 'unchanged' }],
          lint: { against: `file://${repo}`, summary: { failed: false, errors: 0 } },
          result: {
            objects: [],
            index: { action: 'unchanged', entries: 1 },
            metadata: [{ key: 'artifacthub-repo.yml', action: 'unchanged' }],
          },
        },
      ],
    });
    expect(summary.charts[0].digest).toMatch(/^[0-9a-f]{64}$/);
    expect(await snapshot(repo)).toEqual(before);
  }, 60_000);

  it('same version and content packaged with other archive bytes is still a no-op', async () => {
    // Another SOURCE_DATE_EPOCH gives other tar mtimes, hence another digest for the same content.
    const src = await copySources('same');
    const before = await snapshot(repo);
    const published = (await readIndex(repo)).entries.vineyard[0].digest;
    const res = await cli(
      ['release', '--src', src, '--out', path.join(tmp, 'same-out'), '--to', `file://${repo}`, '--json'],
      { env: { SOURCE_DATE_EPOCH: '1700000000' } },
    );
    expect(res.code, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout);
    expectMatchesSchema('release-summary.schema.json', summary);
    expect(summary.charts[0].digest).not.toBe(published);
    expect(summary.targets[0].charts[0].action).toBe('unchanged');
    expect(await snapshot(repo)).toEqual(before);
  }, 60_000);
});

describe('release refuses unsafe publishes', () => {
  it('content changed without a version bump: exit 1, clear message, nothing written; a bump then publishes', async () => {
    const edit = (dir: string) =>
      writeFile(path.join(dir, 'templates', 'NOTES.txt'), '\nThanks for installing vineyard.\n', {
        flag: 'a',
      });
    const src = await copySources('changed', edit);
    const before = await snapshot(repo);
    const res = await cli([
      'release',
      '--src',
      src,
      '--out',
      path.join(tmp, 'changed-out'),
      '--to',
      `file://${repo}`,
    ]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('release refused, nothing was published');
    expect(res.stdout).toContain(
      `vineyard ${version} is already published at ${repo}/vineyard-${version}.tgz with different content (templates/NOTES.txt)`,
    );
    expect(res.stdout).toMatch(
      /release-version-bump .*chart content changed since published .* but version .* is not greater/,
    );
    expect(res.stderr).toContain('refused: nothing was written to any target');
    expect(await snapshot(repo)).toEqual(before);

    await bumpVersion(path.join(src, 'vineyard'), '99.0.0');
    const bumped = await cli([
      'release',
      '--src',
      src,
      '--out',
      path.join(tmp, 'changed-out'),
      '--to',
      `file://${repo}`,
    ]);
    expect(bumped.code, bumped.stdout + bumped.stderr).toBe(0);
    const index = await readIndex(repo);
    expect(index.entries.vineyard.map((e) => e.version).sort()).toEqual([version, '99.0.0'].sort());
    const old = index.entries.vineyard.find((e) => e.version === version);
    expect(old?.digest).toBe(before[`vineyard-${version}.tgz`].split(' ')[0]);
  }, 60_000);

  it('lint failure blocks publishing', async () => {
    const src = await copySources('lint-bad', async (dir) => {
      await bumpVersion(dir, '100.0.0');
      await writeFile(
        path.join(dir, 'templates', 'broken.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata: [unclosed\n',
      );
    });
    const target = path.join(tmp, 'lint-repo');
    const res = await cli([
      'release',
      '--src',
      src,
      '--out',
      path.join(tmp, 'lint-out'),
      '--to',
      `file://${target}`,
      '--json',
    ]);
    expect(res.code).toBe(1);
    const summary = JSON.parse(res.stdout);
    expectMatchesSchema('release-summary.schema.json', summary);
    expect(summary.ok).toBe(false);
    expect(summary.refusals[0]).toMatch(/^lint failed for file:.*broken\.yaml/s);
    expect(summary.targets[0].lint.summary.failed).toBe(true);
    expect(summary.targets[0].result).toBeUndefined();
    expect(existsSync(target)).toBe(false);
  }, 60_000);
});

describe('release --dry-run', () => {
  it('prints the plan and writes nothing (no repository, no build output)', async () => {
    const target = path.join(tmp, 'dry-repo');
    const out = path.join(tmp, 'dry-out');
    const res = await cli(['release', '--to', `file://${target}`, '--out', out, '--dry-run']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`plan for file://${target}`);
    expect(res.stdout).toMatch(new RegExp(`would-upload +${target}/vineyard-${version}\\.tgz`));
    expect(res.stdout).toMatch(/would-create +index\.yaml \(1 entries\)/);
    expect(res.stdout).toContain(`+ vineyard@${version}`);
    expect(res.stdout).toMatch(/would-upload +.*artifacthub-repo\.yml/);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(out)).toBe(false);

    const json = await cli(['release', '--to', `file://${target}`, '--out', out, '--dry-run', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expectMatchesSchema('release-summary.schema.json', JSON.parse(json.stdout));
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      dryRun: true,
      targets: [
        {
          charts: [{ action: 'publish', published: [] }],
          lint: { against: null },
          result: {
            dryRun: true,
            objects: [{ key: `vineyard-${version}.tgz`, action: 'would-upload', kind: 'chart' }],
            index: { action: 'would-create', added: [`vineyard@${version}`] },
            metadata: [{ key: 'artifacthub-repo.yml', action: 'would-upload' }],
          },
        },
      ],
    });
    expect(existsSync(target)).toBe(false);
  }, 60_000);

  it('names a target or fails with a usage error', async () => {
    const res = await cli(['release']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--to URL, or use --local');
  });
});
