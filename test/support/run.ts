/** Runs the real binaries the tests compare against: our CLI, helm v3/v4, kubectl. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type HelmMajor, PROJECT_ROOT, toolPath } from '../../src/tools/helm.ts';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  timeoutMs?: number;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? PROJECT_ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    // A command that exits without reading its input (a usage error, a refusal) closes the pipe: that
    // EPIPE is the child's business, not a test failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

export const CLI = path.join(PROJECT_ROOT, 'bin', 'vineyard-charts.cjs');

/** Our CLI, exactly as a user runs it. */
export function cli(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], opts);
}

/**
 * Real helm with an isolated home (config, cache, data), so tests never touch or depend on the
 * developer's repositories and never share state with each other.
 */
export function helm(
  major: HelmMajor,
  args: string[],
  home: string,
  opts: RunOptions = {},
): Promise<RunResult> {
  return run(toolPath(major, 'helm'), args, {
    ...opts,
    env: {
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_DATA_HOME: path.join(home, 'data'),
      HELM_REGISTRY_CONFIG: path.join(home, 'config', 'registry.json'),
      HELM_REPOSITORY_CONFIG: path.join(home, 'config', 'repositories.yaml'),
      HELM_REPOSITORY_CACHE: path.join(home, 'cache', 'repository'),
      KUBECONFIG: path.join(home, 'kubeconfig-none'),
      ...opts.env,
    },
  });
}

export const HELM_MAJORS: HelmMajor[] = ['v3', 'v4'];

/** A temporary directory removed after `fn`, whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vineyard-charts-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now: bound by us, then released. Good for a
 * server the test starts next, or as a "connection refused" target.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
