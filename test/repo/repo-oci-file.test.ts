/**
 * repo verify / reindex / unpublish on file:// and on a real OCI registry (docker-registry, with and
 * without deletes enabled), with real helm v3/v4 pulling from the registry afterwards.
 */
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/helm/oci/registry-client.ts';
import { packageChart } from '../../src/stages/package/package.ts';
import { writeChartDir } from '../publish/charts.ts';
import { type RunningRegistry, registryAvailable, startRegistry } from '../support/docker-registry.ts';
import { cli, HELM_MAJORS, helm } from '../support/run.ts';
import { expectMatchesSchema } from '../support/schemas.ts';
import { signedChart } from './support.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'vineyard-repo-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function verify(to: string, extra: string[] = []) {
  const res = await cli(['repo', 'verify', '--to', to, '--json', ...extra]);
  const report = JSON.parse(res.stdout || '{"findings":[]}') as {
    checked: number;
    findings: { code: string; version?: string }[];
  };
  if (res.code !== 2) expectMatchesSchema('repo-verify-report.schema.json', report);
  return { res, report, codes: report.findings.map((f) => `${f.code} ${f.version ?? ''}`.trim()).sort() };
}

describe('file://', () => {
  it('verify finds damage, reindex repairs it, unpublish leaves a tombstone', async () => {
    const dir = path.join(work, 'repo');
    const to = `file://${dir}`;
    const charts = [];
    for (const v of ['1.0.0', '1.1.0', '1.2.0'])
      charts.push(await signedChart(path.join(work, 'f'), 'demo', v));
    expect((await cli(['publish', ...charts.map((c) => c.file), '--to', to])).code).toBe(0);
    expect((await verify(to)).res.code).toBe(0);
    expect((await verify(to)).report.checked).toBe(3);
    await unlink(path.join(dir, 'demo-1.0.0.tgz'));
    const orphan = await signedChart(path.join(work, 'f2'), 'demo', '2.0.0');
    await writeFile(path.join(dir, 'demo-2.0.0.tgz'), orphan.bytes);
    await appendFile(path.join(dir, 'demo-1.2.0.tgz'), 'x');
    const index = (await readFile(path.join(dir, 'index.yaml'), 'utf8')).replace(
      /\n(\s+)urls:\n\s+- demo-1\.1\.0\.tgz/,
      '\n$1urls:\n$1- ../outside.tgz',
    );
    await writeFile(path.join(dir, 'index.yaml'), index);
    const damaged = await verify(to);
    expect(damaged.res.code).toBe(1);
    expect(damaged.codes).toEqual([
      'digest-mismatch 1.2.0',
      'missing-tarball 1.0.0',
      'orphan-tarball',
      'orphan-tarball',
      'tarball-malformed 1.2.0',
      'url-unresolvable 1.1.0',
    ]);
    await writeFile(path.join(dir, 'index.yaml'), 'apiVersion: v1\nentries: [not, a, map]\n');
    expect((await verify(to)).codes).toEqual(['index-malformed']);
    await writeFile(path.join(dir, 'demo-1.2.0.tgz'), charts[2].bytes);
    const re = await cli(['repo', 'reindex', '--to', to, '--json']);
    expect(re.code, re.stderr).toBe(0);
    expect(JSON.parse(re.stdout)).toMatchObject({ indexWasMalformed: true, index: { entries: 3 } });
    expect((await verify(to)).codes).toEqual([]);

    // a JSON index (publish --index-format json) stays JSON through reindex and unpublish
    const json = await cli(['publish', orphan.file, '--to', `file://${dir}-json`, '--index-format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    await writeFile(path.join(`${dir}-json`, 'demo-1.1.0.tgz'), charts[1].bytes);
    expect((await cli(['repo', 'reindex', '--to', `file://${dir}-json`])).code).toBe(0);
    expect((await cli(['unpublish', 'demo', '2.0.0', '--to', `file://${dir}-json`])).code).toBe(0);
    const jsonIndex = JSON.parse(await readFile(path.join(`${dir}-json`, 'index.yaml'), 'utf8'));
    expect(jsonIndex.entries.demo.map((e: { version: string }) => e.version)).toEqual(['1.1.0']);

    const un = await cli(['unpublish', 'demo', '2.0.0', '--to', to, '--reason', 'test']);
    expect(un.code, un.stderr).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([
      '.tombstones',
      'demo-1.1.0.tgz',
      'demo-1.2.0.tgz',
      'index.yaml',
    ]);
    expect((await verify(to)).codes).toEqual([]);
    const altDir = await writeChartDir(path.join(work, 'f3'), 'demo', '2.0.0');
    await writeFile(path.join(altDir, 'values.yaml'), 'greeting: other\n');
    const alt = await packageChart(altDir, {
      outDir: path.join(work, 'f3', 'p'),
      sourceDateEpoch: 1_700_000_000,
    });
    const refused = await cli(['publish', alt.file, '--to', to]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('was unpublished');
    const forced = await cli(['publish', alt.file, '--to', to, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await verify(to)).codes).toEqual([]);
  });

  it('usage: reindex of an OCI registry and unknown schemes exit 2', async () => {
    expect((await cli(['repo', 'reindex', '--to', 'oci://127.0.0.1:1/x'])).code).toBe(2);
    expect((await cli(['repo', 'verify', '--to', 'ftp://x'])).code).toBe(2);
    // nothing to rebuild: nothing written (not even a directory)
    const empty = await cli(['repo', 'reindex', '--to', `file://${work}/empty`]);
    expect(empty.code, empty.stderr).toBe(0);
    expect(await readdir(work)).not.toContain('empty');
    // a huge "tarball" (sparse) is never read: reported, not loaded
    const big = path.join(work, 'big');
    await mkdir(big);
    await writeFile(path.join(big, 'huge-1.0.0.tgz'), '');
    await truncate(path.join(big, 'huge-1.0.0.tgz'), 101 * 1024 * 1024);
    const huge = await cli(['repo', 'reindex', '--to', `file://${big}`, '--json']);
    expect(huge.code, huge.stderr).toBe(0);
    expect(JSON.parse(huge.stdout).unreadable[0].message).toContain('more than a chart archive may be');
    expect((await cli(['unpublish', 'demo', '--to', `file://${work}/none`])).code).toBe(2);
  });
});

describe.skipIf(!registryAvailable())('oci://', () => {
  let reg: RunningRegistry;
  let noDelete: RunningRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
    // docker-registry reads its configuration from REGISTRY_* variables too
    process.env.REGISTRY_STORAGE_DELETE_ENABLED = 'false';
    try {
      noDelete = await startRegistry();
    } finally {
      delete process.env.REGISTRY_STORAGE_DELETE_ENABLED;
    }
  });
  afterAll(async () => {
    await reg?.stop();
    await noDelete?.stop();
  });

  it('verify checks every semver tag; unpublish deletes the manifest where allowed and says so where not', async () => {
    const to = `oci://${reg.registry}/charts`;
    const a = await signedChart(path.join(work, 'o'), 'demo', '1.0.0');
    const b = await signedChart(path.join(work, 'o'), 'demo', '1.1.0');
    for (const c of [a, b]) expect((await cli(['publish', c.file, '--to', to, '--plain-http'])).code).toBe(0);
    const clean = await verify(to, ['--plain-http']);
    expect(clean.res.code, clean.res.stderr).toBe(0);
    expect(clean.report.checked).toBe(2);

    // damage through the registry API: a tag whose manifest names another version's chart, and a lost blob
    const client = new RegistryClient({
      registry: reg.registry,
      repository: 'charts/demo',
      plainHttp: true,
      credential: undefined,
      credentialSources: [],
      actions: 'pull,push',
    });
    const m = await client.getManifest('1.0.0');
    if (!m) throw new Error('no manifest');
    await client.putManifest('2.0.0', m.bytes, 'application/vnd.oci.image.manifest.v1+json');
    expect((await verify(to, ['--plain-http'])).codes).toEqual([
      'metadata-mismatch 2.0.0',
      'metadata-mismatch 2.0.0',
    ]);

    const shared = await cli(['unpublish', 'demo', '2.0.0', '--to', to, '--plain-http']);
    expect(shared.code).toBe(1);
    expect(shared.stderr).toContain('also tagged 1.0.0');
    const un = await cli(['unpublish', 'demo', '1.1.0', '--to', to, '--plain-http']);
    expect(un.code, un.stderr).toBe(0);
    expect(un.stdout).toContain('deleted');
    for (const major of HELM_MAJORS) {
      const pull = await helm(
        major,
        ['pull', `${to}/demo`, '--version', '1.1.0', '--plain-http', '-d', path.join(work, `p-${major}`)],
        path.join(work, `h-${major}`),
      );
      expect(pull.code).not.toBe(0);
    }
    expect((await verify(to, ['--plain-http'])).report.checked).toBe(2);

    // a chart layer lost from another chart's repository
    const other = await signedChart(path.join(work, 'o'), 'other', '1.0.0');
    expect((await cli(['publish', other.file, '--to', to, '--plain-http'])).code).toBe(0);
    const otherClient = new RegistryClient({
      registry: reg.registry,
      repository: 'charts/other',
      plainHttp: true,
      credential: undefined,
      credentialSources: [],
      actions: 'pull,push',
    });
    const om = await otherClient.getManifest('1.0.0');
    const layer = (JSON.parse(om?.bytes.toString('utf8') ?? '{}') as { layers: { digest: string }[] })
      .layers[0].digest;
    const del = await otherClient.request('DELETE', `/v2/charts/other/blobs/${layer}`);
    expect(del.status).toBe(202);
    const lost = await verify(to, ['--plain-http']);
    expect(lost.res.code).toBe(1);
    expect(lost.report.checked).toBe(3);
    expect(lost.codes).toEqual(['metadata-mismatch 2.0.0', 'metadata-mismatch 2.0.0', 'missing-blob 1.0.0']);

    const to2 = `oci://${noDelete.registry}/charts`;
    expect((await cli(['publish', a.file, '--to', to2, '--plain-http'])).code).toBe(0);
    const refused = await cli(['unpublish', 'demo', '1.0.0', '--to', to2, '--plain-http']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('does not allow deleting manifests (HTTP 405');
    expect(refused.stderr).toContain('still published');
  });
});
