/**
 * No credential the tool holds is ever printed, even when a token service or a registry echoes it in an
 * error body (issue 16, item 3): `publish --to oci://…` as a user runs it, against the real
 * docker-registry with token auth, our test token service made to echo what it receives, and a proxy in
 * front of the registry that echoes the bearer token back. Also: a malformed registry config, and the
 * signing passphrase.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_PASSWORD, ENV_USERNAME } from '../../src/helm/oci/credentials.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { type RunningRegistry, startRegistry } from '../support/docker-registry.ts';
import { cli, helm, type RunResult, withTempDir } from '../support/run.ts';
import { startTokenServer, type TokenServer } from '../support/token-server.ts';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'charts', 'oci-demo');
/** Characters that change under base64, URL, form and JSON encoding. */
const PASSWORD = 'Pw "quoted" /+:=&% é-9f3a1c';
const USER = 'ci-user';

/** Every form a secret could be printed in; none may appear in the output. */
function forms(secret: string): string[] {
  const b = Buffer.from(secret, 'utf8');
  return [
    secret,
    b.toString('base64'),
    b.toString('base64url'),
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
  ];
}

function expectNoSecret(res: RunResult, secrets: string[]): void {
  const out = `${res.stdout}\n${res.stderr}`;
  for (const secret of secrets) {
    for (const form of forms(secret)) expect(out, `leaked ${JSON.stringify(form)}`).not.toContain(form);
  }
}

async function packageFixture(work: string): Promise<string> {
  const src = path.join(work, 'src', 'oci-demo');
  await cp(FIXTURE, src, { recursive: true });
  const res = await helm('v3', ['package', src, '-d', path.join(work, 'out')], path.join(work, 'pkg-home'));
  expect(res.code, res.stderr).toBe(0);
  return path.join(work, 'out', 'oci-demo-0.1.0.tgz');
}

async function writeAuths(file: string, key: string, entry: Record<string, string>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ auths: { [key]: entry } }));
}

/**
 * A proxy in front of the registry that forwards everything until `echo` is set; then it answers every
 * authorized request 400 with a distribution-spec error echoing the Authorization header.
 */
async function startEchoProxy(
  upstream: string,
): Promise<{ host: string; echo: boolean; stop(): Promise<void> }> {
  const [upHost, upPort] = upstream.split(':');
  const state = { host: '', echo: false, stop: async (): Promise<void> => {} };
  const server: Server = createServer((req, res) => {
    const auth = req.headers.authorization;
    if (state.echo && auth) {
      req.resume();
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          errors: [{ code: 'DENIED', message: `request with Authorization: ${auth} refused`, detail: auth }],
        }),
      );
      return;
    }
    const up = request(
      { host: upHost, port: Number(upPort), method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

describe('OCI credentials are never printed, even when echoed back', () => {
  let reg: RunningRegistry;
  let tokens: TokenServer;
  let certDir: string;
  let proxy: Awaited<ReturnType<typeof startEchoProxy>>;
  beforeAll(async () => {
    certDir = await mkdtemp(path.join(tmpdir(), 'vineyard-redact-'));
    tokens = await startTokenServer(certDir, { [USER]: PASSWORD });
    reg = await startRegistry({
      kind: 'token',
      realm: tokens.realm,
      service: tokens.service,
      issuer: tokens.issuer,
      rootCertBundle: tokens.certFile,
    });
    proxy = await startEchoProxy(reg.registry);
  });
  afterAll(async () => {
    await proxy?.stop();
    await reg?.stop();
    await tokens?.stop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  const publish = (tgz: string, env: NodeJS.ProcessEnv) =>
    cli(['publish', tgz, '--to', `oci://${proxy.host}/redact`, '--plain-http'], { env });

  it('a token service echoing the password: environment, docker auth, helm registry config', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work);
      const home = path.join(work, 'home');
      const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
      const dockerDir = path.join(work, 'docker');
      await writeAuths(path.join(dockerDir, 'config.json'), `http://${proxy.host}`, { auth });
      const helmConfig = path.join(work, 'helm-registry.json');
      await writeAuths(helmConfig, proxy.host, { username: USER, password: PASSWORD });
      const envs: [string, NodeJS.ProcessEnv][] = [
        ['environment', { HOME: home, [ENV_USERNAME]: USER, [ENV_PASSWORD]: PASSWORD }],
        ['docker config.json auth', { HOME: home, DOCKER_CONFIG: dockerDir }],
        ['helm registry config', { HOME: home, HELM_REGISTRY_CONFIG: helmConfig }],
      ];
      tokens.echoCredentials = true;
      try {
        for (const [what, env] of envs) {
          const res = await publish(tgz, env);
          expect(res.code, `${what}: ${res.stderr}`).toBe(1);
          // the echo did reach the output, masked
          expect(res.stderr, what).toMatch(
            /token service .* answered 500: password=\*\*\* authorization=Basic \*\*\*/,
          );
          expectNoSecret(res, [PASSWORD, auth]);
        }
      } finally {
        tokens.echoCredentials = false;
      }
    });
  });

  it('a token service echoing an identity token (OAuth2 refresh token in a form body)', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work);
      const identityToken = 'idt/+= "refresh" token-7f0c2b';
      const dockerDir = path.join(work, 'docker');
      await writeAuths(path.join(dockerDir, 'config.json'), proxy.host, { identitytoken: identityToken });
      tokens.echoCredentials = true;
      try {
        const res = await publish(tgz, { HOME: path.join(work, 'home'), DOCKER_CONFIG: dockerDir });
        expect(res.code, res.stderr).toBe(1);
        expect(res.stderr).toMatch(/body=.*refresh_token=\*\*\*/);
        expectNoSecret(res, [identityToken]);
      } finally {
        tokens.echoCredentials = false;
      }
    });
  });

  it('a registry echoing the bearer token it was sent', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work);
      tokens.issued.length = 0;
      proxy.echo = true;
      try {
        const res = await publish(tgz, {
          HOME: path.join(work, 'home'),
          [ENV_USERNAME]: USER,
          [ENV_PASSWORD]: PASSWORD,
        });
        expect(res.code, res.stderr).toBe(1);
        expect(res.stderr).toContain('Authorization: Bearer ***');
        expect(tokens.issued.length).toBeGreaterThan(0);
        expectNoSecret(res, [...tokens.issued, PASSWORD]);
        // not even the JWT's signature part alone
        for (const t of tokens.issued) expect(res.stderr).not.toContain(t.split('.')[2]);
      } finally {
        proxy.echo = false;
      }
    });
  });

  it('a registry config that is not JSON (a password pasted into it) is not quoted back', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work);
      const config = path.join(work, 'registry.json');
      const pasted = 'hunter2-Pasted-Secret';
      await writeFile(config, `${pasted}\n`);
      const res = await publish(tgz, { HOME: path.join(work, 'home'), HELM_REGISTRY_CONFIG: config });
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toContain('expected a JSON registry config');
      expect(res.stderr).not.toContain(pasted.slice(1, 8));
    });
  });

  it('credentials that work still publish', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work);
      const res = await publish(tgz, {
        HOME: path.join(work, 'home'),
        [ENV_USERNAME]: USER,
        [ENV_PASSWORD]: PASSWORD,
      });
      expect(res.code, res.stderr).toBe(0);
      expectNoSecret(res, [...tokens.issued, PASSWORD]);
    });
  });
});

describe('the signing passphrase is never printed', () => {
  it('package --sign with a wrong key, a wrong passphrase, or the passphrase file given as the keyring', async () => {
    await withTempDir(async (dir) => {
      const passphrase = 'correct horse "battery" staple/+=';
      const { privateKey } = await openpgp.generateKey({
        type: 'ecc',
        curve: 'curve25519Legacy',
        userIDs: [{ name: 'Throwaway Signer', email: 'throwaway@example.com' }],
        passphrase,
        format: 'binary',
      });
      await writeFile(path.join(dir, 'secring.gpg'), privateKey);
      await writeFile(path.join(dir, 'pass'), `${passphrase}\n`);
      await writeFile(path.join(dir, 'wrong-pass'), 'not the passphrase\n');
      const chart = path.join(dir, 'oci-demo');
      await cp(FIXTURE, chart, { recursive: true });
      const base = ['package', chart, '--out', path.join(dir, 'out'), '--sign'];
      const cases = [
        [
          '--key',
          'Nobody',
          '--keyring',
          path.join(dir, 'secring.gpg'),
          '--passphrase-file',
          path.join(dir, 'pass'),
        ],
        [
          '--key',
          'Throwaway',
          '--keyring',
          path.join(dir, 'pass'),
          '--passphrase-file',
          path.join(dir, 'pass'),
        ],
        [
          '--key',
          'Throwaway',
          '--keyring',
          path.join(dir, 'secring.gpg'),
          '--passphrase-file',
          path.join(dir, 'wrong-pass'),
        ],
        // a user ID that contains the passphrase: listed in the "no key matches" message
        [
          '--key',
          passphrase,
          '--keyring',
          path.join(dir, 'secring.gpg'),
          '--passphrase-file',
          path.join(dir, 'pass'),
        ],
      ];
      for (const args of cases) {
        const res = await cli([...base, ...args]);
        expect(res.code, res.stderr).toBe(1);
        expect(res.stderr).toMatch(/^error: /);
        expectNoSecret(res, [passphrase]);
      }
    });
  });
});
