/**
 * publish: requests and bytes per published chart version as the repository grows (1k and 20k index
 * entries), measured on the wire by a counting proxy in front of a real S3 server (Ceph RGW; s3rver
 * with --single-writer where RGW is not installed). The request count must stay constant; the bytes grow
 * with the index (it is read once and written once). Side by side: helm v3 `repo index --merge` on the
 * same index, the local equivalent of one index update.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { type IndexFile, serializeIndex } from '../src/helm/repo/index-file.ts';
import { publishCharts } from '../src/stages/publish/publish.ts';
import { ensureTool } from '../src/tools/helm.ts';
import { makeChart } from '../test/publish/charts.ts';
import { startFaultProxy } from '../test/support/fault-proxy.ts';
import { missingRgwBinaries, startRgw, stopRgw } from '../test/support/rgw/rgw.ts';

function seedIndex(n: number): IndexFile {
  const index: IndexFile = { apiVersion: 'v1', entries: {}, generated: new Date().toISOString() };
  for (let i = 0; i < n; i++) {
    const name = `seed${i % 100}`;
    const version = `1.${Math.floor(i / 100)}.0`;
    index.entries[name] ??= [];
    index.entries[name].push({
      apiVersion: 'v2',
      name,
      version,
      appVersion: '1.0',
      description: 'benchmark seed entry for a chart repository index',
      urls: [`${name}-${version}.tgz`],
      created: '2025-01-01T00:00:00Z',
      digest: randomBytes(32).toString('hex'),
    });
  }
  return index;
}

const work = await mkdtemp(path.join(tmpdir(), 'vineyard-bench-publish-'));
const useRgw = missingRgwBinaries().length === 0;
let endpoint: string;
let creds: { accessKeyId: string; secretAccessKey: string };
let stop: () => Promise<void>;
if (useRgw) {
  const rgw = await startRgw();
  endpoint = rgw.endpoint;
  creds = { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey };
  stop = () => stopRgw(rgw.dir);
} else {
  console.log('!!! Ceph RGW not installed: measuring against s3rver with --single-writer');
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: path.join(work, 's3'),
    configureBuckets: [{ name: 'charts', configs: [] }],
  });
  endpoint = `http://127.0.0.1:${(await server.run()).port}`;
  creds = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  stop = () => server.close();
}
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: creds.accessKeyId,
  AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});
const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: creds });
const proxy = await startFaultProxy(endpoint);
const helmV3 = await ensureTool('v3');
const rows: string[][] = [];
try {
  for (const n of [1000, 20000]) {
    const prefix = `bench${n}`;
    const text = serializeIndex(seedIndex(n), 'yaml');
    await client.send(new PutObjectCommand({ Bucket: 'charts', Key: `${prefix}/index.yaml`, Body: text }));
    for (let run = 0; run < 3; run++) {
      const chart = await makeChart(work, 'benchchart', `${n}.${run}.0`);
      proxy.resetStats();
      const t0 = performance.now();
      const s = await publishCharts([chart.file], {
        to: `s3://charts/${prefix}`,
        endpoint: proxy.url,
        pathStyle: true,
        singleWriter: !useRgw,
      });
      const ms = performance.now() - t0;
      const methods = Object.entries(proxy.stats.byMethod)
        .map(([m, c]) => `${m}:${c}`)
        .join(' ');
      rows.push([
        `vineyard publish (${useRgw ? 'RGW' : 's3rver'})`,
        String(s.index.entries),
        String(proxy.stats.requests),
        methods,
        (proxy.stats.bytesIn / 1024).toFixed(0),
        (proxy.stats.bytesOut / 1024).toFixed(0),
        ms.toFixed(0),
      ]);
    }
    // helm: merge one chart into the same index on disk
    const dir = path.join(work, `helm${n}`);
    await mkdir(dir, { recursive: true });
    const chart = await makeChart(work, 'benchchart', `${n}.9.0`);
    await copyFile(chart.file, path.join(dir, path.basename(chart.file)));
    await writeFile(path.join(work, `old${n}.yaml`), text);
    const t0 = performance.now();
    const res = spawnSync(helmV3, ['repo', 'index', dir, '--merge', path.join(work, `old${n}.yaml`)]);
    const ms = performance.now() - t0;
    if (res.status !== 0) throw new Error(`helm repo index failed: ${res.stderr}`);
    rows.push(['helm v3 repo index --merge (local)', String(n + 1), '-', '-', '-', '-', ms.toFixed(0)]);
  }
} finally {
  client.destroy();
  await proxy.close();
  await stop();
  await rm(work, { recursive: true, force: true });
}
const head = ['tool', 'entries after', 'requests', 'by method', 'KiB sent', 'KiB received', 'ms'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
