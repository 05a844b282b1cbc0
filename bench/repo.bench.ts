/**
 * repo verify / repo reindex of N stored charts on a real S3 server (Ceph RGW): wall time, requests
 * (counted by the storage: every HTTP attempt) and peak heap per phase, at N/10 and N, to show that
 * memory does not grow with the number of tarballs beyond the index itself. Side by side: helm v3
 * `repo index` over the same tarballs in a local directory (the local equivalent of a reindex).
 * REPO_BENCH_N (default 10000) sets N, REPO_BENCH_CONCURRENCY the reads in flight (default 8); the tarballs are one small chart packaged by our package stage
 * once per version and uploaded 32 at a time.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { buildChartArchive } from '../src/stages/package/package.ts';
import { mapLimit } from '../src/stages/repo/common.ts';
import { reindexRepository } from '../src/stages/repo/reindex.ts';
import { verifyRepository } from '../src/stages/repo/verify.ts';
import { ensureTool } from '../src/tools/helm.ts';
import { writeChartDir } from '../test/publish/charts.ts';
import { missingRgwBinaries, startRgw, stopRgw } from '../test/support/rgw/rgw.ts';

const N = Number(process.env.REPO_BENCH_N ?? 10_000);
/** Reads in flight (the commands' --concurrency; default 8). */
const CONCURRENCY = Number(process.env.REPO_BENCH_CONCURRENCY ?? 8);
if (missingRgwBinaries().length > 0) {
  console.log('!!! Ceph RGW not installed: skipping the repo verify/reindex benchmark');
  process.exit(0);
}

/** Peak heap while `fn` runs, sampled every 20 ms. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; peakMiB: number }> {
  global.gc?.();
  let peak = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 20);
  const t0 = performance.now();
  try {
    const value = await fn();
    return { value, ms: performance.now() - t0, peakMiB: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

const work = await mkdtemp(path.join(tmpdir(), 'vineyard-bench-repo-'));
const rgw = await startRgw();
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: rgw.accessKeyId,
  AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});
const client = new S3Client({
  region: 'us-east-1',
  endpoint: rgw.endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
});
const rows: string[][] = [];
const helmV3 = await ensureTool('v3');
try {
  for (const n of [Math.max(1, Math.round(N / 10)), N]) {
    const prefix = `repo${n}`;
    const local = path.join(work, `local${n}`);
    await mkdir(local, { recursive: true });
    const t0 = performance.now();
    await mapLimit(
      Array.from({ length: n }, (_, i) => i),
      32,
      async (i) => {
        const version = `1.${Math.floor(i / 1000)}.${i % 1000}`;
        // one chart directory per version would be N directories: rewrite Chart.yaml in a copy per worker
        const dir = await writeChartDir(path.join(work, 'w', String(i % 32)), 'bench', version);
        const { bytes } = await buildChartArchive(dir, { sourceDateEpoch: 1_700_000_000 });
        const key = `bench-${version}.tgz`;
        await writeFile(path.join(local, key), bytes);
        await client.send(new PutObjectCommand({ Bucket: rgw.bucket, Key: `${prefix}/${key}`, Body: bytes }));
      },
    );
    console.log(`${n} charts packaged and uploaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const to = `s3://${rgw.bucket}/${prefix}`;
    const row = (tool: string, m: { ms: number; peakMiB: number }, requests: number | undefined) =>
      rows.push([tool, String(n), String(requests), m.ms.toFixed(0), m.peakMiB.toFixed(0)]);
    const s3 = { endpoint: rgw.endpoint, pathStyle: true, concurrency: CONCURRENCY };
    const re = await measured(() => reindexRepository({ to, ...s3 }));
    if (re.value.added.length !== n) throw new Error(`reindex added ${re.value.added.length}, expected ${n}`);
    row('vineyard repo reindex (RGW)', re, re.value.traffic.requests);
    const again = await measured(() => reindexRepository({ to, ...s3 }));
    if (again.value.index.action !== 'unchanged') throw new Error('a second reindex changed the index');
    row('vineyard repo reindex, no change (RGW)', again, again.value.traffic.requests);
    const ver = await measured(() => verifyRepository({ to, ...s3 }));
    if (ver.value.findings.length > 0)
      throw new Error(`verify: ${JSON.stringify(ver.value.findings.slice(0, 3))}`);
    row('vineyard repo verify (RGW)', ver, ver.value.traffic?.requests);
    const h0 = performance.now();
    const res = spawnSync(helmV3, ['repo', 'index', local], { maxBuffer: 1 << 26 });
    if (res.status !== 0) throw new Error(`helm repo index failed: ${res.stderr}`);
    rows.push(['helm v3 repo index (local dir)', String(n), '-', (performance.now() - h0).toFixed(0), '-']);
  }
} finally {
  client.destroy();
  await stopRgw(rgw.dir);
  await rm(work, { recursive: true, force: true });
}
const head = ['tool', 'charts', 'requests', 'ms', 'peak heap MiB'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
