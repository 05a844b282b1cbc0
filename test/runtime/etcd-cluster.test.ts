// Issue 10, scenario 2.4: `etcd.replicas: 3` with `etcd.persistence.enabled: true` (the chart requires it),
// run by the real etcd (Debian's 3.4) on 3 simulated nodes from the chart's own argv: the three members
// form one cluster (member list and status read from each member through etcd's v3 JSON gateway), every
// vineyardd joins it, and a member whose pod is deleted and recreated by its StatefulSet (same name, same
// claim directory, new IP and container) rejoins as the same member and serves the cluster's data.
// Configurations that cannot work are refused before anything runs: replicas > 1 without persistence
// (B-7) by `vineyard-charts manifests` and by real `helm template` v3 and v4, and a change of replicas
// on upgrade (B-8) by helm with the live StatefulSet visible to `lookup` (`helm template --dry-run=server`
// against a stand-in API server, which is what `helm upgrade` sees). `manifests` never sees a cluster (its
// `lookup` finds nothing, as `helm template` without a cluster does), so it cannot refuse the upgrade case.
//
// Seen with this configuration (not with etcd.replicas=1): in roughly 1 run of 3, the vineyardds that start
// together against the 3-member etcd do not all register. Every pod is Ready (the socket exists and port
// 9600 accepts), but etcd holds only the first instance's keys plus one `<prefix>/meta_sync_lock/<lease>`
// key per instance still joining (their etcd locks wait on each other), and IPC clients of the stuck ones
// hang. Measured: replicas=3 through the chart's Service 3 of 7 runs, replicas=3 with vineyardd pointed at
// member 0 only 2 of 5, replicas=1 0 of 5+. The first test then fails naming it; it is a vineyardd 0.24.2
// join problem the chart's probes do not catch, not a flaw of the test.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ensureTool, type HelmMajor } from '../../src/tools/helm.ts';
import { startFakeApiServer } from './harness/apiserver.ts';
import { Cluster, type Pod, renderManifests } from './harness/cluster.ts';
import type { Obj } from './harness/kubelet.ts';
import { ensureRuntime, repoRoot } from './harness/runtime.ts';
import { run, sleep } from './harness/sh.ts';
import { etcdGateway, etcdKeys, registeredInstances, runClient } from './workload.ts';

const NODES = ['node-1', 'node-2', 'node-3'];
const HA = ['etcd.replicas=3', 'etcd.persistence.enabled=true'];
const chartDir = process.env.VRT_CHART ?? path.join(repoRoot, 'charts-out/vineyard');
let cluster: Cluster;
const timings: Record<string, number> = {};
const t0 = Date.now();

const vineyardd = () => cluster.workloadPods('DaemonSet', cluster.doc('DaemonSet').metadata.name);
const etcdSts = () => cluster.doc('StatefulSet');
const etcdPods = () =>
  cluster.workloadPods('StatefulSet', etcdSts().metadata.name).sort((a, b) => a.name.localeCompare(b.name));
const base = (pod: Pod) => `http://${pod.ip}:2379`;

function diagnoseOnFailure(): void {
  onTestFailed(() => {
    console.error(`runtime cluster ${cluster?.id} events:\n${cluster?.events.slice(-80).join('\n')}`);
    console.error(cluster?.diagnostics(undefined, 30));
  });
}

interface MemberView {
  pod: string;
  memberId: string;
  clusterId: string;
  leader: string;
  members: { id: string; name: string; peerURLs: string[] }[];
}

/** What each member says about the cluster: its own id, the cluster id, the leader, the member list. */
async function memberViews(): Promise<MemberView[]> {
  return Promise.all(
    etcdPods().map(async (pod) => {
      const status = await etcdGateway(cluster, base(pod), 'maintenance/status');
      const list = await etcdGateway(cluster, base(pod), 'cluster/member/list');
      return {
        pod: pod.name,
        memberId: String(status.header.member_id),
        clusterId: String(status.header.cluster_id),
        leader: String(status.leader),
        members: ((list.members ?? []) as Obj[])
          .map((m) => ({ id: String(m.ID), name: String(m.name), peerURLs: m.peerURLs as string[] }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
    }),
  );
}

function expectOneCluster(views: MemberView[]): void {
  const summary = JSON.stringify(views, null, 1);
  const name = etcdSts().metadata.name;
  expect(views, summary).toHaveLength(3);
  expect(new Set(views.map((v) => v.clusterId)).size, `one cluster id: ${summary}`).toBe(1);
  expect(new Set(views.map((v) => v.leader)).size, `one leader: ${summary}`).toBe(1);
  for (const v of views) {
    expect(
      v.members.map((m) => m.name),
      summary,
    ).toEqual([0, 1, 2].map((i) => `${name}-${i}`));
    expect(v.members.map((m) => m.id)).toContain(v.leader);
    expect(v.members.map((m) => m.id)).toContain(v.memberId);
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(async () => {
  const runtime = await ensureRuntime();
  const docs = await renderManifests({ release: 'vineyard', namespace: 'vineyard', set: HA });
  cluster = await Cluster.start(docs, runtime, { nodes: NODES.length, namespace: 'vineyard' });
  timings.start = Date.now() - t0;
}, 300_000);

afterAll(async () => {
  await cluster?.teardown();
  timings.total = Date.now() - t0;
  console.log(`runtime etcd-cluster timings (ms): ${JSON.stringify(timings)}`);
});

describe('2.4 etcd.replicas: 3 with persistence (real etcd)', () => {
  it('the three members form one cluster from the chart’s argv, and every vineyardd joins it', async () => {
    diagnoseOnFailure();
    const start = Date.now();
    expect(etcdPods().map((p) => p.node.name)).toEqual(NODES);
    await cluster.waitReady(etcdPods(), 90_000);
    timings.etcdReady = Date.now() - start;
    expectOneCluster(await memberViews());
    await cluster.waitReady(vineyardd(), 90_000);
    timings.vineyarddReady = Date.now() - start;
    // registration follows readiness closely; give it a few seconds before naming what is missing
    const registered = async (pod: Pod) =>
      [...(await registeredInstances(cluster, base(pod))).values()].map((i) => i.nodename).sort();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await registered(etcdPods()[0])).length < NODES.length)
      await sleep(1000);
    for (const pod of etcdPods()) {
      const keys = [...(await etcdKeys(cluster, base(pod))).keys()];
      expect(
        await registered(pod),
        `instances registered as ${pod.name} sees them. All keys: ${keys.join(', ')}. Seen here: vineyardd ` +
          'instances Ready (probes pass) but never registered, with several meta_sync_lock/<lease> keys ' +
          'outstanding: the joining instances wait on each other for the etcd lock (vineyardd 0.24.2 against a ' +
          '3-member etcd behind one load-balanced Service; not seen with 1 member)',
      ).toEqual(NODES);
    }
  }, 200_000);

  it('a deleted member pod, recreated with its claim, rejoins as the same member', async () => {
    diagnoseOnFailure();
    const start = Date.now();
    const before = await memberViews();
    // the leader: its loss forces an election, and it must come back as a follower of the same cluster
    const leaderView = before.find((v) => v.memberId === v.leader) as MemberView;
    const recreated = await cluster.recreatePod(leaderView.pod);
    await cluster.waitReady([recreated], 90_000);
    timings.rejoin = Date.now() - start;
    const after = await memberViews();
    expectOneCluster(after);
    expect(
      after.find((v) => v.pod === leaderView.pod)?.memberId,
      'same member id (data from its claim)',
    ).toBe(leaderView.memberId);
    expect(after[0].clusterId).toBe(before[0].clusterId);
    expect(after[0].members.map((m) => m.id)).toEqual(before[0].members.map((m) => m.id));
    // a write through another member is read (linearizably) through the recreated one
    const other = etcdPods().find((p) => p.name !== recreated.name) as Pod;
    await etcdGateway(cluster, base(other), 'kv/put', { key: b64('vrt/rejoin'), value: b64(recreated.ip) });
    const read = await etcdGateway(cluster, base(recreated), 'kv/range', { key: b64('vrt/rejoin') });
    expect(Buffer.from(read.kvs?.[0]?.value ?? '', 'base64').toString()).toBe(recreated.ip);
    // vineyardd still works on the cluster: an object put on node-1 is read through RPC on node-3
    const put = await runClient(cluster, 'node-1', ['put-ipc']);
    const node3 = vineyardd().find((p) => p.node.name === 'node-3') as Pod;
    const get = await runClient(cluster, 'node-3', ['get-rpc', node3.ip, '9600', put.json.id]);
    expect(get.json.equal).toBe(true);
    timings.recreate = Date.now() - start;
  }, 200_000);
});

describe('2.4 configurations that cannot work are refused at install/upgrade time', () => {
  const withoutPersistence = /etcd\.replicas=3 needs etcd\.persistence\.enabled=true/;

  const helmPaths = new Map<HelmMajor, Promise<string>>();
  async function helmTemplate(major: HelmMajor, set: string[], env: NodeJS.ProcessEnv = {}) {
    // one ensureTool per helm: concurrent calls in one process would extract to the same temporary file
    if (!helmPaths.has(major)) helmPaths.set(major, ensureTool(major));
    const helm = await (helmPaths.get(major) as Promise<string>);
    const args = ['template', 'vineyard', chartDir, '--namespace', 'vineyard'];
    for (const s of set) args.push('--set', s);
    return run(
      helm,
      [...args, ...(env.KUBECONFIG ? ['--dry-run=server', '--disable-openapi-validation'] : [])],
      {
        env: { ...process.env, HELM_CACHE_HOME: path.join(repoRoot, '.cache/helm'), ...env },
        timeoutMs: 60_000,
      },
    );
  }

  it('replicas > 1 without persistence: manifests and helm template v3/v4 fail with the chart’s message', async () => {
    const start = Date.now();
    const ours = await renderManifests({
      release: 'vineyard',
      namespace: 'vineyard',
      set: ['etcd.replicas=3'],
    })
      .then(() => 'rendered')
      .catch((error: Error) => error.message);
    expect(ours).toMatch(withoutPersistence);
    const helms = await Promise.all(
      (['v3', 'v4'] as const).map((major) => helmTemplate(major, ['etcd.replicas=3'])),
    );
    helms.forEach((r, i) => {
      expect(
        r.code,
        `helm ${['v3', 'v4'][i]} template rendered etcd.replicas=3 without persistence`,
      ).not.toBe(0);
      expect(r.stderr).toMatch(withoutPersistence);
    });
    timings.refuseNoPersistence = Date.now() - start;
  }, 120_000);

  it('manifests reports the chart’s fail() as the chart’s message, not as an internal error', async () => {
    const message = await renderManifests({
      release: 'vineyard',
      namespace: 'vineyard',
      set: ['etcd.replicas=3'],
    })
      .then(() => 'rendered')
      .catch((error: Error) => error.message);
    expect(message).toMatch(withoutPersistence);
    expect(message, 'a template fail() is the chart refusing the values, not a crash').not.toMatch(
      /internal error|\n\s+at /,
    );
  }, 60_000);

  it('changing replicas on upgrade: helm (lookup of the live StatefulSet) refuses 1→3 and 3→1, keeps 3→3', async () => {
    const start = Date.now();
    const live = async (set: string[]) => {
      const docs = await renderManifests({ release: 'vineyard', namespace: 'vineyard', set });
      const sts = docs.find((d) => d.kind === 'StatefulSet') as Obj;
      // as `helm install` left it: in the release's namespace, with helm's ownership annotations
      const annotations = {
        ...sts.metadata.annotations,
        'meta.helm.sh/release-name': 'vineyard',
        'meta.helm.sh/release-namespace': 'vineyard',
      };
      return { ...sts, metadata: { ...sts.metadata, namespace: 'vineyard', annotations } };
    };
    const cases = [
      {
        from: ['etcd.persistence.enabled=true'],
        to: HA,
        refuse: /etcd\.replicas cannot change on upgrade .*runs 1, the values ask for 3/,
      },
      {
        from: HA,
        to: ['etcd.persistence.enabled=true'],
        refuse: /etcd\.replicas cannot change on upgrade .*runs 3, the values ask for 1/,
      },
      { from: HA, to: HA, refuse: undefined },
    ];
    // every case with both helms at once, each against its own stand-in API server
    const runs = cases.flatMap((c) =>
      (['v3', 'v4'] as const).map(async (major) => {
        const api = await startFakeApiServer([await live(c.from)]);
        try {
          const r = await helmTemplate(major, c.to, { KUBECONFIG: api.kubeconfig });
          return {
            c,
            r,
            what: `helm ${major} upgrade ${c.from.join(',')} -> ${c.to.join(',')}`,
            requests: api.requests,
          };
        } finally {
          await api.close();
        }
      }),
    );
    for (const { c, r, what, requests } of await Promise.all(runs)) {
      expect(
        requests.some((q) => q.includes('/statefulsets/')),
        `${what}: the chart looked up the live StatefulSet (${requests.join(', ')})`,
      ).toBe(true);
      if (c.refuse) {
        expect(r.code, `${what} was not refused`).not.toBe(0);
        expect(r.stderr).toMatch(c.refuse);
      } else {
        expect(r.code, `${what}: ${r.stderr}`).toBe(0);
      }
    }
    timings.refuseUpgrade = Date.now() - start;
  }, 180_000);
});
