// Issue 10, scenario 2.3: etcd slow or down when vineyardd starts. Two releases run side by side on 2
// simulated nodes, their etcds held down (containers not started, as a pod stuck in ContainerCreating or an
// etcd still electing) while every vineyardd starts:
//   `vineyard`: the chart's bundled etcd (defaults);
//   `ext`: `etcd.enabled: false`, `etcd.externalEndpoints: [http://ext-etcd.infra:2379]`, where ext-etcd is
//          a real etcd (Debian's 3.4) this test runs as a StatefulSet + Service in namespace `infra`.
// While an etcd is down no vineyardd of its release may serve: not Ready, nothing listening on its RPC port,
// no etcd process of its own in its pod (vineyardd's etcd_launcher.cc starts a private one after ~5 s: a
// split brain every probe passes, B-2). It waits, or exits and is restarted. Once its etcd answers,
// every instance registers in that shared etcd and an object put on node-1 is read through RPC on node-2.
// The two etcds come up one after the other, so each release is also checked against the other's state.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { Cluster, type Pod, renderManifests } from './harness/cluster.ts';
import type { Obj } from './harness/kubelet.ts';
import { ensureRuntime } from './harness/runtime.ts';
import { sleep } from './harness/sh.ts';
import { liveInstancesOrRemedy, readyOrStagger, registeredInstances, runClient, tail } from './workload.ts';

const NODES = ['node-1', 'node-2'];
const EXTERNAL = 'http://ext-etcd.infra:2379';
/** How long the etcds stay down after every vineyardd has started: several of vineyardd's ~5 s waits. */
const DOWN_MS = 15_000;
let cluster: Cluster;
const timings: Record<string, number> = {};
const t0 = Date.now();

const daemonSet = (release: string): string => cluster.releaseDoc('DaemonSet', release).metadata.name;
const vineyardd = (release: string) => cluster.releasePods('DaemonSet', release);
const bundledEtcd = () =>
  cluster.workloadPods(
    'StatefulSet',
    cluster.docs.find(
      (d) => d.kind === 'StatefulSet' && d.metadata.labels?.['app.kubernetes.io/instance'] === 'vineyard',
    )?.metadata.name,
  );
const externalEtcd = () => cluster.workloadPods('StatefulSet', 'ext-etcd');

function diagnoseOnFailure(): void {
  onTestFailed(() => {
    console.error(`runtime cluster ${cluster?.id} events:\n${cluster?.events.slice(-80).join('\n')}`);
    console.error(cluster?.diagnostics(undefined, 30));
  });
}

/** An etcd outside the release ("the platform team's etcd"), run by the harness like any workload. */
function externalEtcdDocs(): Obj[] {
  const labels = { app: 'ext-etcd' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ext-etcd', namespace: 'infra' },
      spec: { selector: labels, ports: [{ name: 'client', port: 2379, targetPort: 2379 }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'ext-etcd', namespace: 'infra' },
      spec: {
        serviceName: 'ext-etcd',
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { namespace: 'infra', labels },
          spec: {
            containers: [
              {
                name: 'etcd',
                image: 'quay.io/coreos/etcd:v3.5.21',
                command: ['etcd'],
                args: [
                  '--name=ext',
                  '--data-dir=/var/lib/etcd/data',
                  '--listen-client-urls=http://0.0.0.0:2379',
                  `--advertise-client-urls=${EXTERNAL}`,
                  '--listen-peer-urls=http://127.0.0.1:2380',
                  '--initial-advertise-peer-urls=http://127.0.0.1:2380',
                  '--initial-cluster=ext=http://127.0.0.1:2380',
                ],
                readinessProbe: { httpGet: { path: '/health', port: 2379 }, periodSeconds: 2 },
                volumeMounts: [{ name: 'data', mountPath: '/var/lib/etcd' }],
              },
            ],
            volumes: [{ name: 'data', emptyDir: {} }],
          },
        },
      },
    },
  ];
}

/** What shows a vineyardd serving: Ready, its RPC port open, or an etcd process of its own. */
async function serving(pod: Pod): Promise<string[]> {
  const found: string[] = [];
  if (pod.ready) found.push('Ready');
  const rpc = await cluster.tcp(pod.ip, 9600, 1000);
  if (rpc.ok) found.push('RPC port 9600 accepts connections');
  for (const p of await pod.processes()) {
    if (p.comm === 'etcd' || p.argv[0]?.endsWith('/etcd'))
      found.push(`a private etcd runs in the pod: ${p.argv.join(' ')}`);
  }
  return found.map((f) => `${pod.name}@${pod.node.name}: ${f}`);
}

/** Samples every pod for `ms` and returns everything that showed it serving. */
async function watchNotServing(pods: () => Pod[], ms: number): Promise<string[]> {
  const seen = new Set<string>();
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    for (const f of (await Promise.all(pods().map(serving))).flat()) seen.add(f);
    await sleep(500);
  }
  return [...seen];
}

async function expectJoined(release: string, etcdBase: string): Promise<void> {
  const instances = await liveInstancesOrRemedy(cluster, etcdBase, NODES, () => vineyardd(release));
  expect(
    instances.map((i) => i.nodename).sort(),
    `instances registered in ${release}'s etcd: ${JSON.stringify(instances)}`,
  ).toEqual(NODES);
  const put = await runClient(cluster, 'node-1', ['put-ipc'], 60_000, { daemonSet: daemonSet(release) });
  const nodeB = vineyardd(release).find((p) => p.node.name === 'node-2') as Pod;
  const get = await runClient(cluster, 'node-2', ['get-rpc', nodeB.ip, '9600', put.json.id], 60_000, {
    daemonSet: daemonSet(release),
  });
  expect(get.json.instance_id, 'node-2 is served by its own instance').not.toBe(put.json.instance_id);
  expect(get.json.equal, 'the object put on node-1 read through RPC on node-2').toBe(true);
}

function whatVineyarddDid(pods: Pod[]): string {
  return pods
    .map((p) => {
      const c = p.containers.find((x) => x.spec.name === 'vineyardd');
      const lines = p
        .logs()
        .split('\n')
        .filter((l) => /etcd|meta|exit|fail|error/i.test(l) && !/^\s+\S+::/.test(l));
      return `${p.name}: ${c?.describe()}\n${tail(lines.join('\n'), 5)}`;
    })
    .join('\n');
}

beforeAll(async () => {
  const runtime = await ensureRuntime();
  const docs = [
    ...(await renderManifests({ release: 'vineyard', namespace: 'vineyard' })),
    ...(await renderManifests({
      release: 'ext',
      namespace: 'vineyard',
      set: ['etcd.enabled=false', `etcd.externalEndpoints={${EXTERNAL}}`],
    })),
    ...externalEtcdDocs(),
  ];
  cluster = await Cluster.start(docs, runtime, {
    nodes: NODES.length,
    namespace: 'vineyard',
    holdAtStart: (_pod, container) => container.name === 'etcd',
  });
  timings.start = Date.now() - t0;
}, 300_000);

afterAll(async () => {
  await cluster?.teardown();
  timings.total = Date.now() - t0;
  console.log(`runtime etcd-availability timings (ms): ${JSON.stringify(timings)}`);
});

describe('2.3 etcd slow or down when vineyardd starts', () => {
  it('while the etcds are down, no vineyardd serves (no private metadata store); it waits or restarts', async () => {
    diagnoseOnFailure();
    const start = Date.now();
    const all = () => [...vineyardd('vineyard'), ...vineyardd('ext')];
    expect(all()).toHaveLength(2 * NODES.length);
    const serving = await watchNotServing(all, DOWN_MS);
    expect(serving, `vineyardd serving without its etcd (B-2):\n${whatVineyarddDid(all())}`).toEqual([]);
    // waiting or exiting are both fine; log which one vineyardd chose
    console.log(`vineyardd with etcd down for ${DOWN_MS} ms:\n${whatVineyarddDid(all())}`);
    timings.down = Date.now() - start;
  }, 60_000);

  it('the bundled etcd comes up: that release joins it; the external-etcd release still does not serve', async () => {
    diagnoseOnFailure();
    const start = Date.now();
    for (const p of bundledEtcd()) p.resume();
    await cluster.waitReady(bundledEtcd(), 30_000);
    await readyOrStagger(cluster, () => vineyardd('vineyard'));
    timings.bundledJoin = Date.now() - start;
    expect(await watchNotServing(() => vineyardd('ext'), 1000), whatVineyarddDid(vineyardd('ext'))).toEqual(
      [],
    );
    // the external etcd comes up while this release is checked (the next test waits for it)
    for (const p of externalEtcd()) p.resume();
    await expectJoined('vineyard', `http://${bundledEtcd()[0].ip}:2379`);
    timings.bundled = Date.now() - start;
  }, 720_000);

  it('the external etcd comes up: the etcd.enabled=false release joins it', async () => {
    diagnoseOnFailure();
    const start = Date.now();
    for (const p of externalEtcd()) p.resume(); // no-op when the previous test did
    await cluster.waitReady(externalEtcd(), 30_000);
    await readyOrStagger(cluster, () => vineyardd('ext'));
    timings.externalJoin = Date.now() - start;
    await expectJoined('ext', `http://${externalEtcd()[0].ip}:2379`);
    // and nothing of the ext release leaked into the bundled etcd
    const bundled = [...(await registeredInstances(cluster, `http://${bundledEtcd()[0].ip}:2379`)).values()];
    const extIps = new Set(vineyardd('ext').map((p) => p.ip));
    expect(
      bundled.filter((i) => extIps.has(i.hostname)),
      'ext instances in the bundled etcd',
    ).toEqual([]);
    expect(bundled.length).toBeGreaterThanOrEqual(NODES.length);
    timings.external = Date.now() - start;
  }, 720_000);
});
