/**
 * The two renderers agree: for every fixture, release name and namespace, real `helm template`
 * (v3.17 and v4.1) and our `manifests` produce the same documents (parsed YAML, deep-equal).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderManifests } from '../../src/stages/render/manifests.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { CHART_DIR, FIXTURES, helmTemplate, type K8sObject, keyOf } from '../support/chart.ts';
import { cli, HELM_MAJORS, helm, withTempDir } from '../support/run.ts';

/** A chart reading non-template files: .Files.Get, .Files.Glob with AsConfig/AsSecrets, .Files.Lines. */
const FILES_CHART = path.join(PROJECT_ROOT, 'test', 'fixtures', 'charts', 'files-demo');

const RELEASES = [
  { release: 'vineyard', namespace: 'vineyard' },
  { release: 'v6d-prod', namespace: 'data-platform' },
  { release: 'my-vineyard-cache', namespace: 'default' },
];

function byKey(docs: K8sObject[]): Record<string, K8sObject> {
  const out: Record<string, K8sObject> = {};
  for (const d of docs) {
    expect(out[keyOf(d)], `duplicate object ${keyOf(d)}`).toBeUndefined();
    out[keyOf(d)] = d;
  }
  return out;
}

describe.each(HELM_MAJORS)('manifests equals helm %s template', (major) => {
  it.each(FIXTURES)('fixture $name', async ({ file }) => {
    await withTempDir(async (home) => {
      for (const target of RELEASES) {
        const theirs = await helmTemplate(major, home, { ...target, valuesFiles: [file] });
        const ours = await renderManifests({ chartDir: CHART_DIR, valuesFiles: [file], ...target });
        expect(byKey(ours.documents.map((d) => d.object as K8sObject))).toEqual(byKey(theirs));
      }
    });
  });

  it('--set values are typed and merged like helm', async () => {
    const set = [
      'vineyardd.sharedMemorySize=4Gi,rpc.service.port=9700,vineyardd.resources.limits.memory=5Gi',
      'etcd.replicas=3,etcd.persistence.enabled=true',
      'vineyardd.tolerations[0].key=gpu,vineyardd.tolerations[0].operator=Exists',
      'etcd.externalEndpoints={http://a:2379,http://b:2379}',
      'vineyardd.env[0].name=A,vineyardd.env[0].value=on',
    ];
    await withTempDir(async (home) => {
      const theirs = await helmTemplate(major, home, {
        release: 'x',
        namespace: 'ns',
        set,
        valuesFiles: [FIXTURES[0].file],
      });
      const ours = await renderManifests({
        chartDir: CHART_DIR,
        release: 'x',
        namespace: 'ns',
        set,
        valuesFiles: [FIXTURES[0].file],
      });
      expect(byKey(ours.documents.map((d) => d.object as K8sObject))).toEqual(byKey(theirs));
    });
  });
});

describe.each(HELM_MAJORS)('manifests --chart on a chart using .Files equals helm %s template', (major) => {
  it.each(RELEASES)('release $release in $namespace, byte for byte', async ({ release, namespace }) => {
    await withTempDir(async (home) => {
      const args = ['template', release, FILES_CHART, '--namespace', namespace];
      const theirs = await helm(major, args, home);
      expect(theirs.code, theirs.stderr).toBe(0);
      const ours = await cli(['manifests', '--chart', FILES_CHART, '--release', release, '-n', namespace]);
      expect(ours.code, ours.stderr).toBe(0);
      expect(ours.stdout).toBe(theirs.stdout);
      // Guards the fixture itself: the files really reach the templates, and only helm's "other" files.
      expect(ours.stdout).toContain('motd: "hello from a file\\nsecond line\\n"');
      expect(ours.stdout).toContain('not-files: "[\\"\\",\\"\\",\\"\\",\\"\\"]"');
    });
  });

  it('and from its packaged .tgz, through the same loader', async () => {
    await withTempDir(async (work) => {
      const packaged = await cli(['package', FILES_CHART, '--out', work]);
      expect(packaged.code, packaged.stderr).toBe(0);
      const tgz = path.join(work, 'files-demo-0.1.0.tgz');
      const theirs = await helm(major, ['template', 'r', tgz], path.join(work, 'home'));
      expect(theirs.code, theirs.stderr).toBe(0);
      const ours = await cli(['manifests', '--chart', tgz, '--release', 'r']);
      expect(ours.code, ours.stderr).toBe(0);
      expect(ours.stdout).toBe(theirs.stdout);
    });
  });
});

describe('manifests CLI', () => {
  it('prints the documents for the given values', async () => {
    const res = await cli(['manifests', '--release', 'vineyard', '--namespace', 'vineyard', '--skip-tests']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('# Source: vineyard/templates/daemonset.yaml');
    expect(res.stdout).toContain('name: etcd-for-vineyard');
    expect(res.stdout).toContain('name: vineyard-rpc');
    expect(res.stdout).not.toContain('helm.sh/hook: test');
  });

  it('refuses a --kube-version that is not a version (exit 2), as helm template does', async () => {
    const res = await cli(['manifests', '--kube-version', 'banana']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      'error: --kube-version banana: expected a Kubernetes version like 1.31 or v1.31.0\n',
    );
    await withTempDir(async (home) => {
      const helmRes = await helm('v4', ['template', 'x', CHART_DIR, '--kube-version', 'banana'], home);
      expect(helmRes.code).not.toBe(0);
      expect(helmRes.stderr).toContain('banana');
    });
    expect((await cli(['manifests', '--kube-version', 'v1.31.0'])).code).toBe(0);
  });

  it("reports the chart's own fail() as one line naming the template, exit 1 (not an internal error)", async () => {
    const res = await cli(['manifests', '--set', 'etcd.replicas=3']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(
      /^error: vineyard\/templates\/_helpers\.tpl: line \d+: .*etcd\.replicas=3 needs etcd\.persistence\.enabled=true/,
    );
  });

  it('rejects values the schema forbids, naming the path, like helm', async () => {
    const res = await cli(['manifests', '--set', 'vineyardd.socket.volumeType=nfs']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /vineyardd\.socket\.volumeType: must be one of "hostPath", "persistentVolumeClaim", "emptyDir"/,
    );
  });

  it('exits 2 on a missing values file', async () => {
    const res = await cli(['manifests', '-f', '/nonexistent/values.yaml']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('/nonexistent/values.yaml');
  });
});
