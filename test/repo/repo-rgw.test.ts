/**
 * repo verify / repo reindex / unpublish against a real S3 server (the shared Ceph RGW) and real helm
 * v3/v4: a repository is published, damaged with a raw S3 client, verified (exact codes), repaired,
 * pulled with --verify; reindex races publish; unpublish hides a version and blocks other bytes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { dump, load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packageChart } from '../../src/stages/package/package.ts';
import { publish } from '../../src/stages/publish/publish.ts';
import { reindexRepository, reindexStorage } from '../../src/stages/repo/reindex.ts';
import { unpublishFromStorage } from '../../src/stages/repo/unpublish.ts';
import { openS3Storage } from '../../src/targets/s3.ts';
import type { PutOptions, Storage } from '../../src/targets/storage.ts';
import { writeChartDir } from '../publish/charts.ts';
import { putRaw, s3Client, s3Env } from '../publish/repo-check.ts';
import { missingRgwBinaries, type Rgw, sharedRgw } from '../support/rgw/rgw.ts';
import { cli, HELM_MAJORS, helm } from '../support/run.ts';
import { type Keys, makeKeys, provOf, signedChart } from './support.ts';

const missing = missingRgwBinaries();

describe.skipIf(missing.length > 0)('repo verify / reindex / unpublish on Ceph RGW', () => {
  let rgw: Rgw;
  let client: S3Client;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let keys: Keys;

  const s3 = (prefix: string) => `s3://${rgw.bucket}/${prefix}`;
  const transport = () => ['--endpoint', rgw.endpoint, '--path-style'];
  const run = (args: string[]) => cli(args, { env });
  const key = (prefix: string, k: string) => `${prefix}/${k}`;
  async function getRaw(k: string): Promise<Buffer> {
    const res = await client.send(new GetObjectCommand({ Bucket: rgw.bucket, Key: k }));
    return Buffer.from(await (res.Body?.transformToByteArray() ?? new Uint8Array()));
  }
  async function verify(prefix: string, extra: string[] = []) {
    const res = await run(['repo', 'verify', '--to', s3(prefix), ...transport(), '--json', ...extra]);
    const report = JSON.parse(res.stdout || '{}') as {
      findings: { code: string; chart?: string; version?: string }[];
    };
    return { res, report, codes: report.findings.map((f) => `${f.code} ${f.version ?? ''}`.trim()).sort() };
  }

  beforeAll(async () => {
    rgw = await sharedRgw(inject('rgwStateDir'));
    client = s3Client(rgw);
    env = s3Env(rgw);
    Object.assign(process.env, env);
    work = await mkdtemp(path.join(tmpdir(), 'vineyard-repo-rgw-'));
    keys = await makeKeys(work);
  });
  afterAll(async () => {
    client?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('verify finds each kind of damage by code; reindex + fixed .prov make it clean; helm pulls --verify', async () => {
    const prefix = `maint-${randomBytes(4).toString('hex')}`;
    const charts = [];
    for (const v of ['1.0.0', '1.1.0', '1.2.0', '1.3.0'])
      charts.push(await signedChart(work, 'demo', v, keys));
    const pub = await run(['publish', ...charts.map((c) => c.file), '--to', s3(prefix), ...transport()]);
    expect(pub.code, pub.stderr).toBe(0);
    const clean = await verify(prefix, ['--keyring', keys.pubring]);
    expect(clean.res.code, clean.res.stderr).toBe(0);
    expect(clean.codes).toEqual([]);

    // damage, with a raw client
    await client.send(new DeleteObjectCommand({ Bucket: rgw.bucket, Key: key(prefix, 'demo-1.0.0.tgz') }));
    const orphan = await signedChart(path.join(work, 'orphan'), 'demo', '2.0.0', keys);
    await putRaw(client, rgw.bucket, key(prefix, 'demo-2.0.0.tgz'), orphan.bytes as unknown as string);
    await putRaw(client, rgw.bucket, key(prefix, 'demo-2.0.0.tgz.prov'), orphan.prov ?? '');
    const altDir = await writeChartDir(path.join(work, 'alt'), 'demo', '1.1.0');
    await writeFile(path.join(altDir, 'values.yaml'), 'greeting: other bytes\n');
    const alt = await packageChart(altDir, {
      outDir: path.join(work, 'alt', 'packages'),
      sourceDateEpoch: 1_700_000_000,
    });
    await putRaw(client, rgw.bucket, key(prefix, 'demo-1.1.0.tgz'), alt.bytes as unknown as string);
    const goodProv = await getRaw(key(prefix, 'demo-1.2.0.tgz.prov'));
    const badProv = goodProv.toString('utf8').replace(/sha256:[0-9a-f]{8}/, 'sha256:00000000');
    await putRaw(client, rgw.bucket, key(prefix, 'demo-1.2.0.tgz.prov'), badProv);
    const index = load((await getRaw(key(prefix, 'index.yaml'))).toString('utf8')) as {
      entries: { demo: { version: string; description: string }[] };
    };
    const entry = index.entries.demo.find((e) => e.version === '1.3.0');
    if (entry) entry.description = 'edited behind our back';
    await putRaw(client, rgw.bucket, key(prefix, 'index.yaml'), dump(index));

    const damaged = await verify(prefix, ['--keyring', keys.pubring]);
    expect(damaged.res.code).toBe(1);
    expect(damaged.codes).toEqual([
      'digest-mismatch 1.1.0',
      'metadata-mismatch 1.3.0',
      'missing-tarball 1.0.0',
      'orphan-prov',
      'orphan-tarball',
      'prov-invalid 1.1.0',
      'prov-invalid 1.2.0',
    ]);

    // repair: the index from the tarballs, the .prov files by re-signing what is stored
    const dry = await run([
      'repo',
      'reindex',
      '--to',
      s3(prefix),
      ...transport(),
      '--dry-run',
      '--drop-missing',
      '--json',
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      added: ['demo@2.0.0'],
      replaced: ['demo@1.1.0'],
      dropped: ['demo@1.0.0'],
    });
    const re = await run(['repo', 'reindex', '--to', s3(prefix), ...transport(), '--drop-missing', '--json']);
    expect(re.code, re.stderr).toBe(0);
    expect(JSON.parse(re.stdout)).toMatchObject({
      added: ['demo@2.0.0'],
      replaced: ['demo@1.1.0'],
      refreshed: ['demo@1.3.0'],
      dropped: ['demo@1.0.0'],
      index: { action: 'updated', entries: 4 },
    });
    const after = await verify(prefix, ['--keyring', keys.pubring]);
    expect(after.codes).toEqual(['orphan-prov', 'prov-invalid 1.1.0', 'prov-invalid 1.2.0']);
    await putRaw(client, rgw.bucket, key(prefix, 'demo-1.1.0.tgz.prov'), await provOf(alt.bytes, keys));
    await putRaw(client, rgw.bucket, key(prefix, 'demo-1.2.0.tgz.prov'), goodProv.toString('utf8'));
    await client.send(
      new DeleteObjectCommand({ Bucket: rgw.bucket, Key: key(prefix, 'demo-1.0.0.tgz.prov') }),
    );
    const repaired = await verify(prefix, ['--keyring', keys.pubring]);
    expect(repaired.res.code, repaired.res.stdout).toBe(0);

    const url = `${rgw.endpoint}/${rgw.bucket}/${prefix}`;
    for (const major of HELM_MAJORS) {
      const home = path.join(work, `helm-${major}-${prefix}`);
      const dest = path.join(home, 'pulled');
      await mkdir(dest, { recursive: true });
      expect((await helm(major, ['repo', 'add', 'demo', url], home)).code).toBe(0);
      expect((await helm(major, ['repo', 'update'], home)).code).toBe(0);
      for (const v of ['1.1.0', '2.0.0']) {
        const pull = await helm(
          major,
          ['pull', 'demo/demo', '--version', v, '--verify', '--keyring', keys.pubring, '-d', dest],
          home,
        );
        expect(pull.code, `${major} ${v}: ${pull.stderr}`).toBe(0);
      }
      expect((await readFile(path.join(dest, 'demo-1.1.0.tgz'))).equals(alt.bytes)).toBe(true);
    }
  });

  it('unpublish: helm no longer sees the version, and other bytes under it are refused', async () => {
    const prefix = `unpub-${randomBytes(4).toString('hex')}`;
    const a = await signedChart(path.join(work, 'u'), 'demo', '1.0.0');
    const b = await signedChart(path.join(work, 'u'), 'demo', '1.1.0');
    expect((await run(['publish', a.file, b.file, '--to', s3(prefix), ...transport()])).code).toBe(0);
    const url = `${rgw.endpoint}/${rgw.bucket}/${prefix}`;
    const home = path.join(work, `helm-${prefix}`);
    for (const major of HELM_MAJORS)
      expect((await helm(major, ['repo', 'add', 'demo', url], `${home}-${major}`)).code).toBe(0);

    const res = await run([
      'unpublish',
      'demo',
      '1.1.0',
      '--to',
      s3(prefix),
      ...transport(),
      '--reason',
      'broken',
      '--json',
    ]);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report).toMatchObject({
      chart: 'demo',
      version: '1.1.0',
      index: 'updated',
      digest: b.digest,
    });
    expect(report.deleted).toEqual([`${s3(prefix)}/demo-1.1.0.tgz`]);
    const tomb = JSON.parse((await getRaw(key(prefix, '.tombstones/demo-1.1.0.json'))).toString('utf8'));
    expect(tomb).toMatchObject({ name: 'demo', version: '1.1.0', digest: b.digest, reason: 'broken' });
    // and the content identity (publish's same-content rule): the same files in other bytes restore it
    expect(tomb.content).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const major of HELM_MAJORS) {
      expect((await helm(major, ['repo', 'update'], `${home}-${major}`)).code).toBe(0);
      const search = await helm(
        major,
        ['search', 'repo', 'demo/demo', '--versions', '-o', 'json'],
        `${home}-${major}`,
      );
      expect((JSON.parse(search.stdout) as { version: string }[]).map((r) => r.version)).toEqual(['1.0.0']);
      const pull = await helm(
        major,
        ['pull', 'demo/demo', '--version', '1.1.0', '-d', home],
        `${home}-${major}`,
      );
      expect(pull.code).not.toBe(0);
    }
    expect((await verify(prefix)).codes).toEqual([]);

    // other bytes under the unpublished version: refused; the same bytes: restored
    const altDir = await writeChartDir(path.join(work, 'u-alt'), 'demo', '1.1.0');
    await writeFile(path.join(altDir, 'values.yaml'), 'greeting: changed\n');
    const alt = await packageChart(altDir, {
      outDir: path.join(work, 'u-alt', 'packages'),
      sourceDateEpoch: 1_700_000_000,
    });
    const refused = await run(['publish', alt.file, '--to', s3(prefix), ...transport()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('demo 1.1.0 was unpublished');
    expect(refused.stderr).toContain('(broken)');
    const again = await run(['unpublish', 'demo', '1.1.0', '--to', s3(prefix), ...transport()]);
    expect(again.code, again.stderr).toBe(0); // converges
    const none = await run(['unpublish', 'demo', '9.9.9', '--to', s3(prefix), ...transport()]);
    expect(none.code).toBe(2);
    const same = await run(['publish', b.file, '--to', s3(prefix), ...transport()]);
    expect(same.code, same.stderr).toBe(0);
  });

  it('reindex racing publish loses nothing (a few trials)', async () => {
    const base = await signedChart(path.join(work, 'race'), 'race', '0.1.0');
    const extra = [];
    for (let i = 0; i < 4; i++) extra.push(await signedChart(path.join(work, 'race'), 'race', `1.0.${i}`));
    const late = [];
    for (let i = 0; i < 3; i++) late.push(await signedChart(path.join(work, 'race'), 'race', `2.0.${i}`));
    const s3opts = { endpoint: rgw.endpoint, pathStyle: true };
    for (let trial = 0; trial < 3; trial++) {
      const prefix = `race-${trial}-${randomBytes(3).toString('hex')}`;
      await publish([base.file], { to: s3(prefix), ...s3opts });
      // orphans, so that reindex has something to write
      for (const c of extra)
        await putRaw(client, rgw.bucket, key(prefix, path.basename(c.file)), c.bytes as unknown as string);
      const [re] = await Promise.all([
        reindexRepository({ to: s3(prefix), ...s3opts, concurrency: 2 }),
        (async () => {
          await new Promise((r) => setTimeout(r, trial * 40));
          await publish([late[trial].file], { to: s3(prefix), ...s3opts });
        })(),
      ]);
      expect(re.added.sort()).toEqual(extra.map((_, i) => `race@1.0.${i}`));
      const index = load((await getRaw(key(prefix, 'index.yaml'))).toString('utf8')) as {
        entries: { race: { version: string }[] };
      };
      expect(index.entries.race.map((e) => e.version).sort()).toEqual(
        ['0.1.0', '1.0.0', '1.0.1', '1.0.2', '1.0.3', `2.0.${trial}`].sort(),
      );
    }

    // deterministic: a publish lands between reindex's (and unpublish's) read of the index and its write
    const prefix = `race-det-${randomBytes(3).toString('hex')}`;
    await publish([base.file], { to: s3(prefix), ...s3opts });
    for (const c of extra)
      await putRaw(client, rgw.bucket, key(prefix, path.basename(c.file)), c.bytes as unknown as string);
    const storage = await openS3Storage({ bucket: rgw.bucket, prefix }, s3opts);
    const interleaved = (file: string): Storage => {
      let done = false;
      return Object.assign(Object.create(storage) as Storage, {
        put: async (k: string, body: Buffer, o: PutOptions) => {
          if (k === 'index.yaml' && !done) {
            done = true;
            await publish([file], { to: s3(prefix), ...s3opts });
          }
          return storage.put(k, body, o);
        },
      });
    };
    try {
      const re = await reindexStorage(interleaved(late[0].file), { to: s3(prefix) });
      expect(re.index.attempts).toBeGreaterThan(1);
      const un = await unpublishFromStorage(interleaved(late[1].file), 'race', '1.0.0', { to: s3(prefix) });
      expect(un.index).toBe('updated');
    } finally {
      await storage.close();
    }
    const index = load((await getRaw(key(prefix, 'index.yaml'))).toString('utf8')) as {
      entries: { race: { version: string }[] };
    };
    expect(index.entries.race.map((e) => e.version).sort()).toEqual([
      '0.1.0',
      '1.0.1',
      '1.0.2',
      '1.0.3',
      '2.0.0',
      '2.0.1',
    ]);
  });
});
