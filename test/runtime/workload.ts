// Worker pods for the runtime scenarios: the real vineyard Python client (test/runtime/py/client.py) in a
// pod that mounts the vineyardd socket directory the way the chart's NOTES tell users to.
import fs from 'node:fs';
import path from 'node:path';
import type { Cluster, Pod, PodRunResult } from './harness/cluster.ts';
import type { Obj } from './harness/kubelet.ts';
import { repoRoot } from './harness/runtime.ts';

const CLIENT_CONFIGMAP = 'vrt-client';

/**
 * The DaemonSet's socket directory: the volume mounted at the directory of vineyardd's --socket, and that
 * mount (its subPathExpr, in persistentVolumeClaim mode). `daemonSet` picks one release's DaemonSet when
 * the cluster runs several.
 */
export function socketVolume(
  cluster: Cluster,
  daemonSet?: string,
): { volume: Obj; mount: Obj; dir: string; socket: string } {
  const ds = cluster.doc('DaemonSet', daemonSet);
  const container = (ds.spec.template.spec.containers as Obj[]).find((c) => c.name === 'vineyardd') as Obj;
  const argv = [...(container.command ?? []), ...(container.args ?? [])] as string[];
  const socket = argv.find((a) => a.startsWith('--socket='))?.slice('--socket='.length);
  if (!socket) throw new Error(`vineyardd has no --socket argument: ${argv.join(' ')}`);
  const dir = path.posix.dirname(socket);
  const mount = (container.volumeMounts as Obj[]).find((m) => m.mountPath === dir);
  if (!mount) throw new Error(`no volume is mounted at ${dir} in the vineyardd container`);
  const volume = (ds.spec.template.spec.volumes as Obj[]).find((v) => v.name === mount.name) as Obj;
  return { volume, mount, dir, socket };
}

/** Runs `client.py <args>` in a worker pod on `node`; returns the parsed last JSON line (or throws with logs). */
export async function runClient(
  cluster: Cluster,
  node: string,
  args: string[],
  timeoutMs = 60_000,
  options: { daemonSet?: string } = {},
): Promise<{ result: PodRunResult; json: Obj }> {
  if (!cluster.configMaps.has(CLIENT_CONFIGMAP)) {
    cluster.configMaps.set(CLIENT_CONFIGMAP, {
      'client.py': fs.readFileSync(path.join(repoRoot, 'test/runtime/py/client.py'), 'utf8'),
    });
  }
  const { volume, mount, dir, socket } = socketVolume(cluster, options.daemonSet);
  const pod: Obj = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `worker-${args[0]}`, labels: { app: 'vrt-worker' } },
    spec: {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'worker',
          image: 'docker.io/library/python:3.11',
          command: ['python3', '/scripts/client.py', ...args],
          env: [
            { name: 'VINEYARD_IPC_SOCKET', value: socket },
            { name: 'MY_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            // the chart's NOTES: a worker mounts a socket claim with subPathExpr: $(VINEYARD_NODE_NAME)
            { name: 'VINEYARD_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          ],
          volumeMounts: [
            { name: 'scripts', mountPath: '/scripts', readOnly: true },
            {
              name: 'vineyard-socket',
              mountPath: dir,
              ...(mount.subPathExpr ? { subPathExpr: mount.subPathExpr } : {}),
              ...(mount.subPath ? { subPath: mount.subPath } : {}),
            },
          ],
        },
      ],
      volumes: [
        { name: 'scripts', configMap: { name: CLIENT_CONFIGMAP } },
        { ...volume, name: 'vineyard-socket' },
      ],
    },
  };
  const result = await cluster.runPod(pod, node, timeoutMs);
  const json = lastJson(result.logs);
  if (result.exitCode !== 0 || !json) {
    throw new Error(
      `client.py ${args.join(' ')} on ${node} ${result.timedOut ? 'timed out' : `exited ${result.exitCode}`}:\n${tail(result.logs, 40)}`,
    );
  }
  return { result, json };
}

/** The last line of `text` that parses as a JSON object (client.py prints one per command). */
export function lastJson(text: string): Obj | undefined {
  const lines = text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Obj;
      } catch {
        return undefined;
      }
    })
    .filter((j): j is Obj => j !== undefined);
  return lines[lines.length - 1];
}

/** The ConfigMap holding client.py, as a document to start a cluster with (for extraContainers). */
export function clientConfigMap(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CLIENT_CONFIGMAP },
    data: { 'client.py': fs.readFileSync(path.join(repoRoot, 'test/runtime/py/client.py'), 'utf8') },
  };
}
export { CLIENT_CONFIGMAP };

/**
 * A request to etcd's v3 JSON gateway (etcd 3.4 serves it at /v3/), from the cluster network.
 * `base` is `http://<ip or service>:2379`.
 */
export async function etcdGateway(cluster: Cluster, base: string, api: string, body: Obj = {}): Promise<Obj> {
  const res = await cluster.http(`${base}/v3/${api}`, { method: 'POST', body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`etcd ${base}/v3/${api}: ${res.status} ${res.error ?? res.body}`);
  return JSON.parse(res.body);
}

/** Every key and value under `prefix` ('' = all) of an etcd, read through its gateway. */
export async function etcdKeys(cluster: Cluster, base: string, prefix = ''): Promise<Map<string, string>> {
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
  const key = prefix || '\0';
  const end = prefix ? Buffer.from(prefix) : Buffer.from('\0');
  if (prefix) end[end.length - 1]++;
  const json = await etcdGateway(cluster, base, 'kv/range', { key: b64(key), range_end: b64(end) });
  return new Map(
    ((json.kvs ?? []) as Obj[]).map((kv) => [
      Buffer.from(kv.key, 'base64').toString(),
      Buffer.from(kv.value ?? '', 'base64').toString(),
    ]),
  );
}

/** vineyardd instances registered under an etcd: id -> { nodename, rpc_endpoint, ... } (JSON values unquoted). */
export async function registeredInstances(
  cluster: Cluster,
  base: string,
): Promise<Map<string, Record<string, string>>> {
  const instances = new Map<string, Record<string, string>>();
  for (const [key, value] of await etcdKeys(cluster, base)) {
    const m = /\/instances\/(i\d+)\/([a-z_]+)$/.exec(key);
    if (!m) continue;
    const entry = instances.get(m[1]) ?? {};
    let v = value;
    try {
      const parsed = JSON.parse(value);
      if (typeof parsed === 'string') v = parsed;
    } catch {
      // raw
    }
    entry[m[2]] = v;
    instances.set(m[1], entry);
  }
  return instances;
}

/**
 * How long a release's vineyardds may take to be Ready. vineyardd 0.24.2 sometimes dies (SIGTRAP) when
 * another instance registers (see etcd-cluster.test.ts), so the pods of one DaemonSet starting together
 * can take several restart rounds before all of them run; a kubelet would restart them the same way.
 */
export const CONVERGE_MS = 180_000;

/**
 * The pods Ready, as waitReady; if some are still not Ready, those are recreated one at a time and waited
 * for once more: the chart README's remedy for vineyardd 0.24.2's concurrent-registration defect (an
 * orphaned meta_sync_lock leaves an instance unregistered, with no socket, for good; see
 * etcd-cluster.test.ts). readyOrStagger below meets the same defect's crash ping-pong.
 */
export async function readyOrRecreate(cluster: Cluster, pods: () => Pod[], timeoutMs: number): Promise<void> {
  try {
    await cluster.waitReady(pods(), timeoutMs);
    return;
  } catch {
    for (const p of pods().filter((pod) => !pod.ready)) await cluster.recreatePod(p.name);
  }
  await cluster.waitReady(pods(), timeoutMs);
}

/** How long the pods may take to be Ready before readyOrStagger brings them back one at a time. */
const STAGGER_AFTER_MS = 75_000;

/**
 * The pods Ready, as waitReady; if they are not all Ready after STAGGER_AFTER_MS, the chart README's
 * remedy for vineyardd 0.24.2's crash ping-pong. A join that coincides with a peer's heartbeat (an etcd
 * lock + txn every 10 s from its registration) kills that peer with SIGTRAP (see etcd-cluster.test.ts),
 * and two vineyardds restarting in step (a back-off of 8 s plus the start is about one heartbeat) can
 * meet each other's heartbeats for as long as they restart: seen in CI, 12 restarts each in 3 minutes.
 * All are stopped, then started one at a time, the next 3 s after the previous one is Ready (Ready comes
 * with the readiness probe, ~10 s after the start: the join then falls between two heartbeats).
 */
export async function readyOrStagger(cluster: Cluster, pods: () => Pod[]): Promise<void> {
  try {
    await cluster.waitReady(pods(), STAGGER_AFTER_MS);
    return;
  } catch {
    // below
  }
  const list = pods();
  console.warn(
    `vineyardd 0.24.2 crash ping-pong: ${list.map((p) => p.describe()).join('; ')}; README remedy, one at a time`,
  );
  for (const p of list) await p.hold();
  for (const p of list) {
    p.resume();
    await cluster.waitReady([p], 60_000);
    await new Promise((r) => setTimeout(r, 3_000));
  }
  await cluster.waitReady(pods(), 60_000);
}

const sameNodes = (instances: Record<string, string>[], nodes: string[]) =>
  JSON.stringify(instances.map((i) => i.nodename).sort()) === JSON.stringify([...nodes].sort());

/** vineyardd rewrites its registration's timestamp every HEARTBEAT_TIME = 10 s (meta_service.h:45). */
const HEARTBEAT_MS = 10_000;

/**
 * The live instances registered under an etcd once they are one per node of `nodes`, or those live at the
 * deadline (the caller asserts). Live: the heartbeat timestamp moved between two reads a heartbeat apart.
 * Counting every entry would test vineyardd's clean-up, not the chart: a vineyardd 0.24.2 that dies after
 * registering (SIGTRAP when another instance joins: see etcd-cluster.test.ts) leaves its entry until its
 * ring neighbour removes it after three missed heartbeats, one dead entry at a time (~40 s each,
 * meta_service.cc checkInstanceStatus), so a crash loop leaves minutes of dead entries behind a cluster
 * whose every node is served.
 */
export async function liveInstancesPerNode(
  cluster: Cluster,
  base: string,
  nodes: string[],
  timeoutMs = 150_000,
  done: (live: Record<string, string>[]) => boolean = (live) => sameNodes(live, nodes),
): Promise<Record<string, string>[]> {
  const deadline = Date.now() + timeoutMs;
  let before = await registeredInstances(cluster, base);
  for (;;) {
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS + 1_500));
    const now = await registeredInstances(cluster, base);
    const live = [...now]
      .filter(([id, entry]) => before.has(id) && before.get(id)?.timestamp !== entry.timestamp)
      .map(([, entry]) => entry);
    if (done(live) || Date.now() > deadline) return live;
    before = now;
  }
}

/**
 * liveInstancesPerNode, and when the release does not converge, the chart README's remedy for vineyardd
 * 0.24.2's orphaned registration lock (a lock granted to a request the replaced etcd client no longer
 * reads, its lease kept alive by that vineyardd: every registration and heartbeat then waits for ever).
 * The vineyardd of each node without a live instance is recreated, one at a time — first the nodes with no
 * registration at all (the lock's holder is among them), then those whose registration stopped beating —
 * each given up to a minute to register before the next.
 */
export async function liveInstancesOrRemedy(
  cluster: Cluster,
  base: string,
  nodes: string[],
  pods: () => Pod[],
): Promise<Record<string, string>[]> {
  const live = await liveInstancesPerNode(cluster, base, nodes, 75_000);
  if (sameNodes(live, nodes)) return live;
  const registered = new Set([...(await registeredInstances(cluster, base)).values()].map((i) => i.nodename));
  const dead = nodes.filter((n) => !live.some((i) => i.nodename === n));
  const order = [...dead.filter((n) => !registered.has(n)), ...dead.filter((n) => registered.has(n))];
  console.warn(
    `vineyardd 0.24.2 registration defect: no live instance on ${order.join(', ')}; README remedy`,
  );
  for (const node of order) {
    const pod = pods().find((p) => p.node.name === node);
    if (!pod) continue;
    await cluster.recreatePod(pod.name);
    await liveInstancesPerNode(cluster, base, nodes, 60_000, (live) => live.some((i) => i.nodename === node));
  }
  return liveInstancesPerNode(cluster, base, nodes, 150_000);
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
