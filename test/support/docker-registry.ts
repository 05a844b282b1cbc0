/**
 * A real OCI registry for the tests: Debian's `docker-registry` (distribution 2.8), started on a random
 * 127.0.0.1 port with a temporary storage directory, optionally with htpasswd (Basic) or token (Bearer)
 * authentication, and stopped afterwards. `.ci/run` installs the package.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { ensureDebianCommands } from './debian.ts';

export const REGISTRY_BIN = process.env.DOCKER_REGISTRY_BIN ?? 'docker-registry';

export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'basic'; users: Record<string, string> }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

export interface RunningRegistry {
  /** host:port */
  registry: string;
  stop(): Promise<void>;
}

/**
 * Makes sure docker-registry runs here: Debian's package is installed when we run as root, else this
 * throws naming the install command. Never a silent skip.
 */
export function registryAvailable(): boolean {
  if (process.env.DOCKER_REGISTRY_BIN === undefined)
    ensureDebianCommands({ 'docker-registry': 'docker-registry' }, 'the OCI registry tests');
  return spawnSync(REGISTRY_BIN, ['--version'], { stdio: 'ignore' }).status === 0;
}

function authYaml(auth: RegistryAuth, dir: string): string {
  switch (auth.kind) {
    case 'none':
      return '';
    case 'basic':
      return `auth:\n  htpasswd:\n    realm: test-realm\n    path: ${path.join(dir, 'htpasswd')}\n`;
    case 'token':
      return (
        'auth:\n  token:\n' +
        `    realm: ${auth.realm}\n    service: ${auth.service}\n    issuer: ${auth.issuer}\n` +
        `    rootcertbundle: ${auth.rootCertBundle}\n`
      );
  }
}

function waitForListening(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(
      () => reject(new Error(`docker-registry did not start in ${timeoutMs} ms:\n${log}`)),
      timeoutMs,
    );
    const onData = (d: Buffer) => {
      log += d.toString('utf8');
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`docker-registry exited with ${code}:\n${log}`));
    });
  });
}

export async function startRegistry(auth: RegistryAuth = { kind: 'none' }): Promise<RunningRegistry> {
  if (!registryAvailable()) {
    throw new Error(
      `${REGISTRY_BIN} not found: install Debian's docker-registry package (.ci/run does) to run the OCI tests`,
    );
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'vineyard-registry-'));
  if (auth.kind === 'basic') {
    const lines = Object.entries(auth.users).map(([u, p]) => `${u}:${bcrypt.hashSync(p, 4)}`);
    await writeFile(path.join(dir, 'htpasswd'), `${lines.join('\n')}\n`);
  }
  const config =
    'version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\n' +
    `storage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\n` +
    'http:\n  addr: 127.0.0.1:0\n  secret: vineyard-charts-test\n' +
    authYaml(auth, dir);
  await writeFile(path.join(dir, 'config.yml'), config);
  const child = spawn(REGISTRY_BIN, ['serve', path.join(dir, 'config.yml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let port: number;
  try {
    port = await waitForListening(child, 20_000);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    registry: `127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
