/**
 * deploy / undeploy through the CLI, with --kubectl pointing at a recording shim: the exact kubectl
 * invocations (argv) and the documents they receive (stdin), compared with what `manifests` renders.
 * No cluster runs here, so apply/wait/delete against a real API server is NOT verified by these tests.
 */
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { deploy, kubectlRunner, undeploy } from '../../src/stages/deploy/deploy.ts';
import { renderManifests } from '../../src/stages/render/manifests.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { type KubectlCall, makeKubectlShim } from '../support/kubectl-shim.ts';
import { cli, withTempDir } from '../support/run.ts';

const CHART = path.join(PROJECT_ROOT, 'test', 'fixtures', 'charts', 'deploy-demo');
const RECORD = 'vineyard-charts.release.r1';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
};
const docs = (call: KubectlCall) => (loadAll(call.stdin) as Obj[]).filter(Boolean);
const ids = (objs: Obj[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`);
const recordRefs = (call: KubectlCall) =>
  JSON.parse(docs(call)[0].data?.['objects.json'] ?? 'null') as { kind: string; name: string }[];

async function expected(set: string[] = []) {
  const r = await renderManifests({
    chartDir: CHART,
    release: 'r1',
    namespace: 'data',
    skipTests: true,
    set,
  });
  return r.documents.map((d) => d.object);
}

const base = ['--chart', CHART, '--release', 'r1', '-n', 'data'];

/** The typed API with the real renderer and the shim as kubectl (faster than a CLI process per run). */
function deployDefaults(kubectl: string) {
  return {
    valuesFiles: [],
    set: [],
    release: 'r1',
    namespace: 'data',
    wait: false,
    timeoutSeconds: 60,
    createNamespace: false,
    forceConflicts: false,
    render: (opts: { valuesFiles: string[]; set: string[]; release: string; namespace: string }) =>
      renderManifests({ chartDir: CHART, skipTests: true, ...opts }),
    runner: kubectlRunner({ kubectl }),
  };
}

function apiDeploy(kubectl: string, set: string[] = []) {
  return deploy({ ...deployDefaults(kubectl), set });
}

describe('vineyard-charts deploy', () => {
  it('records, applies server-side into the namespace, records again, then waits within the timeout', async () => {
    await withTempDir(async (dir) => {
      const shim = await makeKubectlShim(dir);
      const res = await cli([
        'deploy',
        ...base,
        '--kubectl',
        shim.path,
        '--wait',
        '--timeout',
        '2m',
        '--kubeconfig',
        '/k/conf',
      ]);
      expect(res.code, res.stderr).toBe(0);
      const calls = await shim.calls();
      const applyRecord = [
        'apply',
        '--server-side',
        '--field-manager',
        'vineyard-charts',
        '--force-conflicts',
        '-n',
        'data',
        '-f',
        '-',
      ];
      expect(calls.map((c) => c.argv)).toEqual([
        [
          '--kubeconfig',
          '/k/conf',
          'get',
          'configmap',
          RECORD,
          '-n',
          'data',
          '-o',
          'json',
          '--ignore-not-found',
        ],
        ['--kubeconfig', '/k/conf', ...applyRecord],
        [
          '--kubeconfig',
          '/k/conf',
          'apply',
          '--server-side',
          '--field-manager',
          'vineyard-charts',
          '-n',
          'data',
          '-f',
          '-',
        ],
        ['--kubeconfig', '/k/conf', ...applyRecord],
        expect.arrayContaining(['rollout', 'status', 'daemonset/r1-vineyardd', '-n', 'data']),
        expect.arrayContaining(['rollout', 'status', 'statefulset/r1-etcd', '-n', 'data']),
      ]);
      // The applied documents are exactly the rendered ones (helm test hooks left out).
      const want = await expected();
      expect(docs(calls[2])).toEqual(want);
      expect(ids(docs(calls[2]))).not.toContain('Pod/r1-test');
      // Both records name every applied object, with the release namespace filled in.
      for (const call of [calls[1], calls[3]]) {
        expect(docs(call)[0].metadata).toMatchObject({ name: RECORD, namespace: 'data' });
        expect(recordRefs(call)).toEqual(
          want.map((o) => ({
            apiVersion: o.apiVersion,
            kind: o.kind,
            name: (o.metadata as Obj['metadata']).name,
            namespace: 'data',
          })),
        );
      }
      // One deadline: the second wait never gets more than what is left of --timeout 2m.
      const timeouts = calls.slice(4).map((c) => Number(/--timeout=(\d+)s/.exec(c.argv.join(' '))?.[1]));
      expect(timeouts[0]).toBeLessThanOrEqual(120);
      expect(timeouts[1]).toBeLessThanOrEqual(timeouts[0]);
    });
  });

  it('deletes what the previous deployment had and this one does not; a failed apply leaves everything recorded', async () => {
    await withTempDir(async (dir) => {
      const shim = await makeKubectlShim(dir);
      await apiDeploy(shim.path);
      const firstRecord = docs((await shim.calls())[3])[0];
      await shim.seedGet(JSON.stringify(firstRecord));

      const again = await apiDeploy(shim.path, ['etcd.enabled=false']);
      expect(again.pruned.map((r) => r.kind).sort()).toEqual(['Service', 'StatefulSet']);
      const calls = (await shim.calls()).slice(4);
      expect(calls.map((c) => c.argv.slice(0, 2))).toEqual([
        ['get', 'configmap'],
        ['apply', '--server-side'],
        ['apply', '--server-side'],
        ['delete', '--ignore-not-found'],
        ['apply', '--server-side'],
      ]);
      // Before applying, the record holds the union: the etcd objects stay recorded until deleted.
      const names = (refs: { kind: string; name: string }[]) => refs.map((r) => `${r.kind}/${r.name}`).sort();
      expect(names(recordRefs(calls[1]))).toEqual(
        names(JSON.parse(firstRecord.data?.['objects.json'] ?? '[]')),
      );
      expect(ids(docs(calls[3]))).toEqual(['StatefulSet/r1-etcd', 'Service/r1-etcd']);
      expect(docs(calls[3]).every((o) => Object.keys(o).join() === 'apiVersion,kind,metadata')).toBe(true);
      expect(recordRefs(calls[4]).map((r) => r.kind)).not.toContain('StatefulSet');

      await shim.failOn('^apply --server-side --field-manager vineyard-charts -n data');
      await expect(apiDeploy(shim.path)).rejects.toThrow(
        /kubectl apply --server-side .* failed \(exit 1\): Error from server \(simulated/,
      );
      const last = (await shim.calls()).slice(9);
      expect(last.map((c) => c.argv[0])).toEqual(['get', 'apply', 'apply']);
      // The record written before the failing apply covers the old and the new objects.
      expect(recordRefs(last[1]).map((r) => `${r.kind}/${r.name}`)).toEqual(
        expect.arrayContaining(ids((await expected()) as Obj[])),
      );
    });
  });

  it('refuses a Service that selects no pod, an object in another namespace, and a bad --timeout, before calling kubectl', async () => {
    await withTempDir(async (dir) => {
      const shim = await makeKubectlShim(dir);
      await expect(apiDeploy(shim.path, ['brokenServiceSelector=true'])).rejects.toThrow(
        /Service\/r1-rpc selects .*which matches no pod template/,
      );
      const elsewhere = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'other' } };
      await expect(
        deploy({
          ...deployDefaults(shim.path),
          render: async () => ({ documents: [{ object: elsewhere }] }),
        }),
      ).rejects.toThrow('ConfigMap/x is rendered into namespace "other" but the release namespace is "data"');
      const badTimeout = await cli(['deploy', ...base, '--kubectl', shim.path, '--timeout', 'soon']);
      expect(badTimeout.code).toBe(2);
      expect(badTimeout.stderr).toMatch(/--timeout: expected a duration like 300s/);
      expect(await shim.calls()).toEqual([]);
    });
  });

  it('--dry-run prints the kubectl commands with their input and runs nothing', async () => {
    await withTempDir(async (dir) => {
      const shim = await makeKubectlShim(dir);
      const res = await cli(['deploy', ...base, '--kubectl', shim.path, '--dry-run', '--create-namespace']);
      expect(res.code, res.stderr).toBe(0);
      expect(await shim.calls()).toEqual([]);
      expect(res.stdout).toContain(
        "# kubectl apply --server-side --field-manager vineyard-charts -f - <<'EOF'\n---\napiVersion: v1\nkind: Namespace",
      );
      expect(res.stdout).toContain(
        "# kubectl apply --server-side --field-manager vineyard-charts -n data -f - <<'EOF'",
      );
      expect(res.stdout).toContain('name: r1-vineyardd');
    });
  });
});

describe('vineyard-charts undeploy', () => {
  it('deletes exactly the recorded objects, workloads first, then the record', async () => {
    await withTempDir(async (dir) => {
      const shim = await makeKubectlShim(dir);
      await apiDeploy(shim.path);
      const record = docs((await shim.calls())[3])[0];
      await shim.seedGet(JSON.stringify(record));
      const result = await undeploy({
        release: 'r1',
        namespace: 'data',
        timeoutSeconds: 90,
        runner: kubectlRunner({ kubectl: shim.path }),
      });
      expect(result.found).toBe(true);
      const calls = (await shim.calls()).slice(4);
      expect(calls.map((c) => c.argv)).toEqual([
        ['get', 'configmap', RECORD, '-n', 'data', '-o', 'json', '--ignore-not-found'],
        ['delete', '--ignore-not-found', '--wait=true', '--timeout=90s', '-n', 'data', '-f', '-'],
        ['delete', 'configmap', RECORD, '-n', 'data', '--ignore-not-found'],
      ]);
      const deleted = ids(docs(calls[1]));
      expect(deleted.slice(0, 2).sort()).toEqual(['DaemonSet/r1-vineyardd', 'StatefulSet/r1-etcd']);
      expect([...deleted].sort()).toEqual(ids((await expected()) as Obj[]).sort());
    });
  });

  it('fails when nothing is recorded, unless --ignore-not-found', async () => {
    await withTempDir(async (dir) => {
      const shim = await makeKubectlShim(dir);
      const res = await cli(['undeploy', '--release', 'r1', '-n', 'data', '--kubectl', shim.path]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(
        `no deployment of release "r1" is recorded in namespace "data" (ConfigMap ${RECORD} not found)`,
      );
      const ok = await cli([
        'undeploy',
        '--release',
        'r1',
        '-n',
        'data',
        '--kubectl',
        shim.path,
        '--ignore-not-found',
      ]);
      expect(ok.code, ok.stderr).toBe(0);
    });
  });
});
