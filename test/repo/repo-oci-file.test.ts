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

/** `name` `version` packaged again from the same sources at another time: the same content, other bytes. */
async function repackage(name: string, version: string, root: string, values?: string) {
  const dir = await writeChartDir(root, name, version);
  if (values) await writeFile(path.join(dir, 'values.yaml'), values);
  return packageChart(dir, { outDir: path.join(root, 'p'), sourceDateEpoch: 1_800_000_000 });
}

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
    // the same content in other bytes (another SOURCE_DATE_EPOCH) restores it: publish's same-content rule
    const again = await repackage('demo', '2.0.0', path.join(work, 'f4'));
    expect(again.digest).not.toBe(orphan.digest);
    const restored = await cli(['publish', again.file, '--to', to]);
    expect(restored.code, restored.stderr).toBe(0);
    expect((await cli(['unpublish', 'demo', '2.0.0', '--to', to])).code).toBe(0);
    const forced = await cli(['publish', alt.file, '--to', to, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    // the forced bytes are the published ones now: publishing them again is a no-op, not a refusal
    const rerun = await cli(['publish', alt.file, '--to', to]);
    expect(rerun.code, rerun.stderr).toBe(0);
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
    // nothing written: no tombstone either (it could not be removed again there)
    expect(refused.stderr).toContain('no tombstone was written');
    const noDeleteClient = new RegistryClient({
      registry: noDelete.registry,
      repository: 'charts/demo',
      plainHttp: true,
      credential: undefined,
      credentialSources: [],
      actions: 'pull',
    });
    expect(await noDeleteClient.listTags()).toEqual(['1.0.0']);
  });

  it('unpublish leaves a tombstone tag helm never sees: other content is refused as on file://, the same content restores', async () => {
    const to = `oci://${reg.registry}/tomb`;
    const plain = ['--plain-http'];
    const client = new RegistryClient({
      registry: reg.registry,
      repository: 'tomb/vault',
      plainHttp: true,
      credential: undefined,
      credentialSources: [],
      actions: 'pull',
    });
    const older = await signedChart(path.join(work, 't0'), 'vault', '0.0.9');
    const v1 = await signedChart(path.join(work, 't1'), 'vault', '0.1.0');
    for (const c of [older, v1]) expect((await cli(['publish', c.file, '--to', to, ...plain])).code).toBe(0);
    /** helm v3 and v4 on `version`: pull and show succeed (or fail); without --version, the newest semver tag
     *  is shown — never the tombstone. */
    const helmOn = async (version: string, tag: string, served: boolean, newest: RegExp) => {
      for (const major of HELM_MAJORS) {
        const dest = path.join(work, `tp-${tag}-${major}`);
        const home = path.join(work, `th-${tag}-${major}`);
        await mkdir(dest, { recursive: true });
        const pull = await helm(
          major,
          ['pull', `${to}/vault`, '--version', version, ...plain, '-d', dest],
          home,
        );
        const show = await helm(
          major,
          ['show', 'chart', `${to}/vault`, '--version', version, ...plain],
          home,
        );
        expect([pull.code === 0, show.code === 0], `${major}: ${pull.stderr}${show.stderr}`).toEqual([
          served,
          served,
        ]);
        const latest = await helm(major, ['show', 'chart', `${to}/vault`, ...plain], home);
        expect(latest.code, latest.stderr).toBe(0);
        expect(latest.stdout).toMatch(newest);
      }
    };
    const helmSees = (version: string, tag: string) =>
      helmOn(version, tag, true, /^version: 0\.(0\.9|1\.0)$/m);
    const helmMisses = (version: string, tag: string) => helmOn(version, tag, false, /^version: 0\.0\.9$/m);
    await helmSees('0.1.0', 'a');

    const un = await cli(['unpublish', 'vault', '0.1.0', '--to', to, ...plain, '--reason', 'bad image']);
    expect(un.code, un.stderr).toBe(0);
    expect(un.stdout).toContain(`tombstone ${to}/vault:tombstone-0.1.0`);
    expect((await client.listTags()).sort()).toEqual(['0.0.9', 'tombstone-0.1.0']);
    await helmMisses('0.1.0', 'b');
    const checked = await verify(to, plain);
    expect(checked.res.code, checked.res.stderr).toBe(0);
    expect(checked.report).toMatchObject({ checked: 1, tombstones: 1, findings: [] });
    const rerun = await cli(['unpublish', 'vault', '0.1.0', '--to', to, ...plain]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain('already unpublished');

    // other content: refused, in the words file:// uses
    const other = await repackage('vault', '0.1.0', path.join(work, 't2'), 'greeting: other\n');
    const refused = await cli(['publish', other.file, '--to', to, ...plain]);
    expect(refused.code).toBe(1);
    const fileTo = `file://${path.join(work, 'tomb-file')}`;
    expect((await cli(['publish', v1.file, '--to', fileTo])).code).toBe(0);
    expect((await cli(['unpublish', 'vault', '0.1.0', '--to', fileTo, '--reason', 'bad image'])).code).toBe(
      0,
    );
    const fileRefused = await cli(['publish', other.file, '--to', fileTo]);
    expect(fileRefused.code).toBe(1);
    const words = (m: string) =>
      m
        .trim()
        .replace(/from \S+ on \S+ /, 'from WHERE on WHEN ')
        .replace(/\(tombstone [^)]+\)/, '(tombstone AT)');
    expect(refused.stderr).toContain(`vault 0.1.0 was unpublished from ${to}/vault on `);
    expect(refused.stderr).toContain(`(tombstone ${to}/vault:tombstone-0.1.0)`);
    expect(words(refused.stderr)).toBe(words(fileRefused.stderr));
    expect(words(refused.stderr)).toContain(
      '(bad image); publishing it again with other content is refused, since users may have pulled the old one',
    );

    // the same bytes restore it, and the tombstone tag goes
    const same = await cli(['publish', v1.file, '--to', to, ...plain, '--json']);
    expect(same.code, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout).charts[0]).toMatchObject({ status: 'pushed', tombstone: 'removed' });
    expect((await client.listTags()).sort()).toEqual(['0.0.9', '0.1.0']);
    await helmSees('0.1.0', 'c');

    // the same content in other bytes restores it too (publish's same-content rule)
    expect((await cli(['unpublish', 'vault', '0.1.0', '--to', to, ...plain])).code).toBe(0);
    const again = await repackage('vault', '0.1.0', path.join(work, 't3'));
    expect(again.digest).not.toBe(v1.digest);
    const sameContent = await cli(['publish', again.file, '--to', to, ...plain]);
    expect(sameContent.code, sameContent.stderr).toBe(0);
    expect((await client.listTags()).sort()).toEqual(['0.0.9', '0.1.0']);
    await helmSees('0.1.0', 'd');

    // --force takes other content
    expect((await cli(['unpublish', 'vault', '0.1.0', '--to', to, ...plain])).code).toBe(0);
    await helmMisses('0.1.0', 'e');
    expect((await cli(['publish', other.file, '--to', to, ...plain])).code).toBe(1);
    const forced = await cli(['publish', other.file, '--to', to, ...plain, '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout).charts[0]).toMatchObject({ status: 'pushed', tombstone: 'removed' });
    expect((await client.listTags()).sort()).toEqual(['0.0.9', '0.1.0']);
    await mkdir(path.join(work, 'tp-f'), { recursive: true });
    const pulled = await helm(
      'v4',
      ['pull', `${to}/vault`, '--version', '0.1.0', ...plain, '-d', path.join(work, 'tp-f')],
      path.join(work, 'th-f'),
    );
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(await readFile(path.join(work, 'tp-f', 'vault-0.1.0.tgz'))).toEqual(other.bytes);
    const clean = await verify(to, plain);
    expect(clean.report).toMatchObject({ checked: 2, findings: [] });
    expect(clean.report).not.toHaveProperty('tombstones');
  });
});
