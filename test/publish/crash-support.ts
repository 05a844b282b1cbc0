/**
 * Publisher processes to stop, continue and kill -9 at random moments: warm workers (publisher-worker.ts)
 * answering one JSON line per job, and a reader of a process's scheduler state (Linux /proc).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';

export type Answer = { ok: true; attempts: number; action: string } | { ok: false; error: string };

export class Worker {
  readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private exited = false;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(PROJECT_ROOT, 'test/publish/publisher-worker.ts')],
      { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    // a killed worker's stdin may be gone before we notice
    this.child.stdin?.on('error', () => undefined);
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(line);
      } else this.lines.push(line);
    });
    // 'close' comes after every line of stdout was delivered
    this.child.on('close', () => {
      this.exited = true;
      this.waiting?.(null);
      this.waiting = null;
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** The next line the worker prints, or null if it died first. */
  next(): Promise<string | null> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.exited) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  async ready(): Promise<void> {
    const line = await this.next();
    if (line === null || !JSON.parse(line).ready) throw new Error(`worker ${this.pid} did not start`);
  }

  /** Sends one job; resolves with the answer, or null if the worker died before answering. */
  async publish(files: string[], to: string): Promise<Answer | null> {
    this.child.stdin?.write(`${JSON.stringify({ files, to })}\n`);
    const line = await this.next();
    return line === null ? null : (JSON.parse(line) as Answer);
  }

  signal(sig: NodeJS.Signals): void {
    try {
      if (this.alive) process.kill(this.pid, sig);
    } catch {
      // already gone
    }
  }
}

/** Scheduler state of a process: 'R', 'S', 'T' (stopped), 'Z'...; null when it is gone. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A small seeded PRNG (mulberry32), so a failing trial can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
