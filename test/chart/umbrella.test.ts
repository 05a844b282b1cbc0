/**
 * The chart as a dependency (issue 11, item 1): an umbrella chart (test/fixtures/umbrella) takes it from our
 * served repository (`release --to file://` + the static server, `helm dependency build`) and renders and
 * installs (dry run) under helm v3 and v4, enabled and disabled by `condition: vineyard.enabled` and by
 * `tags:`, with `global:` values.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chart } from '../../chart-src/vineyard/chart.ts';
import { release } from '../../src/stages/release/release.ts';
import { ensureTool, type HelmMajor, PROJECT_ROOT } from '../../src/tools/helm.ts';
import { type K8sObject, parseDocuments } from '../support/chart.ts';
import { fakeApiServer } from '../support/fake-apiserver.ts';
import { HELM_MAJORS, helm, withTempDir } from '../support/run.ts';
import { type StaticServer, serveDirectory } from '../support/static-server.ts';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'umbrella');
let work: string;
let server: StaticServer;

beforeAll(async () => {
  await Promise.all(HELM_MAJORS.map((m) => ensureTool(m)));
  work = await mkdtemp(path.join(tmpdir(), 'vineyard-umbrella-'));
  const repo = path.join(work, 'repo');
  const summary = await release({
    srcRoot: path.join(PROJECT_ROOT, 'chart-src'),
    outRoot: path.join(work, 'out'),
    targets: [`file://${repo}`],
  });
  expect(summary.refusals).toEqual([]);
  server = await serveDirectory(repo);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

/** The umbrella chart in `home`, its dependency built from the served repository. */
async function umbrella(major: HelmMajor, home: string): Promise<string> {
  const dir = path.join(home, 'data-platform');
  await cp(FIXTURE, dir, { recursive: true });
  const chartYaml = path.join(dir, 'Chart.yaml');
  await writeFile(
    chartYaml,
    (await readFile(chartYaml, 'utf8'))
      .replace('@VINEYARD_VERSION@', chart.version)
      .replace('@VINEYARD_REPOSITORY@', server.url),
  );
  const add = await helm(major, ['repo', 'add', 'vineyard', server.url], home);
  expect(add.code, add.stderr).toBe(0);
  const build = await helm(major, ['dependency', 'build', dir], home);
  expect(build.code, build.stderr).toBe(0);
  return dir;
}

const vineyardObjects = (docs: K8sObject[]) =>
  docs.filter((d) => d.metadata.labels?.['app.kubernetes.io/part-of'] === 'vineyard').map((d) => d.kind);

const CASES = [
  { what: 'enabled by its tag (no condition value)', set: [], enabled: true },
  { what: 'disabled by its tag', set: ['tags.cache=false'], enabled: false },
  {
    what: 'enabled by its condition, which wins over the tag',
    set: ['vineyard.enabled=true', 'tags.cache=false'],
    enabled: true,
  },
  { what: 'disabled by its condition', set: ['vineyard.enabled=false'], enabled: false },
];

describe.each(HELM_MAJORS)('helm %s: an umbrella chart with vineyard as a dependency', (major) => {
  it.each(CASES)('template: $what', ({ set, enabled }) =>
    withTempDir(async (home) => {
      const dir = await umbrella(major, home);
      const args = ['template', 'platform', dir, '--namespace', 'vineyard'];
      for (const s of set) args.push('--set', s);
      const res = await helm(major, args, home);
      expect(res.code, res.stderr).toBe(0);
      const docs = parseDocuments(res.stdout);
      const platform = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'platform-platform');
      expect((platform as { data?: Record<string, string> })?.data?.team).toBe('data'); // global: reaches the parent
      if (!enabled) {
        expect(vineyardObjects(docs)).toEqual([]);
        return;
      }
      expect(vineyardObjects(docs)).toEqual(expect.arrayContaining(['DaemonSet', 'StatefulSet', 'Service']));
      // the parent's values reach the subchart
      const ds = docs.find((d) => d.kind === 'DaemonSet');
      expect(JSON.stringify(ds)).toContain('--size=512Mi');
      const rpc = docs.find((d) => d.kind === 'Service' && d.metadata.name.endsWith('-rpc'));
      expect(JSON.stringify(rpc)).toContain('9700');
    }),
  );

  it.each(CASES)('install --dry-run: $what', ({ set, enabled }) =>
    withTempDir(async (home) => {
      const dir = await umbrella(major, home);
      const api = await fakeApiServer(home); // helm v3 asks a cluster for its version even in a dry run
      try {
        const args = ['install', 'platform', dir, '--namespace', 'vineyard', '--dry-run=client'];
        for (const s of set) args.push('--set', s);
        // helm v3 validates against the server's OpenAPI even in a dry run; the fake server has none
        if (major === 'v3') args.push('--disable-openapi-validation');
        const res = await helm(major, args, home, { env: { KUBECONFIG: api.kubeconfig } });
        expect(res.code, res.stderr).toBe(0);
        expect(res.stdout.includes('kind: DaemonSet')).toBe(enabled);
      } finally {
        await api.close();
      }
    }),
  );

  it('a value the chart does not know is still refused through the umbrella, naming it', () =>
    withTempDir(async (home) => {
      const dir = await umbrella(major, home);
      const res = await helm(
        major,
        ['template', 'platform', dir, '--set', 'vineyard.vineyardd.sharedMemorySise=1Gi'],
        home,
      );
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain('sharedMemorySise');
    }));
});
