/**
 * A second thread for the streamed merge of a large index (index-stream.ts): checking chart blocks
 * line by line is most of a merge's time, and the blocks are independent, so a helper thread
 * (block-check-worker.ts) checks them from the end of the file backwards while the main thread goes
 * forwards, and the main thread takes the helper's verdicts once it reaches blocks the helper did.
 *
 * The main thread never waits for it: a block without a verdict yet is checked on the spot, so on a
 * busy machine the helper only costs its start (a few ms of the main thread). Verdicts are polled
 * synchronously (receiveMessageOnPort), so they count even while the main thread is busy.
 */
import { createRequire } from 'node:module';
import type * as WorkerThreads from 'node:worker_threads';
import type { FileIdentity, HelperData } from './block-check-worker.ts';

/**
 * Below minBytes the helper costs more than it saves: measured on 2 cores, a thread with its own module
 * loading and its own cold JIT answers its first blocks ~0.1 s after it starts, and meanwhile slows the
 * main thread. With the line checks, 19 MB (20,000 helm-written entries) took 0.39-0.48 s with it,
 * 0.33-0.43 s without; 95 MB 0.74-0.88 s with, 0.93-1.05 s without. Since entries are checked whole by
 * one expression (verbatim-entry.ts) it matters less: 19 MB 0.24-0.26 s with, 0.22-0.24 s without;
 * 57 MB 0.36-0.38 s with, 0.37-0.40 s without; 95 MB 0.50-0.52 s with, 0.51-0.55 s without. Tests
 * lower it, and set `wait` to have the helper finish before the main thread starts (deterministic).
 */
export const helperTuning = { minBytes: 64 << 20, enabled: true, wait: false };

/** node:worker_threads, loaded when a helper starts (~2 ms every `index` run would pay otherwise). */
let threads: typeof WorkerThreads | undefined;
const workerThreads = () => {
  threads ??= createRequire(import.meta.url)('node:worker_threads') as typeof WorkerThreads;
  return threads;
};

/** The compiled worker: the helper runs only from dist/ (sources run through tsx or vitest do without). */
const WORKER = new URL('./block-check-worker.js', import.meta.url);

export class BlockCheckHelper {
  /** start offset -> [end, count] of every block the helper checked. */
  private readonly verdicts = new Map<number, [number, number]>();
  /** The lowest block start the helper has reported: blocks after it have all been seen. */
  private low = Number.POSITIVE_INFINITY;
  private done = false;
  private readonly exited: Promise<void>;
  /** Verdicts the main thread used. */
  used = 0;

  private constructor(
    private readonly worker: WorkerThreads.Worker,
    private readonly port: WorkerThreads.MessagePort,
    private readonly progress: Int32Array,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
  }

  /** A helper for the file, or undefined when it would not pay (small file) or cannot run here. */
  static start(
    file: string,
    identity: FileIdentity,
    from: number,
    chunk: number,
  ): BlockCheckHelper | undefined {
    if (!helperTuning.enabled || identity.size < helperTuning.minBytes || !WORKER.pathname.endsWith('.js'))
      return undefined;
    const progress = new Int32Array(new SharedArrayBuffer(4));
    const { MessageChannel, Worker } = workerThreads();
    const { port1, port2 } = new MessageChannel();
    const data: HelperData = { file, identity, from, chunk, progress, port: port2 };
    let worker: WorkerThreads.Worker;
    try {
      worker = new Worker(WORKER, { workerData: data, transferList: [port2], stdout: true, stderr: true });
    } catch {
      return undefined;
    }
    worker.on('error', () => {}); // a helper that fails only leaves the work to the main thread
    worker.unref();
    return new BlockCheckHelper(worker, port1, progress);
  }

  /** The helper's count for the block [start, end) (see verbatimEntryCount), or undefined. */
  count(start: number, end: number): number | undefined {
    Atomics.store(this.progress, 0, Math.floor(start / 1024));
    if (start < this.low && !this.done) this.poll();
    const v = this.verdicts.get(start);
    if (v === undefined || v[0] !== end) return undefined;
    this.used++;
    return v[1];
  }

  private poll(): void {
    const { receiveMessageOnPort } = workerThreads();
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      const list = m.message as Float64Array;
      for (let i = 0; i < list.length; i += 3) {
        this.verdicts.set(list[i], [list[i + 1], list[i + 2]]);
        if (list[i] < this.low) this.low = list[i];
      }
    }
  }

  /** Resolves when the helper has checked all it will (tests: helperTuning.wait). */
  async finished(): Promise<void> {
    await this.exited;
  }

  async stop(): Promise<void> {
    this.done = true;
    Atomics.store(this.progress, 0, 0x7fffffff);
    this.port.close();
    await this.worker.terminate();
  }
}
