/**
 * Runs the real kubectl: argv and stdin exactly as given, a bounded wall-clock time, and a clean error
 * naming the command (never the kubeconfig contents) when it fails.
 */
import { spawn } from 'node:child_process';
import { PipelineError } from '../../errors.ts';

export interface KubectlConnection {
  kubectl: string;
  kubeconfig?: string;
  context?: string;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function globalArgs(conn: KubectlConnection): string[] {
  return [
    ...(conn.kubeconfig ? ['--kubeconfig', conn.kubeconfig] : []),
    ...(conn.context ? ['--context', conn.context] : []),
  ];
}

export function runKubectl(
  conn: KubectlConnection,
  args: string[],
  stdin = '',
  timeoutMs = 120_000,
): Promise<KubectlResult> {
  const argv = [...globalArgs(conn), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(conn.kubectl, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new PipelineError(`cannot run kubectl at ${conn.kubectl}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        code: timedOut ? 124 : (code ?? 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: timedOut ? `${stderr}\n(killed after ${Math.round(timeoutMs / 1000)} s)` : stderr,
      });
    });
    // kubectl may exit before reading stdin (bad flags): that is reported through its exit code.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

/** Runs kubectl and fails with its stderr unless it exits 0. */
export async function kubectlOk(
  conn: KubectlConnection,
  args: string[],
  stdin = '',
  timeoutMs?: number,
): Promise<string> {
  const res = await runKubectl(conn, args, stdin, timeoutMs);
  if (res.code !== 0) {
    throw new PipelineError(
      `kubectl ${args.join(' ')} failed (exit ${res.code}): ${res.stderr.trim().slice(0, 2000)}`,
    );
  }
  return res.stdout;
}
