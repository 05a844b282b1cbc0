/**
 * An S3 endpoint that never answers must not hang `publish` (issue 16, item 8): connect and request
 * deadlines, bounded attempts, one line naming the endpoint. The deadlines are shortened for the test
 * through VINEYARD_CHARTS_S3_*_TIMEOUT. Also item 9: an invalid --endpoint is a usage error.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, freePort } from '../support/run.ts';
import { makeChart } from './charts.ts';

const ENV = {
  AWS_ACCESS_KEY_ID: 'timeout-test-key',
  AWS_SECRET_ACCESS_KEY: 'timeout-test-secret',
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL_S3: '',
  AWS_ENDPOINT_URL: '',
  VINEYARD_CHARTS_S3_CONNECT_TIMEOUT: '2',
  VINEYARD_CHARTS_S3_REQUEST_TIMEOUT: '2',
};
/** 3 attempts of at most 2 s each, the SDK's backoff between them, and node's start-up. */
const BOUND_MS = 25_000;

describe('publish --to s3:// against an endpoint that never answers', () => {
  let work: string;
  let tgz: string;
  let silent: Server;
  const held: Socket[] = [];
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'vineyard-s3-timeout-'));
    tgz = (await makeChart(work, 'slow', '1.0.0')).file;
    // accepts every connection, reads the request, never writes a byte
    silent = createServer((socket) => {
      held.push(socket);
      socket.on('error', () => undefined);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => silent?.close(() => resolve()));
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function publishTo(endpoint: string, env: NodeJS.ProcessEnv = {}) {
    const started = Date.now();
    const res = await cli(
      ['publish', tgz, '--to', 's3://charts/stable', '--endpoint', endpoint, '--path-style'],
      {
        env: { ...ENV, ...env },
        // without deadlines the process would hang forever: killed here, it fails the exit-code check
        timeoutMs: 60_000,
      },
    );
    return { ...res, ms: Date.now() - started };
  }

  it('accepts the connection, never answers: exit 1 within a bounded time, one line naming the endpoint', async () => {
    const port = (silent.address() as { port: number }).port;
    const endpoint = `http://127.0.0.1:${port}`;
    const res = await publishTo(endpoint);
    expect(res.code, res.stderr).toBe(1);
    expect(res.ms).toBeLessThan(BOUND_MS);
    const lines = res.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^error: /);
    expect(lines.at(-1)).toContain(`s3 endpoint ${endpoint} did not answer within 2 s (no response)`);
    expect(res.stderr).not.toMatch(/TypeError|at .*\.ts:\d+/);
    expect(res.stderr).not.toContain(ENV.AWS_SECRET_ACCESS_KEY);
  });

  it('never accepts the connection (a full accept queue): exit 1 within a bounded time, naming the endpoint', async () => {
    // A listener that never calls accept(): once its queue holds one connection, the kernel drops
    // further SYNs and a connect neither succeeds nor fails. Node always accepts, so python does this.
    const py: ChildProcess = spawn(
      'python3',
      [
        '-c',
        'import socket,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\n' +
          'print(s.getsockname()[1],flush=True)\ntime.sleep(120)',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const fillers: Socket[] = [];
    try {
      const port = await new Promise<number>((resolve, reject) => {
        py.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
        py.once('error', reject);
      });
      for (let i = 0; i < 2; i++) {
        const s = new Socket();
        s.on('error', () => undefined);
        s.connect(port, '127.0.0.1');
        fillers.push(s);
      }
      await new Promise((r) => setTimeout(r, 200));
      const endpoint = `http://127.0.0.1:${port}`;
      // the connect deadline shorter than the request one, so that it is the one that expires
      const res = await publishTo(endpoint, { VINEYARD_CHARTS_S3_CONNECT_TIMEOUT: '1' });
      expect(res.code, res.stderr).toBe(1);
      expect(res.ms).toBeLessThan(BOUND_MS);
      expect(res.stderr.trim().split('\n').at(-1)).toContain(
        `s3 endpoint ${endpoint} did not answer within 1 s (no connection accepted)`,
      );
    } finally {
      for (const s of fillers) s.destroy();
      py.kill('SIGKILL');
    }
  });

  it('a closed port: exit 1 quickly, naming the endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const res = await publishTo(endpoint);
    expect(res.code, res.stderr).toBe(1);
    expect(res.ms).toBeLessThan(BOUND_MS);
    expect(res.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^error: .*cannot reach ${endpoint.replace(/\./g, '\\.')} \\(ECONNREFUSED\\)`),
    );
  });

  it('an invalid --endpoint or AWS_ENDPOINT_URL_S3 is a usage error (exit 2, one line), not a TypeError', async () => {
    for (const cmd of [
      ['publish', tgz, '--to', 's3://charts', '--endpoint', 'not a url'],
      ['release', '--to', 's3://charts', '--endpoint', 'not a url', '--dry-run'],
      ['publish', tgz, '--to', 's3://charts', '--endpoint', 'ftp://127.0.0.1:21'],
    ]) {
      const res = await cli(cmd, { env: ENV });
      expect(res.code, `${cmd.join(' ')}: ${res.stderr}`).toBe(2);
      expect(res.stderr).toMatch(/^error: --endpoint .*: expected an http:\/\/ or https:\/\/ URL[^\n]*\n$/);
    }
    const fromEnv = await cli(['publish', tgz, '--to', 's3://charts'], {
      env: { ...ENV, AWS_ENDPOINT_URL_S3: 'not a url' },
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(2);
    expect(fromEnv.stderr).toMatch(/^error: AWS_ENDPOINT_URL_S3=not a url: expected an http/);
    expect(fromEnv.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a bad timeout override is a usage error', async () => {
    const res = await cli(['publish', tgz, '--to', 's3://charts', '--endpoint', 'http://127.0.0.1:1'], {
      env: { ...ENV, VINEYARD_CHARTS_S3_REQUEST_TIMEOUT: 'soon' },
    });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain('VINEYARD_CHARTS_S3_REQUEST_TIMEOUT=soon: expected a number of seconds');
  });
});
