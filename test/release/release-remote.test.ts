/**
 * `release` end to end through the real CLI against remote targets: a real S3 store (the shared Ceph
 * RGW, skipped with a loud warning when it is not installed, like test/publish/rgw.test.ts) and a real
 * OCI registry (Debian's docker-registry). What release wrote is checked independently: real helm v3
 * and v4 read the repository anonymously over HTTP / pull from the registry, and the store's own
 * listing (ETag + LastModified) proves that re-runs and dry runs rewrite nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTool, PROJECT_ROOT } from '../../src/tools/helm.ts';
import { s3Client, s3Env } from '../publish/repo-check.ts';
import { copyChartSources } from '../support/chart-sources.ts';
import { type RunningRegistry, startRegistry } from '../support/docker-registry.ts';
import { missingRgwBinaries, type Rgw, sharedRgw } from '../support/rgw/rgw.ts';
import { cli, HELM_MAJORS, helm } from '../support/run.ts';
import { expectMatchesSchema } from '../support/schemas.ts';

const CHART_SRC = path.join(PROJECT_ROOT, 'chart-src');
const ARTIFACTHUB = path.join(CHART_SRC, 'artifacthub-repo.yml');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let tmp: string;
beforeAll(async () => {
  await Promise.all(HELM_MAJORS.map((m) => ensureTool(m)));
  tmp = await mkdtemp(path.join(tmpdir(), 'vineyard-release-remote-'));
}, 60_000);
afterAll(async () => {
  client?.destroy();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/**
 * Builds from chart-src/ into a private --out, so the checkout's charts-out/ is never touched. Every
 * summary, refused or not, is held to schemas/release-summary.schema.json.
 */
const release = async (out: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
  const res = await cli(['release', '--out', path.join(tmp, out), '--json', ...args], { env });
  if (res.stdout.trim()) expectMatchesSchema('release-summary.schema.json', JSON.parse(res.stdout));
  return res;
};

const copySources = (name: string, edit?: (chartDir: string) => Promise<void>) =>
  copyChartSources(tmp, name, edit);

async function helmPull(major: 'v3' | 'v4', args: string[], home: string): Promise<Buffer> {
  const dest = path.join(home, 'pulled');
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest, { recursive: true });
  const pull = await helm(major, ['pull', ...args, '-d', dest], home);
  expect(pull.code, pull.stderr).toBe(0);
  const files = await readdir(dest);
  expect(files).toHaveLength(1);
  return readFile(path.join(dest, files[0]));
}

const missing = missingRgwBinaries();
if (missing.length) {
  console.warn(
    `\n!!! Ceph RGW not installed (missing ${missing.join(', ')}): SKIPPING the real-S3 release tests !!!\n`,
  );
}

let rgw: Rgw;
let client: S3Client;
let env: NodeJS.ProcessEnv;
const PREFIX = `release-${process.pid}-${Date.now()}`;
const s3To = (prefix: string) => `s3://${rgw.bucket}/${prefix}`;
const s3Flags = (prefix: string) => ['--to', s3To(prefix), '--endpoint', rgw.endpoint, '--path-style'];

/** key -> "ETag LastModified" of every object under the prefix, as the store reports them. */
async function listing(prefix = PREFIX): Promise<Record<string, string>> {
  const res = await client.send(new ListObjectsV2Command({ Bucket: rgw.bucket, Prefix: `${prefix}/` }));
  expect(res.IsTruncated).toBeFalsy();
  return Object.fromEntries(
    (res.Contents ?? []).map((o) => [
      o.Key?.slice(prefix.length + 1),
      `${o.ETag} ${o.LastModified?.toISOString()}`,
    ]),
  );
}

describe.skipIf(missing.length > 0)('release --to s3:// (Ceph RGW)', () => {
  let repoUrl: string;
  const outputs: string[] = [];
  let version: string;
  let digest: string;

  const s3Release = async (out: string, extra: string[] = []) => {
    const res = await release(out, [...s3Flags(PREFIX), ...extra], env);
    outputs.push(res.stdout, res.stderr);
    return res;
  };

  beforeAll(async () => {
    rgw = await sharedRgw(inject('rgwStateDir'));
    client = s3Client(rgw);
    env = s3Env(rgw);
    repoUrl = `${rgw.endpoint}/${rgw.bucket}/${PREFIX}`;
  });

  it('--dry-run plans the upload and writes nothing, neither to the bucket nor to --out', async () => {
    const res = await s3Release('dry', ['--dry-run']);
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(res.stdout);
    expect(s).toMatchObject({ ok: true, dryRun: true });
    expect(s.targets[0].charts).toEqual([expect.objectContaining({ name: 'vineyard', action: 'publish' })]);
    expect(s.targets[0].result.objects).toEqual([expect.objectContaining({ action: 'would-upload' })]);
    expect(await listing()).toEqual({});
    expect(existsSync(path.join(tmp, 'dry'))).toBe(false);
  });

  it('publishes a repository helm v3 and v4 add, search and pull (sha256 = index digest) anonymously', async () => {
    const res = await s3Release('out');
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(res.stdout);
    expect(s.ok).toBe(true);
    ({ version, digest } = s.charts[0]);
    expect(s.targets[0].result).toMatchObject({
      store: { conditionalWrites: 'honoured' },
      objects: [{ action: 'uploaded' }],
      index: { action: 'created', added: [`vineyard@${version}`] },
      metadata: [{ key: 'artifacthub-repo.yml', action: 'uploaded' }],
    });
    expect(Object.keys(await listing()).sort()).toEqual([
      'artifacthub-repo.yml',
      'index.yaml',
      `vineyard-${version}.tgz`,
    ]);
    const hub = await fetch(`${repoUrl}/artifacthub-repo.yml`);
    expect(hub.status).toBe(200);
    expect(Buffer.from(await hub.arrayBuffer())).toEqual(await readFile(ARTIFACTHUB));

    const index = load(await (await fetch(`${repoUrl}/index.yaml`)).text()) as {
      entries: Record<string, { version: string; digest: string }[]>;
    };
    expect(index.entries.vineyard.map((e) => e.version)).toEqual([version]);
    const indexed = index.entries.vineyard[0].digest;
    expect(indexed).toBe(digest);

    for (const major of HELM_MAJORS) {
      const home = path.join(tmp, `s3-helm-${major}`);
      const add = await helm(major, ['repo', 'add', 'vineyard', repoUrl], home);
      expect(add.code, add.stderr).toBe(0);
      const search = await helm(major, ['search', 'repo', 'vineyard/vineyard', '-o', 'json'], home);
      expect(search.code, search.stderr).toBe(0);
      expect(JSON.parse(search.stdout)).toEqual([
        expect.objectContaining({ name: 'vineyard/vineyard', version }),
      ]);
      const pulled = await helmPull(major, ['vineyard/vineyard', '--version', version], home);
      expect(sha256(pulled)).toBe(indexed);
    }
  }, 60_000);

  it('a second identical release is a no-op: exit 0, nothing rewritten; a dry run then writes nothing', async () => {
    const before = await listing();
    expect(Object.keys(before)).toHaveLength(3);
    // LastModified has a one-second resolution: make a rewrite impossible to miss
    await new Promise((r) => setTimeout(r, 1100));
    const res = await s3Release('out');
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(res.stdout);
    expect(s.charts[0]).toMatchObject({ version, digest });
    expect(s.targets[0].charts).toEqual([
      expect.objectContaining({ name: 'vineyard', version, published: [version], action: 'unchanged' }),
    ]);
    expect(s.targets[0].result).toMatchObject({
      objects: [],
      index: { action: 'unchanged', entries: 1 },
      metadata: [{ key: 'artifacthub-repo.yml', action: 'unchanged' }],
    });
    expect(await listing()).toEqual(before);

    const dry = await s3Release('dry', ['--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).targets[0].charts[0].action).toBe('unchanged');
    expect(await listing()).toEqual(before);
  }, 30_000);

  it('never printed the secret key', () => {
    expect(outputs.length).toBe(8);
    for (const o of outputs) expect(o).not.toContain(rgw.secretAccessKey);
  });
});

let reg: RunningRegistry;
let ociTo: string;
/** What the OCI describe published: the chart version, its sha256 and the manifest digest. */
const oci = { version: '', digest: '', manifest: '' };

// file-wide: the cross-target tests at the end use it too
beforeAll(async () => {
  reg = await startRegistry();
  ociTo = `oci://${reg.registry}/charts`;
});
afterAll(async () => {
  await reg?.stop();
});

const tags = async () => {
  const res = await fetch(`http://${reg.registry}/v2/charts/vineyard/tags/list`);
  return res.status === 404 ? [] : ((await res.json()) as { tags: string[] }).tags;
};
const manifestDigest = async (tag: string) =>
  (
    await fetch(`http://${reg.registry}/v2/charts/vineyard/manifests/${tag}`, {
      method: 'HEAD',
      headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
    })
  ).headers.get('docker-content-digest');

describe('release --to oci:// (docker-registry)', () => {
  it('--dry-run pushes nothing', async () => {
    const res = await release('oci-dry', ['--to', ociTo, '--plain-http', '--dry-run']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).targets[0].result.charts).toEqual([
      expect.objectContaining({ status: 'planned' }),
    ]);
    expect(await tags()).toEqual([]);
  });

  it('pushes a chart that helm v3 and v4 pull with the reported sha256', async () => {
    const res = await release('oci-out', ['--to', ociTo, '--plain-http']);
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(res.stdout);
    const { version, digest } = s.charts[0];
    const [pushed] = s.targets[0].result.charts;
    expect(pushed).toMatchObject({ status: 'pushed', tag: version.replaceAll('+', '_') });
    expect(pushed.chartDigest).toBe(`sha256:${digest}`);
    Object.assign(oci, { version, digest, manifest: pushed.digest });
    expect(await manifestDigest(pushed.tag)).toBe(oci.manifest);
    for (const major of HELM_MAJORS) {
      const home = path.join(tmp, `oci-helm-${major}`);
      const pulled = await helmPull(major, [`${ociTo}/vineyard`, '--version', version, '--plain-http'], home);
      expect(sha256(pulled)).toBe(digest);
    }
  }, 60_000);

  it('re-running is a no-op: same tags, same manifest', async () => {
    const before = await tags();
    const res = await release('oci-out', ['--to', ociTo, '--plain-http']);
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(res.stdout);
    const { version } = oci;
    expect(s.targets[0].charts).toEqual([
      expect.objectContaining({ version, published: [version], action: 'unchanged' }),
    ]);
    expect(s.targets[0].result).toBeUndefined();
    expect(await tags()).toEqual(before);
    expect(await manifestDigest(version.replaceAll('+', '_'))).toBe(oci.manifest);
  }, 30_000);
});

describe.skipIf(missing.length > 0)('release --to s3:// --to oci:// together', () => {
  const both = () => [...s3Flags(PREFIX), '--to', ociTo, '--plain-http'];

  it('the same chart rebuilt with other archive bytes is a no-op on both targets', async () => {
    const before = { s3: await listing(), tags: await tags(), manifest: await manifestDigest(oci.version) };
    expect(Object.keys(before.s3)).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 1100)); // LastModified resolution
    // other file times in the archive: same content, other bytes
    const res = await release('same-out', both(), { ...env, SOURCE_DATE_EPOCH: '1700000000' });
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(res.stdout);
    expect(s.charts[0].version).toBe(oci.version);
    expect(s.charts[0].digest).not.toBe(oci.digest); // really other bytes
    expect(s.targets.map((t: { charts: { action: string }[] }) => t.charts[0].action)).toEqual([
      'unchanged',
      'unchanged',
    ]);
    expect({ s3: await listing(), tags: await tags(), manifest: await manifestDigest(oci.version) }).toEqual(
      before,
    );
  }, 30_000);

  it('changed content under the same version on one target: refused, nothing written to either', async () => {
    const fresh = `${PREFIX}-fresh`;
    const before = { tags: await tags(), manifest: await manifestDigest(oci.version) };
    const src = await copySources('changed', (dir) =>
      writeFile(path.join(dir, 'templates', 'NOTES.txt'), '\nThanks for installing vineyard.\n', {
        flag: 'a',
      }),
    );
    // the S3 target is empty (nothing to refuse there), the OCI one has this version with other content
    const res = await release(
      'changed-out',
      ['--src', src, ...s3Flags(fresh), '--to', ociTo, '--plain-http'],
      env,
    );
    expect(res.code).toBe(1);
    const s = JSON.parse(res.stdout);
    expect(s.ok).toBe(false);
    expect(s.targets.map((t: { charts: { action: string }[] }) => t.charts[0].action)).toEqual([
      'publish',
      'refused',
    ]);
    expect(s.refusals.join('\n')).toContain(
      `${ociTo}: vineyard ${oci.version} is already published at oci://${reg.registry}/charts/vineyard:${oci.version} with different content (templates/NOTES.txt)`,
    );
    expect(res.stderr).toContain('refused: nothing was written to any target');
    expect(await listing(fresh)).toEqual({});
    expect({ tags: await tags(), manifest: await manifestDigest(oci.version) }).toEqual(before);
  }, 30_000);
});
