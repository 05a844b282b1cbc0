/**
 * OCI push against a real registry (Debian's docker-registry) checked with real helm v3 and v4:
 * `helm pull oci://… --plain-http` must return our bytes, and our manifest must be the one `helm push`
 * itself produces for the same archive.
 */
import { cp, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineError } from '../../src/errors.ts';
import { pushChartToOci } from '../../src/helm/oci/push.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { type RunningRegistry, startRegistry } from '../support/docker-registry.ts';
import { freePort, HELM_MAJORS, helm, withTempDir } from '../support/run.ts';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'charts', 'oci-demo');
const MANIFEST_ACCEPT = { Accept: 'application/vnd.oci.image.manifest.v1+json' };

/** Packages a copy of the fixture with real helm; `greeting` changes the content, not the version. */
async function packageFixture(
  work: string,
  opts: { version?: string; greeting?: string } = {},
): Promise<string> {
  const src = path.join(work, `src-${opts.version ?? 'default'}-${opts.greeting ?? 'hello'}`, 'oci-demo');
  await cp(FIXTURE, src, { recursive: true });
  if (opts.greeting) await writeFile(path.join(src, 'values.yaml'), `greeting: ${opts.greeting}\n`);
  const out = path.join(src, '..', 'out');
  const args = ['package', src, '-d', out, ...(opts.version ? ['--version', opts.version] : [])];
  const res = await helm('v3', args, path.join(work, 'helm-home'));
  expect(res.code, res.stderr).toBe(0);
  const tgz = path.join(out, `oci-demo-${opts.version ?? '0.1.0'}.tgz`);
  // helm push takes `created` from the archive's mtime: pin it so runs are comparable.
  const when = new Date('2024-05-01T12:00:00Z');
  await utimes(tgz, when, when);
  return tgz;
}

async function manifestDigest(registry: string, repo: string, tag: string): Promise<string | undefined> {
  const res = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: MANIFEST_ACCEPT,
  });
  return res.status === 200 ? (res.headers.get('docker-content-digest') ?? undefined) : undefined;
}

async function manifestJson(registry: string, repo: string, tag: string): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, { headers: MANIFEST_ACCEPT });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('pushChartToOci against docker-registry', () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('pushes what helm v3 and v4 pull byte for byte, with the manifest helm push itself writes', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work);
      const result = await pushChartToOci(tgz, `oci://${reg.registry}/charts`, { plainHttp: true });
      expect(result).toMatchObject({
        status: 'pushed',
        tag: '0.1.0',
        ref: `oci://${reg.registry}/charts/oci-demo:0.1.0`,
      });
      expect(await manifestDigest(reg.registry, 'charts/oci-demo', '0.1.0')).toBe(result.digest);

      const ours = await readFile(tgz);
      for (const major of HELM_MAJORS) {
        const home = path.join(work, `home-${major}`);
        const dest = path.join(work, `pulled-${major}`);
        await mkdir(dest, { recursive: true });
        const pull = await helm(
          major,
          ['pull', `oci://${reg.registry}/charts/oci-demo`, '--version', '0.1.0', '--plain-http', '-d', dest],
          home,
        );
        expect(pull.code, pull.stderr).toBe(0);
        expect((await readFile(path.join(dest, 'oci-demo-0.1.0.tgz'))).equals(ours)).toBe(true);
        const show = await helm(
          major,
          ['show', 'chart', `oci://${reg.registry}/charts/oci-demo`, '--version', '0.1.0', '--plain-http'],
          home,
        );
        expect(show.code, show.stderr).toBe(0);
        expect(show.stdout).toMatch(/^name: oci-demo$/m);
        expect(show.stdout).toMatch(/^version: 0\.1\.0$/m);

        // Independent truth: real `helm push` of the same archive into another repository.
        const push = await helm(
          major,
          ['push', tgz, `oci://${reg.registry}/by-helm-${major}`, '--plain-http'],
          home,
        );
        expect(push.code, push.stderr).toBe(0);
        expect(await manifestDigest(reg.registry, `by-helm-${major}/oci-demo`, '0.1.0')).toBe(result.digest);
      }

      const manifest = await manifestJson(reg.registry, 'charts/oci-demo', '0.1.0');
      expect(manifest.config).toMatchObject({ mediaType: 'application/vnd.cncf.helm.config.v1+json' });
      expect(manifest.annotations).toMatchObject({
        'org.opencontainers.image.title': 'oci-demo',
        'org.opencontainers.image.version': '0.1.0',
        'org.opencontainers.image.url': 'https://v6d.io',
        'org.opencontainers.image.source': 'https://github.com/v6d-io/v6d',
        'org.opencontainers.image.authors': 'Vineyard Maintainers (maintainers@v6d.io), Solo',
        'org.opencontainers.image.created': '2024-05-01T12:00:00Z',
        category: 'Database',
      });

      // Same chart again: nothing to do, the tag is untouched.
      const again = await pushChartToOci(tgz, `oci://${reg.registry}/charts`, { plainHttp: true });
      expect(again).toMatchObject({ status: 'unchanged', digest: result.digest });
    });
  });

  it('refuses to move an existing tag to different content unless forced', async () => {
    await withTempDir(async (work) => {
      const first = await packageFixture(work);
      const changed = await packageFixture(work, { greeting: 'changed' });
      const ref = `oci://${reg.registry}/immutable`;
      const pushed = await pushChartToOci(first, ref, { plainHttp: true });

      const refused = pushChartToOci(changed, ref, { plainHttp: true });
      await expect(refused).rejects.toBeInstanceOf(PipelineError);
      await expect(refused).rejects.toThrow(/already exists with different content.*--force/);
      expect(await manifestDigest(reg.registry, 'immutable/oci-demo', '0.1.0')).toBe(pushed.digest);

      // A dry run reports the same refusal, and with --force plans without writing.
      await expect(pushChartToOci(changed, ref, { plainHttp: true, dryRun: true })).rejects.toThrow(
        /different content/,
      );
      const planned = await pushChartToOci(changed, ref, { plainHttp: true, dryRun: true, force: true });
      expect(planned).toMatchObject({ status: 'planned', replaced: true });
      expect(await manifestDigest(reg.registry, 'immutable/oci-demo', '0.1.0')).toBe(pushed.digest);

      const forced = await pushChartToOci(changed, ref, { plainHttp: true, force: true });
      expect(forced).toMatchObject({ status: 'pushed', replaced: true });
      expect(forced.digest).not.toBe(pushed.digest);
      const dest = path.join(work, 'pulled');
      await mkdir(dest);
      const pull = await helm(
        'v4',
        ['pull', `${ref}/oci-demo`, '--version', '0.1.0', '--plain-http', '-d', dest],
        path.join(work, 'h'),
      );
      expect(pull.code, pull.stderr).toBe(0);
      expect((await readFile(path.join(dest, 'oci-demo-0.1.0.tgz'))).equals(await readFile(changed))).toBe(
        true,
      );
    });
  });

  it('maps + in the version to _ in the tag, and helm pull --version with + finds it', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work, { version: '0.2.0+build.7' });
      const dry = await pushChartToOci(tgz, `oci://${reg.registry}/plus`, { plainHttp: true, dryRun: true });
      expect(dry).toMatchObject({ status: 'planned', tag: '0.2.0_build.7' });
      expect(await manifestDigest(reg.registry, 'plus/oci-demo', '0.2.0_build.7')).toBeUndefined();

      const result = await pushChartToOci(tgz, `oci://${reg.registry}/plus`, { plainHttp: true });
      expect(result).toMatchObject({ status: 'pushed', tag: '0.2.0_build.7' });
      for (const major of HELM_MAJORS) {
        const dest = path.join(work, `pulled-${major}`);
        await mkdir(dest);
        const pull = await helm(
          major,
          [
            'pull',
            `oci://${reg.registry}/plus/oci-demo`,
            '--version',
            '0.2.0+build.7',
            '--plain-http',
            '-d',
            dest,
          ],
          path.join(work, `h-${major}`),
        );
        expect(pull.code, pull.stderr).toBe(0);
        expect(
          (await readFile(path.join(dest, 'oci-demo-0.2.0+build.7.tgz'))).equals(await readFile(tgz)),
        ).toBe(true);
      }
    });
  });

  it('pushes the .prov beside the archive as the provenance layer, like helm v4 push', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work, { version: '0.3.0' });
      // helm push uploads the .prov as is; its signature is the sign stage's business, not the push's.
      await writeFile(`${tgz}.prov`, '-----BEGIN PGP SIGNED MESSAGE-----\nnot a real signature\n');
      const result = await pushChartToOci(tgz, `oci://${reg.registry}/prov`, { plainHttp: true });
      const manifest = (await manifestJson(reg.registry, 'prov/oci-demo', '0.3.0')) as {
        layers: { mediaType: string }[];
      };
      expect(manifest.layers.map((l) => l.mediaType).sort()).toEqual([
        'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
        'application/vnd.cncf.helm.chart.provenance.v1.prov',
      ]);
      const push = await helm(
        'v4',
        ['push', tgz, `oci://${reg.registry}/prov-by-helm`, '--plain-http'],
        path.join(work, 'h'),
      );
      expect(push.code, push.stderr).toBe(0);
      expect(await manifestDigest(reg.registry, 'prov-by-helm/oci-demo', '0.3.0')).toBe(result.digest);
    });
  });

  it('reports an unreachable registry and a non-chart file clearly', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work);
      const closed = await freePort();
      await expect(pushChartToOci(tgz, `oci://127.0.0.1:${closed}/x`, { plainHttp: true })).rejects.toThrow(
        `cannot reach OCI registry http://127.0.0.1:${closed}: GET /v2/x/oci-demo/manifests/0.1.0: ECONNREFUSED`,
      );
      const junk = path.join(work, 'junk.tgz');
      await writeFile(junk, 'not a tarball');
      await expect(pushChartToOci(junk, `oci://${reg.registry}/x`, { plainHttp: true })).rejects.toThrow(
        /junk\.tgz: not a gzip-compressed chart archive/,
      );
      await expect(pushChartToOci(tgz, `oci://${reg.registry}/Upper`, { plainHttp: true })).rejects.toThrow(
        /path component "Upper" must be lowercase/,
      );
    });
  });
});
