/**
 * Registry authentication against the real docker-registry: Basic (htpasswd) and the Bearer token
 * challenge (token auth verified by the registry against our test issuer's certificate), with
 * credentials from helm's registry config, docker's config.json or the environment.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_PASSWORD, ENV_USERNAME } from '../../src/helm/oci/credentials.ts';
import { pushChartToOci } from '../../src/helm/oci/push.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { type RunningRegistry, startRegistry } from '../support/docker-registry.ts';
import { helm, withTempDir } from '../support/run.ts';
import { startTokenServer, type TokenServer } from '../support/token-server.ts';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'charts', 'oci-demo');
const USERS = { ci: 's3cret-pw' };

async function packageFixture(work: string): Promise<string> {
  const src = path.join(work, 'src', 'oci-demo');
  await cp(FIXTURE, src, { recursive: true });
  const res = await helm('v3', ['package', src, '-d', path.join(work, 'out')], path.join(work, 'pkg-home'));
  expect(res.code, res.stderr).toBe(0);
  return path.join(work, 'out', 'oci-demo-0.1.0.tgz');
}

async function writeAuthConfig(file: string, key: string, entry: Record<string, string>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ auths: { [key]: entry } }));
}

const basicAuth = (user: string, pw: string) => ({ auth: Buffer.from(`${user}:${pw}`).toString('base64') });

describe('OCI push with Basic authentication (htpasswd)', () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ kind: 'basic', users: USERS });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('fails clearly without credentials, naming where it looked', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work);
      const env = { HOME: path.join(work, 'empty-home') };
      const err = await pushChartToOci(tgz, `oci://${reg.registry}/ns`, { plainHttp: true, env }).catch(
        (e) => e,
      );
      expect(String(err.message)).toMatch(/requires authentication and no credentials were found for it/);
      expect(err.message).toContain(path.join(work, 'empty-home', '.docker', 'config.json'));
      expect(err.message).toContain(
        path.join(work, 'empty-home', '.config', 'helm', 'registry', 'config.json'),
      );
    });
  });

  it('uses helm registry config; real helm pulls with the same file', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work);
      const registryConfig = path.join(work, 'helm-registry.json');
      await writeAuthConfig(registryConfig, reg.registry, basicAuth('ci', USERS.ci));
      const env = { HOME: path.join(work, 'home'), HELM_REGISTRY_CONFIG: registryConfig };
      const result = await pushChartToOci(tgz, `oci://${reg.registry}/ns`, { plainHttp: true, env });
      expect(result.status).toBe('pushed');
      const dest = path.join(work, 'pulled');
      await mkdir(dest);
      const pull = await helm(
        'v4',
        ['pull', `oci://${reg.registry}/ns/oci-demo`, '--version', '0.1.0', '--plain-http', '-d', dest],
        path.join(work, 'h'),
        {
          env: { HELM_REGISTRY_CONFIG: registryConfig },
        },
      );
      expect(pull.code, pull.stderr).toBe(0);
      expect((await readFile(path.join(dest, 'oci-demo-0.1.0.tgz'))).equals(await readFile(tgz))).toBe(true);
    });
  });

  it('uses docker config.json and the environment; a wrong password is refused without echoing it', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work);
      const dockerDir = path.join(work, 'docker');
      await writeAuthConfig(
        path.join(dockerDir, 'config.json'),
        `https://${reg.registry}/v1/`,
        basicAuth('ci', 'wrong-pw-123'),
      );
      const env = { HOME: path.join(work, 'home'), DOCKER_CONFIG: dockerDir };
      const err = await pushChartToOci(tgz, `oci://${reg.registry}/docker`, { plainHttp: true, env }).catch(
        (e) => e,
      );
      expect(err.message).toMatch(
        /refused the credentials from .*docker\/config\.json \(auths\["https:\/\/127/,
      );
      expect(err.message).not.toContain('wrong-pw-123');

      const withEnv = { ...env, [ENV_USERNAME]: 'ci', [ENV_PASSWORD]: USERS.ci };
      const result = await pushChartToOci(tgz, `oci://${reg.registry}/docker`, {
        plainHttp: true,
        env: withEnv,
      });
      expect(result.status).toBe('pushed');
    });
  });
});

describe('OCI push with the Bearer token challenge', () => {
  let reg: RunningRegistry;
  let tokens: TokenServer;
  let certDir: string;
  beforeAll(async () => {
    certDir = await mkdtemp(path.join(tmpdir(), 'vineyard-token-'));
    tokens = await startTokenServer(certDir, USERS);
    reg = await startRegistry({
      kind: 'token',
      realm: tokens.realm,
      service: tokens.service,
      issuer: tokens.issuer,
      rootCertBundle: tokens.certFile,
    });
  });
  afterAll(async () => {
    await reg?.stop();
    await tokens?.stop();
    await rm(certDir, { recursive: true, force: true });
  });

  it('gets a pull,push token with the configured credentials; a dry run asks only for pull', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work);
      const dockerDir = path.join(work, 'docker');
      await writeAuthConfig(path.join(dockerDir, 'config.json'), `http://${reg.registry}`, {
        username: 'ci',
        password: USERS.ci,
      });
      const env = { HOME: path.join(work, 'home'), DOCKER_CONFIG: dockerDir };
      const ref = `oci://${reg.registry}/team`;

      tokens.requests.length = 0;
      const planned = await pushChartToOci(tgz, ref, { plainHttp: true, env, dryRun: true });
      expect(planned.status).toBe('planned');
      expect(tokens.requests).toEqual([
        { service: tokens.service, scope: 'repository:team/oci-demo:pull', user: 'ci' },
      ]);

      tokens.requests.length = 0;
      const pushed = await pushChartToOci(tgz, ref, { plainHttp: true, env });
      expect(pushed.status).toBe('pushed');
      expect(tokens.requests).toEqual([
        { service: tokens.service, scope: 'repository:team/oci-demo:pull,push', user: 'ci' },
      ]);

      // Real helm, through the same token service, gets our bytes.
      const registryConfig = path.join(work, 'helm-registry.json');
      await writeAuthConfig(registryConfig, reg.registry, basicAuth('ci', USERS.ci));
      const dest = path.join(work, 'pulled');
      await mkdir(dest);
      const pull = await helm(
        'v3',
        ['pull', `${ref}/oci-demo`, '--version', '0.1.0', '--plain-http', '-d', dest],
        path.join(work, 'h'),
        {
          env: { HELM_REGISTRY_CONFIG: registryConfig },
        },
      );
      expect(pull.code, pull.stderr).toBe(0);
      expect((await readFile(path.join(dest, 'oci-demo-0.1.0.tgz'))).equals(await readFile(tgz))).toBe(true);
    });
  });

  it('without credentials the token service refuses and the error says where credentials are looked up', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work);
      const env = { HOME: path.join(work, 'home') };
      await expect(
        pushChartToOci(tgz, `oci://${reg.registry}/team`, { plainHttp: true, env }),
      ).rejects.toThrow(/requires authentication and no credentials were found/);
    });
  });
});
