// Issue 10, scenario 2.6: `vineyardd.sharedMemorySize` against the real vineyardd (v0.24.2 wheel) and its
// Python client, on one simulated node running two releases of the chart side by side:
//   `plain`: sharedMemorySize 256Mi, no spilling;   `spill`: the same with `vineyardd.spill.path: /spill`.
//
// What vineyardd really does (measured here, and by hand against the same binary with --meta=local):
// - The limit is exact: the allocator reports memory_limit = 268435456 for 256Mi, and one blob of exactly
//   268435456 bytes fits (memory_usage = memory_limit afterwards). One byte more (or any allocation once
//   the memory is full) is refused at once, nothing waits: the client raises
//   `vineyard._C.NotEnoughMemoryException: Not enough memory: IPC error at .../protocols.cc:351: Failed to
//   allocate memory of size N, total available memory size are 268435456, and M are already in use`.
//   Deleting the blobs gives the memory back. Without spill, objects persisted by earlier (closed)
//   clients stay in memory: 3 x 80 MiB fit, the 4th put is refused the same way.
// - With --spill_path (upper/lower rate 0.8/0.3), an allocation that would pass the upper watermark spills
//   sealed objects nobody holds (here: persisted by clients that closed their connection) to files in the
//   spill directory (one file per blob, named by the blob id) until usage is below the lower watermark:
//   5 x 80 MiB = 400 MiB all put into 256 MiB, usage alternating 80/160 MiB, spill files on the volume.
//   Objects a client still holds are never spilled: in one connection the 4th 80 MiB put is refused.
//   Reading back reloads spilled blobs into shared memory, but a reload does not spill others: once the
//   reloaded objects fill the memory, the next get fails with `NotEnoughMemoryException: ... Failed to
//   allocate memory of size 83886080 while reload spilling file` (protocols.cc:583). The test asserts the
//   puts, the spill files and the first reads; later reads are reported, not asserted.

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { Cluster, renderManifests } from './harness/cluster.ts';
import type { Obj } from './harness/kubelet.ts';
import { ensureRuntime } from './harness/runtime.ts';
import { CONVERGE_MS, readyOrRecreate, runClient } from './workload.ts';

const SIZE = '256Mi';
const LIMIT = 256 * 2 ** 20;
let cluster: Cluster;
const timings: Record<string, number> = {};
const t0 = Date.now();

const daemonSet = (release: string): string => cluster.releaseDoc('DaemonSet', release).metadata.name;
const vineyardd = (release: string) => cluster.releasePods('DaemonSet', release);
const etcd = () => cluster.releasePods('StatefulSet');

function diagnoseOnFailure(): void {
  onTestFailed(() => {
    console.error(`runtime cluster ${cluster?.id} events:\n${cluster?.events.slice(-60).join('\n')}`);
    console.error(cluster?.diagnostics(undefined, 30));
  });
}

beforeAll(async () => {
  const runtime = await ensureRuntime();
  const common = { namespace: 'vineyard' };
  const docs = [
    ...(await renderManifests({ ...common, release: 'plain', set: [`vineyardd.sharedMemorySize=${SIZE}`] })),
    ...(await renderManifests({
      ...common,
      release: 'spill',
      set: [`vineyardd.sharedMemorySize=${SIZE}`, 'vineyardd.spill.path=/spill'],
    })),
  ];
  cluster = await Cluster.start(docs, runtime, { nodes: 1, namespace: 'vineyard' });
  await readyOrRecreate(cluster, () => [...etcd(), ...vineyardd('plain'), ...vineyardd('spill')], 90_000);
  timings.ready = Date.now() - t0;
}, 300_000);

afterAll(async () => {
  await cluster?.teardown();
  timings.total = Date.now() - t0;
  console.log(`runtime shared-memory timings (ms): ${JSON.stringify(timings)}`);
});

describe('2.6 sharedMemorySize against the real vineyardd', () => {
  it('objects up to the size fit; beyond it vineyardd refuses the allocation (NotEnoughMemory)', async () => {
    diagnoseOnFailure();
    const start = Date.now();
    const { json } = await runClient(
      cluster,
      'node-1',
      // bytes: over the size; exactly the size; one more once full; delete; two halves; a page more; delete
      [
        'blobs',
        String(LIMIT + 1),
        String(LIMIT),
        '1',
        'delete',
        String(LIMIT / 2),
        String(LIMIT / 2),
        '4096',
        'delete',
      ],
      60_000,
      { daemonSet: daemonSet('plain') },
    );
    const r = json.results as Obj[];
    const summary = JSON.stringify(r, null, 1);
    expect(r[0].limit, `memory_limit reported for sharedMemorySize ${SIZE}`).toBe(LIMIT);
    const refused = /NotEnoughMemory.*Not enough memory/;
    expect(r[0], summary).toMatchObject({ ok: false, usage: 0 });
    expect(r[0].error).toMatch(refused);
    expect(r[1], `a blob of exactly sharedMemorySize fits: ${summary}`).toMatchObject({
      ok: true,
      usage: LIMIT,
    });
    expect(r[2], summary).toMatchObject({ ok: false });
    expect(r[2].error).toMatch(refused);
    expect(r[3], summary).toMatchObject({ ok: true, usage: 0 });
    expect(r[4], summary).toMatchObject({ ok: true });
    expect(r[5], summary).toMatchObject({ ok: true, usage: LIMIT });
    expect(r[6], summary).toMatchObject({ ok: false });
    expect(r[6].error).toMatch(refused);
    expect(r[7], summary).toMatchObject({ ok: true, usage: 0 });
    timings.limit = Date.now() - start;
  }, 90_000);

  it('without spill, persisted objects beyond the size are refused', async () => {
    diagnoseOnFailure();
    const start = Date.now();
    const { json } = await runClient(cluster, 'node-1', ['put-many', '4', '80'], 90_000, {
      daemonSet: daemonSet('plain'),
    });
    const puts = json.puts as Obj[];
    expect(
      puts.map((p) => p.ok),
      JSON.stringify(json),
    ).toEqual([true, true, true, false]);
    expect(puts[3].error).toMatch(/NotEnoughMemory.*Not enough memory/);
    expect(
      (json.gets as Obj[]).every((g) => g.ok && g.equal),
      JSON.stringify(json.gets),
    ).toBe(true);
    timings.noSpill = Date.now() - start;
  }, 120_000);

  it('with spill.path, objects beyond the size are spilled to the spill volume and read back', async () => {
    diagnoseOnFailure();
    const start = Date.now();
    expect(
      vineyardd('spill')[0].volumes.get('spill')?.dir,
      'the chart mounts a volume named spill',
    ).toBeTruthy();
    const putMany = () =>
      runClient(cluster, 'node-1', ['put-many', '5', '80'], 120_000, { daemonSet: daemonSet('spill') });
    let json: Obj;
    try {
      ({ json } = await putMany());
    } catch (err) {
      // vineyardd 0.24.2 under spill sometimes passes the client a memory fd it has already closed ("Error
      // in send_fd (errno = 9: Bad file descriptor)" in its log) and the client waits for ever: vineyardd's
      // defect, not the chart's. Only then the pod is recreated once and the scenario runs again.
      const pod = vineyardd('spill')[0];
      if (!/Error in send_fd/.test(pod.logs())) throw err;
      console.warn(`spill: vineyardd sent a closed fd (send_fd EBADF); ${pod.name} recreated, once`);
      await cluster.recreatePod(pod.name);
      await readyOrRecreate(cluster, () => vineyardd('spill'), CONVERGE_MS);
      ({ json } = await putMany());
    }
    const spillDir = vineyardd('spill')[0].volumes.get('spill')?.dir;
    console.log(`spill: 5 x 80 MiB into ${SIZE}: ${JSON.stringify(json)}`);
    const puts = json.puts as Obj[];
    const gets = json.gets as Obj[];
    expect(
      puts.map((p) => p.ok),
      `every put of 400 MiB in total succeeds: ${JSON.stringify(puts)}`,
    ).toEqual([true, true, true, true, true]);
    expect(Math.max(...puts.map((p) => p.usage))).toBeLessThanOrEqual(LIMIT);
    const spilled = fs.readdirSync(spillDir as string);
    expect(spilled.length, 'blob files vineyardd spilled into the spill volume').toBeGreaterThan(0);
    // the first objects were spilled: reading them reloads them from the spill files
    expect(gets.slice(0, 2), JSON.stringify(gets)).toMatchObject([
      { ok: true, equal: true },
      { ok: true, equal: true },
    ]);
    timings.spill = Date.now() - start;
  }, 480_000);
});
