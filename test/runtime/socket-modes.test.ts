// Issue 10, scenario 2.5: each `vineyardd.socket.volumeType`, run by the real vineyardd and Python client.
// Four releases share one cluster of 2 simulated nodes (namespace `vineyard`), each with its own etcd:
//   `alpha`, `beta`: hostPath (the default) — two releases on one node never share a socket: their host
//                    directories differ, and a worker of each reaches its own release's vineyardd;
//   `pvc`:   persistentVolumeClaim — every node's vineyardd has its own sub-directory of the claim
//            (subPathExpr $(VINEYARD_NODE_NAME)); a workload in `vineyardd.extraContainers` mounts it the
//            same way (the chart gives the container the env it needs, B-6) and does put/get; a separate worker
//            pod mounting the claim as the chart's NOTES say reaches its node's vineyardd;
//   `emb`:   emptyDir — a workload in `vineyardd.extraContainers` does put/get over the pod's own socket.
// "Its own vineyardd" is checked by the RPC endpoint the answering instance registered (its pod's IP).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { Cluster, type Pod, renderManifests } from './harness/cluster.ts';
import type { Obj } from './harness/kubelet.ts';
import { ensureRuntime } from './harness/runtime.ts';
import { waitFor } from './harness/sh.ts';
import {
  CLIENT_CONFIGMAP,
  clientConfigMap,
  lastJson,
  readyOrRecreate,
  readyOrStagger,
  runClient,
  socketVolume,
  tail,
} from './workload.ts';

const NODES = ['node-1', 'node-2'];
let cluster: Cluster;
let valuesDir: string;
const timings: Record<string, number> = {};
const t0 = Date.now();

const daemonSet = (release: string): string => cluster.releaseDoc('DaemonSet', release).metadata.name;
const vineyardd = (release: string) => cluster.releasePods('DaemonSet', release);
const podOn = (release: string, node: string) => vineyardd(release).find((p) => p.node.name === node) as Pod;
const etcds = () => cluster.releasePods('StatefulSet');

function diagnoseOnFailure(): void {
  onTestFailed(() => {
    console.error(`runtime cluster ${cluster?.id} events:\n${cluster?.events.slice(-80).join('\n')}`);
    console.error(cluster?.diagnostics(undefined, 30));
  });
}

/** values with a workload container in the vineyardd pod: client.py put/get over the socket, then sleeps. */
function workloadValues(volumeType: string): string {
  const values = {
    vineyardd: {
      socket: { volumeType },
      extraContainers: [
        {
          name: 'worker',
          image: 'docker.io/library/python:3.12.8-alpine3.21',
          command: ['python3', '/scripts/client.py', 'put-get-ipc', '--wait', '120', '--sleep'],
          volumeMounts: [{ name: 'vrt-scripts', mountPath: '/scripts', readOnly: true }],
        },
      ],
      extraVolumes: [{ name: 'vrt-scripts', configMap: { name: CLIENT_CONFIGMAP } }],
    },
  };
  const file = path.join(valuesDir, `${volumeType}.json`); // JSON is YAML
  fs.writeFileSync(file, JSON.stringify(values));
  return file;
}

/** The put/get result the extraContainer printed (it keeps running afterwards). */
async function workerResult(pod: Pod): Promise<Obj> {
  const worker = pod.containers.find((c) => c.spec.name === 'worker');
  if (!worker) throw new Error(`${pod.name} has no worker container: extraContainers not rendered`);
  return waitFor(
    () => lastJson(worker.logText()),
    120_000,
    () => `${pod.name}/worker printed no result:\n${tail(worker.logText(), 20)}`,
  );
}

const isSocket = (file: string) => fs.statSync(file, { throwIfNoEntry: false })?.isSocket() === true;

beforeAll(async () => {
  const runtime = await ensureRuntime();
  valuesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrt-values-'));
  const render = (release: string, values: string[] = []) =>
    renderManifests({ release, namespace: 'vineyard', values });
  const docs = [
    ...(await render('alpha')),
    ...(await render('beta')),
    ...(await render('pvc', [workloadValues('persistentVolumeClaim')])),
    ...(await render('emb', [workloadValues('emptyDir')])),
    clientConfigMap(),
  ];
  cluster = await Cluster.start(docs, runtime, { nodes: NODES.length, namespace: 'vineyard' });
  // the hostPath releases; the others are awaited by their tests, which name what is wrong
  await readyOrRecreate(cluster, () => [...etcds(), ...vineyardd('alpha'), ...vineyardd('beta')], 90_000);
  timings.ready = Date.now() - t0;
}, 300_000);

afterAll(async () => {
  await cluster?.teardown();
  fs.rmSync(valuesDir, { recursive: true, force: true });
  timings.total = Date.now() - t0;
  console.log(`runtime socket-modes timings (ms): ${JSON.stringify(timings)}`);
});

describe('2.5 socket modes against the real vineyardd', () => {
  it('hostPath: two releases on one node never share a socket; each worker reaches its own vineyardd', async () => {
    diagnoseOnFailure();
    const start = Date.now();
    const hostDirs = ['alpha', 'beta'].map((r) => {
      const { volume } = socketVolume(cluster, daemonSet(r));
      expect(volume.hostPath, `${r}: socket volume`).toBeTruthy();
      return volume.hostPath.path as string;
    });
    expect(new Set(hostDirs).size, `host directories of the two releases: ${hostDirs}`).toBe(2);
    for (const node of cluster.nodes) {
      for (const dir of hostDirs) {
        const sock = path.join(node.hostDir, dir, 'vineyard.sock');
        expect(isSocket(sock), `${node.name}: ${dir}/vineyard.sock`).toBe(true);
      }
    }
    const results = await Promise.all(
      ['alpha', 'beta'].flatMap((release) =>
        NODES.map(async (node) => {
          const { json } = await runClient(cluster, node, ['put-get-ipc'], 60_000, {
            daemonSet: daemonSet(release),
          });
          return { release, node, json };
        }),
      ),
    );
    for (const { release, node, json } of results) {
      expect(json.equal).toBe(true);
      expect(
        json.rpc_endpoint,
        `${release} worker on ${node} is served by ${release}'s vineyardd there`,
      ).toBe(`${podOn(release, node).ip}:9600`);
    }
    timings.hostPath = Date.now() - start;
  }, 120_000);

  it('persistentVolumeClaim: each node its own directory; extraContainers and worker pods mount it', async () => {
    diagnoseOnFailure();
    const start = Date.now();
    const { volume, mount } = socketVolume(cluster, daemonSet('pvc'));
    expect(volume.persistentVolumeClaim, 'socket volume is the claim').toBeTruthy();
    expect(mount.subPathExpr).toBe('$(VINEYARD_NODE_NAME)');
    const claimDir = path.join(cluster.root, 'pv', volume.persistentVolumeClaim.claimName);
    // the workload in each vineyardd pod: put/get over the socket in its node's directory
    for (const node of NODES) {
      const pod = podOn('pvc', node);
      const json = await workerResult(pod);
      expect(json, `extraContainer in ${pod.name}`).toMatchObject({ equal: true, node });
      expect(json.rpc_endpoint, `the extraContainer on ${node} is served by its own pod`).toBe(
        `${pod.ip}:9600`,
      );
    }
    await readyOrStagger(cluster, () => vineyardd('pvc'));
    expect(fs.readdirSync(claimDir).sort(), 'the claim holds one directory per node').toEqual(NODES);
    for (const node of NODES) {
      expect(isSocket(path.join(claimDir, node, 'vineyard.sock')), `${node}'s socket in the claim`).toBe(
        true,
      );
    }
    // a separate worker pod mounting the claim as the chart's NOTES tell (subPathExpr from the node name)
    const { json } = await runClient(cluster, 'node-2', ['put-get-ipc'], 60_000, {
      daemonSet: daemonSet('pvc'),
    });
    expect(json.rpc_endpoint).toBe(`${podOn('pvc', 'node-2').ip}:9600`);
    timings.pvc = Date.now() - start;
  }, 420_000);

  it('emptyDir: a worker container in the vineyardd pod does put/get over the pod’s socket', async () => {
    diagnoseOnFailure();
    const start = Date.now();
    for (const node of NODES) {
      const pod = podOn('emb', node);
      const json = await workerResult(pod);
      expect(json, `extraContainer in ${pod.name}`).toMatchObject({ equal: true, node });
      expect(json.rpc_endpoint).toBe(`${pod.ip}:9600`);
      const dir = pod.volumes.get('vineyard-socket')?.dir as string;
      expect(dir.startsWith(pod.dir), 'the socket lives in the pod’s emptyDir').toBe(true);
      expect(isSocket(path.join(dir, 'vineyard.sock'))).toBe(true);
    }
    await readyOrStagger(cluster, () => vineyardd('emb'));
    timings.emptyDir = Date.now() - start;
  }, 420_000);
});
