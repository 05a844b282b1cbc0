/**
 * What the real vineyardd (v6d v0.24.x) and etcd need from the chart, read from their sources and checked
 * against the binaries (issue 10, part 3): each case here failed on the chart before its fix. Rendered with
 * real helm v3 and v4; the refusals are also checked through `manifests`, which `deploy` uses.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderManifests } from '../../src/stages/render/manifests.ts';
import type { HelmMajor } from '../../src/tools/helm.ts';
import { CHART_DIR, type K8sObject, parseDocuments } from '../support/chart.ts';
import { freePort, HELM_MAJORS, helm, withTempDir } from '../support/run.ts';

type EnvVar = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } };
type Container = {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; subPathExpr?: string }[];
};
type PodTemplate = { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> };

async function template(
  major: HelmMajor,
  home: string,
  opts: {
    set?: string[];
    values?: string;
    release?: string;
    chartDir?: string;
    env?: Record<string, string>;
  } = {},
  extra: string[] = [],
): Promise<{ code: number; stderr: string; docs: K8sObject[] }> {
  const args = [
    'template',
    opts.release ?? 'vineyard',
    opts.chartDir ?? CHART_DIR,
    '--namespace',
    'vineyard',
  ];
  if (opts.values !== undefined) {
    const file = path.join(home, `values-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, opts.values);
    args.push('-f', file);
  }
  for (const s of opts.set ?? []) args.push('--set', s);
  const res = await helm(major, [...args, ...extra], home, { env: opts.env });
  return { code: res.code ?? -1, stderr: res.stderr, docs: res.code === 0 ? parseDocuments(res.stdout) : [] };
}

const workload = (docs: K8sObject[], kind: 'DaemonSet' | 'StatefulSet') => {
  const obj = docs.find((d) => d.kind === kind);
  if (!obj) throw new Error(`no ${kind} rendered`);
  return (obj.spec as { template: PodTemplate }).template;
};
const containersOf = (t: PodTemplate) => t.spec.containers as Container[];
const vineyarddOf = (docs: K8sObject[]) => {
  const c = containersOf(workload(docs, 'DaemonSet')).find((x) => x.name === 'vineyardd');
  if (!c) throw new Error('no vineyardd container');
  return c;
};
const etcdOf = (docs: K8sObject[]) => {
  const c = containersOf(workload(docs, 'StatefulSet')).find((x) => x.name === 'etcd');
  if (!c) throw new Error('no etcd container');
  return c;
};
const fieldRef = (c: Container, name: string) =>
  c.env?.find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath;

const PERSISTENT_CLUSTER = ['etcd.replicas=3', 'etcd.persistence.enabled=true'];

describe.each(HELM_MAJORS)('helm %s', (major) => {
  it('B-1: vineyardd publishes its pod IP as RPC host and the node name (MY_HOST_NAME, MY_NODE_NAME)', () =>
    withTempDir(async (home) => {
      const { docs } = await template(major, home);
      const vineyardd = vineyarddOf(docs);
      // common/util/env.h: get_hostname() reads MY_HOST_NAME, get_nodename() MY_NODE_NAME.
      expect(fieldRef(vineyardd, 'MY_HOST_NAME')).toBe('status.podIP');
      expect(fieldRef(vineyardd, 'MY_NODE_NAME')).toBe('spec.nodeName');
      // Names vineyardd never reads are not set on it, so nobody takes them for configuration.
      for (const unused of ['VINEYARD_POD_NAME', 'VINEYARD_POD_NAMESPACE'])
        expect(vineyardd.env?.map((e) => e.name)).not.toContain(unused);
    }));

  it('B-2: vineyardd cannot start a private etcd (exits instead), and logs to stderr only', () =>
    withTempDir(async (home) => {
      const args = vineyarddOf((await template(major, home)).docs).args ?? [];
      const etcdCmd = args.find((a) => a.startsWith('--etcd_cmd='));
      // A path under /dev/null can never exist: util/etcd_launcher.cc gives up instead of launching.
      expect(etcdCmd).toMatch(/^--etcd_cmd=\/dev\/null\/./);
      expect(args).not.toContain('--skip_launch_etcd=false');
      expect(args).toContain('--logtostderr=true');
      expect(args.some((a) => a.startsWith('--log_dir'))).toBe(false);
    }));

  it('B-3/B-4: the exporter port is the one its image listens on; enabling metrics needs a pinned tag', () =>
    withTempDir(async (home) => {
      const port = await template(major, home, { set: ['metrics.port=9200'] });
      expect(port.code).not.toBe(0);
      expect(port.stderr).toContain('port');

      const unpinned = await template(major, home, { set: ['metrics.enabled=true'] });
      expect(unpinned.code).not.toBe(0);
      expect(unpinned.stderr).toContain('metrics.enabled needs metrics.image.tag');

      const { docs } = await template(major, home, {
        set: ['metrics.enabled=true', 'metrics.image.tag=1.0.0-rc5'],
      });
      const exporter = containersOf(workload(docs, 'DaemonSet')).find((c) => c.name === 'metrics');
      expect(exporter?.image).toBe('docker.io/vineyardcloudnative/vineyard-grok-exporter:1.0.0-rc5');
      expect(exporter?.ports).toEqual([{ name: 'metrics', containerPort: 9144, protocol: 'TCP' }]);
      const args = vineyarddOf(docs).args ?? [];
      expect(args).toContain('--log_dir=/var/log/vineyard');
      expect(args).not.toContain('--logtostderr=true');
    }));

  it('B-5: syncCRDs is gone (no CRDs, RBAC or identity env in this chart); no ServiceAccount token', () =>
    withTempDir(async (home) => {
      const res = await template(major, home, { set: ['vineyardd.syncCRDs=true'] });
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain('syncCRDs');
      const { docs } = await template(major, home);
      expect(workload(docs, 'DaemonSet').spec.automountServiceAccountToken).toBe(false);
      expect(vineyarddOf(docs).args?.some((a) => a.startsWith('--sync_crds'))).toBe(false);
    }));

  it('B-6: every $(VAR) in a subPathExpr is in that container’s env (PVC socket + extraContainers)', () =>
    withTempDir(async (home) => {
      const values = `vineyardd:
  socket:
    volumeType: persistentVolumeClaim
  extraContainers:
    - name: worker
      image: docker.io/library/python:3.12.8-alpine3.21
    - name: own-env
      image: docker.io/library/python:3.12.8-alpine3.21
      env:
        - name: VINEYARD_NODE_NAME
          value: fixed
`;
      const { docs } = await template(major, home, { values });
      const containers = containersOf(workload(docs, 'DaemonSet'));
      expect(containers.map((c) => c.name)).toEqual(['vineyardd', 'worker', 'own-env']);
      for (const c of containers) {
        const names = new Set((c.env ?? []).map((e) => e.name));
        for (const m of c.volumeMounts ?? [])
          for (const [, v] of (m.subPathExpr ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g))
            expect(names, `${c.name} mounts ${m.name} with $(${v})`).toContain(v);
      }
      const worker = containers[1] as Container;
      expect(fieldRef(worker, 'VINEYARD_NODE_NAME')).toBe('spec.nodeName');
      expect(worker.env?.find((e) => e.name === 'VINEYARD_IPC_SOCKET')?.value).toBe(
        '/var/run/vineyard/vineyard.sock',
      );
      // A container's own definition wins, and is not duplicated.
      const own = (containers[2] as Container).env ?? [];
      expect(own.filter((e) => e.name === 'VINEYARD_NODE_NAME')).toEqual([
        { name: 'VINEYARD_NODE_NAME', value: 'fixed' },
      ]);
    }));

  it('B-7: more than one etcd member needs persistence', () =>
    withTempDir(async (home) => {
      const res = await template(major, home, { set: ['etcd.replicas=3'] });
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain('etcd.replicas=3 needs etcd.persistence.enabled=true');
      expect((await template(major, home, { set: PERSISTENT_CLUSTER })).code).toBe(0);
    }));

  it('B-7: a chart-version-only bump leaves every pod template untouched', () =>
    withTempDir(async (home) => {
      const bumped = path.join(home, 'vineyard');
      await cp(CHART_DIR, bumped, { recursive: true });
      const chartYaml = path.join(bumped, 'Chart.yaml');
      await writeFile(
        chartYaml,
        (await readFile(chartYaml, 'utf8')).replace(/^version: .*$/m, 'version: 99.0.0'),
      );
      for (const set of [[], PERSISTENT_CLUSTER]) {
        const before = (await template(major, home, { set })).docs;
        const after = (await template(major, home, { set, chartDir: bumped })).docs;
        expect(JSON.stringify(after)).not.toEqual(JSON.stringify(before)); // the bump is visible...
        for (const kind of ['DaemonSet', 'StatefulSet'] as const)
          expect(workload(after, kind), kind).toEqual(workload(before, kind)); // ...but not to pods
      }
    }));

  it('B-9: an https:// external etcd is refused, with what to do', () =>
    withTempDir(async (home) => {
      const res = await template(major, home, {
        set: ['etcd.enabled=false', 'etcd.externalEndpoints={http://a.infra:2379,https://b.infra:2379}'],
      });
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain('"https://b.infra:2379" is not an http:// URL');
      expect(res.stderr).toContain('plaintext');
    }));

  it('etcd compacts its history and gets a quota of half its volume (at most 8 GiB)', () =>
    withTempDir(async (home) => {
      const quota = async (size: string) =>
        (
          etcdOf(
            (await template(major, home, { set: [...PERSISTENT_CLUSTER, `etcd.persistence.size=${size}`] }))
              .docs,
          ).args ?? []
        ).find((a) => a.startsWith('--quota-backend-bytes='));
      expect(await quota('5Gi')).toBe(`--quota-backend-bytes=${(5 * 2 ** 30) / 2}`);
      expect(await quota('1000M')).toBe('--quota-backend-bytes=500000000');
      expect(await quota('100Gi')).toBe(`--quota-backend-bytes=${8 * 2 ** 30}`);
      const odd = await template(major, home, {
        set: [...PERSISTENT_CLUSTER, 'etcd.persistence.size=1.5Gi'],
      });
      expect(odd.stderr).toContain('write it as a whole number with a unit, like 8Gi');

      const args = etcdOf((await template(major, home)).docs).args ?? [];
      expect(args).toEqual(
        expect.arrayContaining(['--auto-compaction-mode=periodic', '--auto-compaction-retention=1h']),
      );
      expect(args.some((a) => a.startsWith('--quota-backend-bytes'))).toBe(false); // emptyDir: etcd's default
    }));

  it('in-cluster names do not depend on the cluster domain; clusterDomain is gone', () =>
    withTempDir(async (home) => {
      const { docs } = await template(major, home, { set: PERSISTENT_CLUSTER });
      const text = JSON.stringify(docs);
      expect(text).not.toContain('cluster.local');
      expect(vineyarddOf(docs).args).toContain('--etcd_endpoint=http://etcd-for-vineyard.vineyard.svc:2379');
      expect(etcdOf(docs).args).toContain(
        '--initial-cluster=vineyard-etcd-0=http://vineyard-etcd-0.vineyard-etcd.vineyard.svc:2380,vineyard-etcd-1=http://vineyard-etcd-1.vineyard-etcd.vineyard.svc:2380,vineyard-etcd-2=http://vineyard-etcd-2.vineyard-etcd.vineyard.svc:2380',
      );
      const res = await template(major, home, { set: ['clusterDomain=k8s.example'] });
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain('clusterDomain');
    }));

  it('the vineyardd image is the one upstream releases publish, run from where it installs vineyardd', () =>
    withTempDir(async (home) => {
      const vineyardd = vineyarddOf((await template(major, home)).docs);
      expect(vineyardd.image).toBe('ghcr.io/v6d-io/v6d/vineyardd:alpine-v0.24.4');
      expect(vineyardd.command).toEqual(['/usr/local/bin/vineyardd']);
    }));

  it('long names: refused with a message when an object name would exceed its limit, never truncated', () =>
    withTempDir(async (home) => {
      const name = (n: number) => 'x'.repeat(n);
      const ok = await template(major, home, { set: [`fullnameOverride=${name(47)}`] });
      expect(ok.code, ok.stderr).toBe(0);
      for (const d of ok.docs) {
        expect(
          d.metadata.name.startsWith(name(47)) || d.metadata.name.startsWith('etcd-for-'),
          d.metadata.name,
        ).toBe(true);
        expect(d.metadata.name.length, d.metadata.name).toBeLessThanOrEqual(
          d.kind === 'StatefulSet' ? 52 : 63,
        );
      }
      const tooLong = await template(major, home, { set: [`fullnameOverride=${name(48)}`] });
      expect(tooLong.stderr).toContain('at most 47 characters');
      const external = ['etcd.enabled=false', 'etcd.externalEndpoints={http://e.infra:2379}'];
      expect((await template(major, home, { set: [...external, `fullnameOverride=${name(52)}`] })).code).toBe(
        0,
      );
      const tooLongExternal = await template(major, home, {
        set: [...external, `fullnameOverride=${name(53)}`],
      });
      expect(tooLongExternal.stderr).toContain('at most 52 characters');
    }));
});

/** Just enough of a Kubernetes API for helm's `lookup` (discovery and one StatefulSet GET). */
async function fakeApiServer(
  statefulSetReplicas: number | null,
): Promise<{ url: string; gets: string[]; server: Server }> {
  const gets: string[] = [];
  const server = createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0] ?? '';
    gets.push(url);
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const sts = url.match(/^\/apis\/apps\/v1\/namespaces\/([^/]+)\/statefulsets\/([^/]+)$/);
    if (url === '/version') return send(200, { major: '1', minor: '31', gitVersion: 'v1.31.0' });
    if (url === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'] });
    if (url === '/api/v1') return send(200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [] });
    if (url === '/apis')
      return send(200, {
        kind: 'APIGroupList',
        groups: [
          {
            name: 'apps',
            versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
            preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
          },
        ],
      });
    if (url === '/apis/apps/v1')
      return send(200, {
        kind: 'APIResourceList',
        groupVersion: 'apps/v1',
        resources: [
          {
            name: 'statefulsets',
            singularName: 'statefulset',
            namespaced: true,
            kind: 'StatefulSet',
            verbs: ['get'],
          },
        ],
      });
    if (sts && statefulSetReplicas !== null)
      return send(200, {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: sts[2], namespace: sts[1] },
        spec: { replicas: statefulSetReplicas },
      });
    return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, gets, server };
}

describe.each(HELM_MAJORS)('helm %s against a cluster (lookup)', (major) => {
  it.each([
    { running: 1, asked: 3 },
    { running: 3, asked: 1 },
    { running: 3, asked: 5 },
  ])('B-8: refuses etcd.replicas $running -> $asked on upgrade', ({ running, asked }) =>
    withTempDir(async (home) => {
      const api = await fakeApiServer(running);
      try {
        const kubeconfig = path.join(home, 'kubeconfig');
        await writeFile(
          kubeconfig,
          `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${api.url}"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`,
        );
        const env = { KUBECONFIG: kubeconfig };
        const set = [`etcd.replicas=${asked}`, 'etcd.persistence.enabled=true'];
        const refused = await template(major, home, { set, env }, ['--dry-run=server']);
        expect(api.gets).toContain('/apis/apps/v1/namespaces/vineyard/statefulsets/vineyard-etcd');
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toContain(
          `etcd.replicas cannot change on upgrade (StatefulSet vineyard-etcd runs ${running}, the values ask for ${asked})`,
        );
        // The same size passes the check (helm may still stop later: this API serves no OpenAPI).
        const same = await template(
          major,
          home,
          { set: [`etcd.replicas=${running}`, 'etcd.persistence.enabled=true'], env },
          ['--dry-run=server'],
        );
        expect(same.stderr).not.toContain('etcd.replicas cannot change');
      } finally {
        api.server.close();
      }
    }),
  );
});

describe('manifests (deploy) refuses the same values with the same messages', () => {
  it.each([
    { set: ['etcd.replicas=3'], says: 'needs etcd.persistence.enabled=true' },
    { set: ['etcd.enabled=false', 'etcd.externalEndpoints={https://e:2379}'], says: 'is not an http:// URL' },
    { set: ['metrics.enabled=true'], says: 'metrics.enabled needs metrics.image.tag' },
    { set: [`fullnameOverride=${'x'.repeat(48)}`], says: 'at most 47 characters' },
  ])('$says', async ({ set, says }) => {
    await expect(renderManifests({ chartDir: CHART_DIR, set })).rejects.toThrow(says);
  });

  it('and renders what helm renders for the fixed env and argv', async () => {
    const { documents } = await renderManifests({
      chartDir: CHART_DIR,
      release: 'vineyard',
      namespace: 'vineyard',
    });
    const vineyardd = vineyarddOf(documents.map((d) => d.object as K8sObject));
    expect(fieldRef(vineyardd, 'MY_HOST_NAME')).toBe('status.podIP');
    expect(vineyardd.args).toContain('--etcd_cmd=/dev/null/no-private-etcd');
  });
});
