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
// vineyardd 0.24.2 defect (not the chart's, not the harness's; v6d tag v0.24.2, file:line):
// - `EtcdLauncher::etcd_member_id_` is never initialised (src/server/util/etcd_launcher.h:80) and is only
//   set when vineyardd launches its own etcd (etcd_launcher.cc:353); with an existing etcd it returns at
//   etcd_launcher.cc:160-168, so `GetMemberID()` is heap garbage, usually non-zero.
// - registration then writes `/instances/i<n>/member_id` (meta_service.cc:558-564), and every vineyardd that
//   applies that key (the registering one locally before its commit, meta_service.cc:235; the others from
//   their watch) switches to the members' advertised client URLs (meta_service.cc:1209-1223 →
//   etcd_launcher.cc:465-472) and *replaces its etcd client* (`probe()`, etcd_meta_service.cc:422-430:
//   `etcd_.reset(new etcd::Client(...))`), whatever requests the old client has in flight.
// - a request in flight there is typically a `meta_sync_lock` wait (etcd v3 lock with a 10 s lease whose
//   keepalive lives in the old client; requestLock, etcd_meta_service.cc:191-229, used by registration and by
//   the 10 s heartbeat, meta_service.cc:207-262, 601-699). Either the vineyardd dies with SIGTRAP (cpprestsdk's
//   pplx raises SIGTRAP for an unobserved task exception), ~10 ms after logging `Instance join: <n>` or at
//   its next heartbeat, or the lock is granted to a request nobody reads any more: its key
//   `<prefix>/meta_sync_lock/<lease>` stays (lease still kept alive) and every other instance waits on it
//   for ever — Ready pods (the IPC socket and port 9600 are bound before registration) that never
//   register, IPC clients that hang.
// Reproduced outside the harness (3 vineyardd started together on one host, each pointed at another member
// of a local 3-member etcd 3.4): 1 or 2 of 3 registered in 4 of 4 tries, the keys show the granted-but-
// orphaned lock; against 1 member a waiter died with SIGTRAP as well (restarted, it registers: why 1 member
// passed 5 of 5 here). Measured in this suite when the three start together: 3/7 runs failed through the
// chart's Service, 2/5 with vineyardd pointed at member 0 only. No etcd or vineyardd flag the chart sets
// reaches that code. So the registration test starts the vineyardds one after another, each join away from
// the others' heartbeats (below), and the last test of the group restarts all three at once and records
// what happens, asserting only what always holds.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ensureTool, type HelmMajor } from '../../src/tools/helm.ts';
import { startFakeApiServer } from './harness/apiserver.ts';
import { Cluster, type Pod, renderManifests } from './harness/cluster.ts';
import type { Obj } from './harness/kubelet.ts';
import { ensureRuntime, repoRoot } from './harness/runtime.ts';
import { run, sleep } from './harness/sh.ts';
import { CONVERGE_MS, etcdGateway, etcdKeys, registeredInstances, runClient } from './workload.ts';

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
/** Node names of the vineyardd instances registered in etcd, as `pod` (a member) sees them. */
const registeredNodes = async (pod: Pod) =>
  [...(await registeredInstances(cluster, base(pod))).values()].map((i) => i.nodename).sort();
/** Signals that ended a pod's containers so far (from the harness's lines in the container log). */
const exitsBySignal = (pod: Pod) =>
  [...pod.logs().matchAll(/### harness \S+: exited (SIG[A-Z]+)/g)].map((m) => m[1]);

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
  // vineyardd held at start: the first test starts them one after another (see the header)
  cluster = await Cluster.start(docs, runtime, {
    nodes: NODES.length,
    namespace: 'vineyard',
    holdAtStart: (_pod, container) => container.name === 'vineyardd',
  });
  timings.start = Date.now() - t0;
}, 300_000);

afterAll(async () => {
  await cluster?.teardown();
  timings.total = Date.now() - t0;
  console.log(`runtime etcd-cluster timings (ms): ${JSON.stringify(timings)}`);
});

describe('2.4 etcd.replicas: 3 with persistence (real etcd)', () => {
  it('the three members form one cluster from the chart’s argv, and every vineyardd joins it (one after another)', async () => {
    diagnoseOnFailure();
    const start = Date.now();
    expect(etcdPods().map((p) => p.node.name)).toEqual(NODES);
    await cluster.waitReady(etcdPods(), 90_000);
    timings.etcdReady = Date.now() - start;
    expectOneCluster(await memberViews());
    // One vineyardd at a time, and never while another one's etcd request is in flight: each registered
    // instance runs its heartbeat (an etcd lock + txn) every 10 s from its registration, and a join that
    // coincides with one kills that instance (see the header). So the next one is resumed 3 s after the
    // previous one registered (seen through member 0, polled every 100 ms; it registers ~0.5 s after its
    // start): the joins are ~3.5 s apart, every join ≥ 1 s away from every heartbeat. Waiting for Ready in
    // between would phase-lock the joins to the heartbeats (readiness period 10 s, from the container start).
    const pods = vineyardd().sort((a, b) => a.node.name.localeCompare(b.node.name));
    for (const pod of pods) {
      pod.resume();
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !(await registeredNodes(etcdPods()[0])).includes(pod.node.name))
        await sleep(100);
      expect(await registeredNodes(etcdPods()[0]), `${pod.name} on ${pod.node.name} registered`).toContain(
        pod.node.name,
      );
      if (pod !== pods[pods.length - 1]) await sleep(3000);
    }
    timings.vineyarddRegistered = Date.now() - start;
    await cluster.waitReady(vineyardd(), CONVERGE_MS);
    for (const pod of etcdPods()) {
      const keys = [...(await etcdKeys(cluster, base(pod))).keys()];
      expect(
        await registeredNodes(pod),
        `instances as ${pod.name} sees them. All keys: ${keys.join(', ')}`,
      ).toEqual(NODES);
    }
    // started one after another, none of them died (the concurrent-start defect did not occur)
    for (const pod of vineyardd())
      expect(exitsBySignal(pod), `${pod.name}: ${pod.logs().slice(-2000)}`).toEqual([]);
  }, 400_000);

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

  it('vineyardd 0.24.2 defect, recorded: the three vineyardds restarted at once (outcome logged, not asserted)', async () => {
    // See the header: each registration makes the other vineyardds replace their etcd client; one with a
    // request in flight (here: waiting for the registration lock) dies with SIGTRAP or leaves a granted lock
    // nobody releases. Which of these happens varies from run to run (and with the garbage member id), so
    // this test records it (console and timings) and asserts only what held in every run: the etcd cluster
    // is unaffected and the first lock holder registers (a new instance within 60 s).
    diagnoseOnFailure();
    const start = Date.now();
    const before = new Set((await registeredInstances(cluster, base(etcdPods()[0]))).keys());
    const signalsBefore = new Map(vineyardd().map((p) => [p.name, exitsBySignal(p).length]));
    await Promise.all(vineyardd().map((p) => p.hold()));
    for (const p of vineyardd()) p.resume();
    // up to 60 s, or until every node's vineyardd registered again
    // nodes with a new registration (a vineyardd that died after registering registers again: same node)
    const freshNodes = async () =>
      new Set(
        [...(await registeredInstances(cluster, base(etcdPods()[0]))).entries()]
          .filter(([id]) => !before.has(id))
          .map(([, i]) => i.nodename),
      );
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await freshNodes()).size < NODES.length) await sleep(1000);
    const after = await registeredInstances(cluster, base(etcdPods()[0]));
    const fresh = [...after.entries()]
      .filter(([id]) => !before.has(id))
      .map(([id, i]) => `${id}:${i.nodename}`);
    const locks = [...(await etcdKeys(cluster, base(etcdPods()[0]))).keys()].filter((k) =>
      k.includes('meta_sync_lock'),
    );
    const died = vineyardd().map(
      (p) => `${p.name}:${exitsBySignal(p).slice(signalsBefore.get(p.name)).join('+') || '-'}`,
    );
    const outcome = `nodes registered again ${(await freshNodes()).size}/3, new instances ${fresh.join(' ')}; signals ${died.join(' ')}; lock keys ${locks.length}`;
    console.log(`2.4 concurrent restart of vineyardd: ${outcome}`);
    timings.concurrentNodesRegistered = (await freshNodes()).size;
    expectOneCluster(await memberViews());
    expect(fresh.length, outcome).toBeGreaterThanOrEqual(1);
    timings.concurrent = Date.now() - start;
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
