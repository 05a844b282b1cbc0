// Worker pods for the runtime scenarios: the real vineyard Python client (test/runtime/py/client.py) in a
// pod that mounts the vineyardd socket directory the way the chart's NOTES tell users to.
import fs from 'node:fs';
import path from 'node:path';
import type { Cluster, PodRunResult } from './harness/cluster.ts';
import type { Obj } from './harness/kubelet.ts';
import { repoRoot } from './harness/runtime.ts';

const CLIENT_CONFIGMAP = 'vrt-client';

/** The DaemonSet's socket directory: the volume mounted at the directory of vineyardd's --socket. */
export function socketVolume(cluster: Cluster): { volume: Obj; dir: string; socket: string } {
  const ds = cluster.doc('DaemonSet');
  const container = (ds.spec.template.spec.containers as Obj[]).find((c) => c.name === 'vineyardd') as Obj;
  const argv = [...(container.command ?? []), ...(container.args ?? [])] as string[];
  const socket = argv.find((a) => a.startsWith('--socket='))?.slice('--socket='.length);
  if (!socket) throw new Error(`vineyardd has no --socket argument: ${argv.join(' ')}`);
  const dir = path.posix.dirname(socket);
  const mount = (container.volumeMounts as Obj[]).find((m) => m.mountPath === dir);
  if (!mount) throw new Error(`no volume is mounted at ${dir} in the vineyardd container`);
  const volume = (ds.spec.template.spec.volumes as Obj[]).find((v) => v.name === mount.name) as Obj;
  return { volume, dir, socket };
}

/** Runs `client.py <args>` in a worker pod on `node`; returns the parsed last JSON line (or throws with logs). */
export async function runClient(
  cluster: Cluster,
  node: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ result: PodRunResult; json: Obj }> {
  if (!cluster.configMaps.has(CLIENT_CONFIGMAP)) {
    cluster.configMaps.set(CLIENT_CONFIGMAP, {
      'client.py': fs.readFileSync(path.join(repoRoot, 'test/runtime/py/client.py'), 'utf8'),
    });
  }
  const { volume, dir, socket } = socketVolume(cluster);
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
          ],
          volumeMounts: [
            { name: 'scripts', mountPath: '/scripts', readOnly: true },
            { name: 'vineyard-socket', mountPath: dir },
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
  const lines = result.logs
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
  if (result.exitCode !== 0 || lines.length === 0) {
    throw new Error(
      `client.py ${args.join(' ')} on ${node} ${result.timedOut ? 'timed out' : `exited ${result.exitCode}`}:\n${tail(result.logs, 40)}`,
    );
  }
  return { result, json: lines[lines.length - 1] };
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
