/**
 * Against s3rver (npm), a store that ignores If-Match / If-None-Match: publish must refuse it, saying
 * why, unless the user vouches with --single-writer. Runs everywhere (no Ceph needed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { load } from 'js-yaml';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishCharts } from '../../src/stages/publish/publish.ts';
import { cli } from '../support/run.ts';
import { makeChart } from './charts.ts';

const CREDS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

describe('publish to a store that ignores conditional writes (s3rver)', () => {
  let work: string;
  let server: S3rver;
  let endpoint: string;
  let client: S3Client;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'vineyard-publish-s3rver-'));
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: path.join(work, 'store'),
      configureBuckets: [{ name: 'charts', configs: [] }],
    });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    Object.assign(process.env, CREDS, { AWS_EC2_METADATA_DISABLED: 'true' });
    client = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const keys = async (prefix: string) =>
    ((await client.send(new ListObjectsV2Command({ Bucket: 'charts', Prefix: prefix }))).Contents ?? []).map(
      (o) => o.Key,
    );

  it('refuses, naming the reason and --single-writer; leaves nothing behind', async () => {
    const c = await makeChart(work, 'demo', '1.0.0');
    const res = await cli(
      ['publish', c.file, '--to', 's3://charts/refused', '--endpoint', endpoint, '--path-style'],
      {
        env: CREDS,
      },
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      's3://charts/refused ignores conditional writes (If-None-Match and If-Match',
    );
    expect(res.stderr).toContain('Pass --single-writer if you guarantee that no other publisher writes');
    expect(await keys('refused/')).toEqual([]);
  });

  it('publishes with --single-writer, idempotently', async () => {
    const a = await makeChart(work, 'demo', '1.0.0');
    const b = await makeChart(work, 'demo', '1.1.0');
    const opts = { to: 's3://charts/single', endpoint, pathStyle: true, singleWriter: true };
    const first = await publishCharts([a.file], opts);
    expect(first.store.conditionalWrites).toBe('ignored');
    expect(first.index.action).toBe('created');
    const second = await publishCharts([a.file, b.file], opts);
    expect(second.objects.map((o) => o.action)).toEqual(['unchanged', 'uploaded']);
    expect(second.index.added).toEqual(['demo@1.1.0']);
    const third = await publishCharts([a.file, b.file], opts);
    expect(third.index.action).toBe('unchanged');
    expect((await keys('single/')).sort()).toEqual([
      'single/demo-1.0.0.tgz',
      'single/demo-1.1.0.tgz',
      'single/index.yaml',
    ]);
    const res = await fetch(`${endpoint}/charts/single/index.yaml`);
    const index = load(await res.text()) as { entries: { demo: { version: string; digest: string }[] } };
    expect(index.entries.demo.map((e) => [e.version, e.digest])).toEqual([
      ['1.1.0', b.digest],
      ['1.0.0', a.digest],
    ]);
  });

  it('deletes probe objects left by crashed runs once they are stale', async () => {
    // a run killed during its probe (this key form is an earlier version's; today's carry a timestamp)
    const leftover = 'swept/.vineyard-charts-probe-0123456789abcdef';
    await client.send(new PutObjectCommand({ Bucket: 'charts', Key: leftover, Body: 'probe 1\n' }));
    const c = await makeChart(work, 'swept', '1.0.0');
    const to = 's3://charts/swept';
    const args = ['publish', c.file, '--to', to, '--endpoint', endpoint, '--path-style', '--single-writer'];
    // the stale age is an hour by default; 0 here, so that the object just written counts as stale
    const res = await cli(args, { env: { ...CREDS, VINEYARD_CHARTS_STALE_MS: '0' } });
    expect(res.code, res.stderr).toBe(0);
    expect((await keys('swept/')).sort()).toEqual(['swept/index.yaml', 'swept/swept-1.0.0.tgz']);
  });
});
