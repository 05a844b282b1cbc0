/**
 * Upgrades between our own versions (issue 11, items 4 and 5): the published chart (this checkout's version,
 * released to a file:// repository) and a chart-version-only bump of it (a copy of chart-src) render the same
 * pod templates and immutable fields under real helm v3 and v4 with the same values, `lint --against` finds
 * nothing, and `release` publishes it; a chart whose pod templates carry the chart version is a finding, and
 * a bumped version without a changelog entry is refused.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chart } from '../../chart-src/vineyard/chart.ts';
import { lintCharts } from '../../src/stages/lint/lint.ts';
import { IMMUTABLE_FIELDS } from '../../src/stages/lint/release.ts';
import { release } from '../../src/stages/release/release.ts';
import { renderAll } from '../../src/stages/render/render.ts';
import { ensureTool, PROJECT_ROOT } from '../../src/tools/helm.ts';
import { type K8sObject, keyOf, parseDocuments } from '../support/chart.ts';
import { bumpChartVersion, copyChartSources } from '../support/chart-sources.ts';
import { HELM_MAJORS, helm } from '../support/run.ts';

let work: string;
let repo: string;
const published = chart.version;
const NEXT = '0.10.1-upgrade.1';

beforeAll(async () => {
  await Promise.all(HELM_MAJORS.map((m) => ensureTool(m)));
  work = await mkdtemp(path.join(tmpdir(), 'vineyard-upgrade-'));
  repo = path.join(work, 'repo');
  const summary = await release({
    srcRoot: path.join(PROJECT_ROOT, 'chart-src'),
    outRoot: path.join(work, 'published-out'),
    targets: [`file://${repo}`],
  });
  expect(summary.refusals).toEqual([]);
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A copy of chart-src at version `to` (with a changelog entry unless told), rendered; its chart dir. */
async function bumped(
  name: string,
  to: string,
  edit?: (chartDir: string) => Promise<void>,
  changelog = true,
) {
  const src = await copyChartSources(work, name, async (dir) => {
    await edit?.(dir);
    await bumpChartVersion(dir, to, changelog);
  });
  const [dir] = await renderAll(src, path.join(work, `${name}-out`));
  return { src, dir };
}

const releaseFindings = async (dir: string) =>
  (await lintCharts([dir], { against: path.join(repo, 'index.yaml') })).findings.filter((f) =>
    f.rule.startsWith('release-'),
  );

const get = (o: unknown, p: string) =>
  p
    .split('.')
    .reduce<unknown>(
      (c, k) => (c && typeof c === 'object' ? (c as Record<string, unknown>)[k] : undefined),
      o,
    );

const VALUES = [
  '',
  'ci/etcd-cluster-persistent-values.yaml',
  'ci/recipe-ha-etcd-values.yaml',
  'ci/recipe-pvc-socket-values.yaml',
];

describe('a chart-version-only bump', () => {
  it('renders the same pod templates and immutable fields as the published version (helm v3, v4)', async () => {
    const { dir } = await bumped('version-only', NEXT);
    const tgz = path.join(repo, `vineyard-${published}.tgz`);
    for (const major of HELM_MAJORS)
      for (const values of VALUES) {
        const render = async (chartRef: string) => {
          const args = ['template', 'vineyard', chartRef, '-n', 'vineyard'];
          if (values) args.push('-f', path.join(dir, values));
          const res = await helm(major, args, work);
          expect(res.code, res.stderr).toBe(0);
          return new Map(parseDocuments(res.stdout).map((d) => [keyOf(d), d] as [string, K8sObject]));
        };
        const before = await render(tgz);
        const after = await render(dir);
        expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
        for (const [key, obj] of after) {
          const old = before.get(key) as K8sObject;
          if (obj.kind === 'StatefulSet' || obj.kind === 'DaemonSet')
            expect(get(obj, 'spec.template'), `${major} ${values} ${key}`).toEqual(get(old, 'spec.template'));
          for (const field of IMMUTABLE_FIELDS[obj.kind] ?? [])
            expect(get(obj, field), `${major} ${values} ${key} ${field}`).toEqual(get(old, field));
          // the version shows on the objects themselves, never in what Kubernetes cannot update
          expect(obj.metadata.labels?.['helm.sh/chart']).toBe(`vineyard-${NEXT}`);
        }
      }
  }, 120_000);

  it('lint --against the published index finds nothing, and release publishes it', async () => {
    const { src, dir } = await bumped('version-only-release', NEXT);
    expect(await releaseFindings(dir)).toEqual([]);
    const summary = await release({
      srcRoot: src,
      outRoot: path.join(work, 'next-out'),
      targets: [`file://${repo}`],
    });
    expect(summary.refusals).toEqual([]);
    const index = yaml.load(await readFile(path.join(repo, 'index.yaml'), 'utf8')) as {
      entries: { vineyard: { version: string; annotations?: Record<string, string> }[] };
    };
    const next = index.entries.vineyard.find((e) => e.version === NEXT);
    expect(next?.annotations?.['artifacthub.io/changes']).toContain(`test version ${NEXT}`);
    expect(next?.annotations?.['artifacthub.io/prerelease']).toBe('true');
  }, 120_000);
});

describe('refused upgrades', () => {
  it('pod templates that carry the chart version: a release-pod-template error for etcd and vineyardd', async () => {
    const { dir } = await bumped('versioned-pods', '0.10.2', async (chartDir) => {
      const file = path.join(chartDir, 'templates', '_helpers.tpl');
      const text = await readFile(file, 'utf8');
      const podLabels = '{{- define "vineyard.podLabels" -}}\n';
      expect(text).toContain(podLabels);
      await writeFile(
        file,
        text.replace(podLabels, `${podLabels}example.com/chart-version: {{ .Chart.Version | quote }}\n`),
      );
    });
    const findings = (await releaseFindings(dir)).filter((f) => f.rule === 'release-pod-template');
    const errors = findings.filter((f) => f.severity === 'ERROR');
    expect(new Set(errors.map((f) => f.message.split(' ')[0]))).toEqual(
      new Set(['DaemonSet', 'StatefulSet']),
    );
    expect(errors[0].path).toBe('spec.template.metadata.labels.example.com/chart-version');
    expect(errors[0].message).toContain('depends on the chart version');
  }, 120_000);

  it('a template change that restarts pods on purpose is information, not an error', async () => {
    const { dir } = await bumped('new-probe', '0.10.3', async (chartDir) => {
      const file = path.join(chartDir, 'templates', 'daemonset.yaml');
      const text = await readFile(file, 'utf8');
      await writeFile(
        file,
        text.replace(
          '            periodSeconds: 20\n            failureThreshold: 3',
          '            periodSeconds: 30\n            failureThreshold: 3',
        ),
      );
    });
    const findings = await releaseFindings(dir);
    expect(findings.filter((f) => f.severity !== 'INFO')).toEqual([]);
    expect(findings.some((f) => f.rule === 'release-pod-template' && f.message.startsWith('DaemonSet'))).toBe(
      true,
    );
  }, 120_000);

  it('a bumped version without a changelog entry is refused by release, nothing written', async () => {
    const { src } = await bumped('no-changelog', '0.10.4', undefined, false);
    const before = await readFile(path.join(repo, 'index.yaml'), 'utf8');
    const summary = await release({
      srcRoot: src,
      outRoot: path.join(work, 'no-changelog-out'),
      targets: [`file://${repo}`],
    });
    expect(summary.ok).toBe(false);
    expect(summary.refusals.join('\n')).toContain('vineyard 0.10.4 has no changelog entry');
    expect(await readFile(path.join(repo, 'index.yaml'), 'utf8')).toBe(before);
  }, 120_000);
});
