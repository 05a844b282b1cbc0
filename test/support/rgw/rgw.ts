/**
 * A real S3 server for the publish tests: Ceph RADOS Gateway on 127.0.0.1, started from
 * start-rgw.sh with free ports and a unique directory, stopped by PID from stop-rgw.sh.
 *
 * One gateway serves the whole test run: the first test file that calls `sharedRgw()` starts it
 * (under a lock, since test files run in parallel processes), later callers reuse it, and the global
 * teardown (global-setup.ts next to this file) stops it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebianCommands } from '../debian.ts';
import { freePort } from '../run.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'monmaptool', 'curl'];

export interface Rgw {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  dir: string;
}

/** Debian package of each binary. */
const PACKAGES: Record<string, string> = {
  'ceph-mon': 'ceph-mon',
  'ceph-osd': 'ceph-osd',
  radosgw: 'radosgw',
  'radosgw-admin': 'radosgw',
  ceph: 'ceph-common',
  monmaptool: 'ceph-common',
  curl: 'curl',
};

/**
 * Makes sure RGW can run here: missing Debian packages are installed when we run as root, else this
 * throws naming the install command. Never a silent skip: returns the binaries still missing (none).
 */
export function missingRgwBinaries(): string[] {
  ensureDebianCommands(Object.fromEntries(BINARIES.map((b) => [b, PACKAGES[b]])), 'the Ceph RGW (S3) tests');
  return BINARIES.filter((b) => {
    try {
      execFileSync('sh', ['-c', `command -v ${b}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

function runScript(
  script: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(HERE, script)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d: Buffer) => {
      log += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, log });
    });
  });
}

/** Starts a fresh gateway; retries with new ports if one was taken between probing and binding. */
export async function startRgw(): Promise<Rgw> {
  const missing = missingRgwBinaries();
  if (missing.length) throw new Error(`Ceph RGW cannot start: missing ${missing.join(', ')}`);
  let lastLog = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = await mkdtemp(path.join(tmpdir(), 'vineyard-rgw-'));
    const rgw: Rgw = {
      endpoint: '',
      bucket: 'charts',
      // random per run, so "the secret never appears in output" is tested against a distinctive value
      accessKeyId: `VC${randomBytes(9).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString('hex'),
      dir,
    };
    const env = {
      CEPH_DIR: dir,
      RGW_PORT: String(await freePort()),
      MON_PORT: String(await freePort()),
      MON_PORT_V1: String(await freePort()),
      S3_ACCESS_KEY: rgw.accessKeyId,
      S3_SECRET_KEY: rgw.secretAccessKey,
      S3_BUCKET: rgw.bucket,
    };
    const res = await runScript('start-rgw.sh', env, 150_000);
    if (res.code === 0) {
      rgw.endpoint = (await readFile(path.join(dir, 'endpoint'), 'utf8')).trim();
      return rgw;
    }
    lastLog = res.log;
    await stopRgw(dir);
  }
  throw new Error(`Ceph RGW did not start after 3 attempts:\n${lastLog}`);
}

export async function stopRgw(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await runScript('stop-rgw.sh', { CEPH_DIR: dir }, 60_000);
  await rm(dir, { recursive: true, force: true });
}

const STATE = 'rgw.json';

/** Acquire a directory lock (mkdir is atomic), bounded. */
async function withLock<T>(stateDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(stateDir, 'lock');
  const deadline = Date.now() + 200_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** The gateway shared by all test files of this run (started on first use). */
export async function sharedRgw(stateDir: string): Promise<Rgw> {
  return withLock(stateDir, async () => {
    const state = path.join(stateDir, STATE);
    if (existsSync(state)) {
      const saved = JSON.parse(await readFile(state, 'utf8')) as Rgw | { error: string };
      if ('error' in saved) throw new Error(saved.error);
      return saved;
    }
    try {
      const rgw = await startRgw();
      await writeFile(state, JSON.stringify(rgw));
      return rgw;
    } catch (err) {
      // remember the failure so every file reports it instead of retrying a slow start
      await writeFile(state, JSON.stringify({ error: (err as Error).message }));
      throw err;
    }
  });
}

/** Called from the global teardown: stops the shared gateway if a test started one. */
export async function stopSharedRgw(stateDir: string): Promise<void> {
  const state = path.join(stateDir, STATE);
  if (existsSync(state)) {
    const saved = JSON.parse(await readFile(state, 'utf8')) as Partial<Rgw>;
    if (saved.dir) await stopRgw(saved.dir);
  }
  await rm(stateDir, { recursive: true, force: true });
}
