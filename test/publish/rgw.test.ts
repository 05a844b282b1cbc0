/**
 * publish against a real S3 server (Ceph RGW, started once for this file) and real helm v3/v4:
 * end-to-end with helm, 16 concurrent publisher processes, fault injection, bad inputs.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { S3Client } from '@aws-sdk/client-s3';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PipelineError } from '../../src/errors.ts';
import { publishCharts } from '../../src/stages/publish/publish.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { type FaultProxy, seededRandom, startFaultProxy } from '../support/fault-proxy.ts';
import { missingRgwBinaries, type Rgw, sharedRgw } from '../support/rgw/rgw.ts';
import { cli, HELM_MAJORS, helm, type RunResult } from '../support/run.ts';
import { expectMatchesSchema } from '../support/schemas.ts';
import { makeChart } from './charts.ts';
import { listObjects, putRaw, s3Client, s3Env, verifyRepository } from './repo-check.ts';

const missing = missingRgwBinaries();
if (missing.length) {
  console.warn(
    `\n!!! Ceph RGW not installed (missing ${missing.join(', ')}): SKIPPING the real-S3 publish tests !!!\n`,
  );
}

describe.skipIf(missing.length > 0)('publish to Ceph RGW', () => {
  let rgw: Rgw;
  let client: S3Client;
  let work: string;
  let env: NodeJS.ProcessEnv;
  const outputs: string[] = [];

  /** Our CLI against RGW; every output is kept to prove the secret never appears in any of them. */
  async function publish(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> {
    const res = await cli(['publish', ...args], { env: { ...env, ...extraEnv } });
    outputs.push(res.stdout, res.stderr);
    return res;
  }
  const repoUrl = (prefix: string) => `${rgw.endpoint}/${rgw.bucket}/${prefix}`;
  const list = (prefix: string) => listObjects(client, rgw.bucket, prefix);

  beforeAll(async () => {
    rgw = await sharedRgw(inject('rgwStateDir'));
    client = s3Client(rgw);
    env = s3Env(rgw);
    // the in-process publishes (fault trials) use the SDK's standard chain too
    Object.assign(process.env, env);
    work = await mkdtemp(path.join(tmpdir(), 'vineyard-publish-rgw-'));
  });
  afterAll(async () => {
    client?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('publishes a repository that helm v3 and v4 add, search, pull (digest) and template', async () => {
    const a = await makeChart(work, 'demo', '1.0.0');
    const b = await makeChart(work, 'demo', '1.1.0');
    const res = await publish([a.file, '--to', `s3://${rgw.bucket}/e2e`, '--path-style', '--json'], {
      AWS_ENDPOINT_URL_S3: rgw.endpoint,
    });
    expect(res.stderr).toContain('uploading demo-1.0.0.tgz');
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    expectMatchesSchema('publish-summary.schema.json', summary);
    expect(summary.store).toEqual({
      conditionalWrites: 'honoured',
      ifMatchForm: 'unquoted',
      singleWriter: false,
    });
    expect(summary.index.action).toBe('created');
    // headers helm depends on
    const tgzHead = await fetch(`${repoUrl('e2e')}/demo-1.0.0.tgz`, { method: 'HEAD' });
    expect(tgzHead.headers.get('content-type')).toBe('application/gzip');
    expect(tgzHead.headers.get('content-encoding')).toBeNull();
    const idxHead = await fetch(`${repoUrl('e2e')}/index.yaml`, { method: 'HEAD' });
    expect(idxHead.headers.get('content-type')).toBe('text/yaml');
    expect(idxHead.headers.get('cache-control')).toBe('no-cache');

    for (const major of HELM_MAJORS) {
      const home = path.join(work, `helm-${major}`);
      expect((await helm(major, ['repo', 'add', 'demo', repoUrl('e2e')], home)).code).toBe(0);
      // a version published after `repo add` is seen by `repo update`
      if (major === 'v3') {
        expect(
          (
            await publish([
              b.file,
              '--to',
              `s3://${rgw.bucket}/e2e`,
              '--endpoint',
              rgw.endpoint,
              '--path-style',
            ])
          ).code,
        ).toBe(0);
      }
      const upd = await helm(major, ['repo', 'update'], home);
      expect(upd.code, upd.stderr).toBe(0);
      const search = await helm(major, ['search', 'repo', 'demo/demo', '--versions', '-o', 'json'], home);
      expect(search.code, search.stderr).toBe(0);
      expect((JSON.parse(search.stdout) as { version: string }[]).map((r) => r.version).sort()).toEqual([
        '1.0.0',
        '1.1.0',
      ]);
      const dest = path.join(home, 'pulled');
      await mkdir(dest, { recursive: true });
      const pull = await helm(major, ['pull', 'demo/demo', '--version', '1.0.0', '-d', dest], home);
      expect(pull.code, pull.stderr).toBe(0);
      const pulled = await readFile(path.join(dest, 'demo-1.0.0.tgz'));
      const index = load(await (await fetch(`${repoUrl('e2e')}/index.yaml`)).text()) as {
        entries: { demo: { version: string; digest: string }[] };
      };
      const indexed = index.entries.demo.find((e) => e.version === '1.0.0')?.digest;
      expect(createHash('sha256').update(pulled).digest('hex')).toBe(indexed);
      expect(indexed).toBe(a.digest);
      const tpl = await helm(major, ['template', 'rel', path.join(dest, 'demo-1.0.0.tgz')], home);
      expect(tpl.code, tpl.stderr).toBe(0);
      expect(tpl.stdout).toContain('name: rel-greeting');
      if (major === 'v4') {
        const inst = await helm(
          major,
          ['install', 'rel', 'demo/demo', '--version', '1.1.0', '--dry-run=client'],
          home,
        );
        expect(inst.code, inst.stderr).toBe(0);
        expect(inst.stdout).toContain('version: "1.1.0"');
      }
    }
  });

  it('16 concurrent publisher processes x 10 rounds: every version indexed, every URL resolves', async () => {
    const prefix = 'concurrent';
    const to = `s3://${rgw.bucket}/${prefix}`;
    const N = 16;
    const ROUNDS = 10;
    const charts = await Promise.all(
      Array.from({ length: ROUNDS * N }, (_, i) =>
        makeChart(work, 'race', `${Math.floor(i / N) + 1}.${i % N}.0`),
      ),
    );
    const expected = new Map<string, string>();
    const verified = new Map<string, string>();
    const check = async (round: number) => {
      for (let i = 0; i < N; i++) expected.set(`race@${round + 1}.${i}.0`, charts[round * N + i].digest);
      const state = await verifyRepository(repoUrl(prefix), await list(prefix), verified);
      expect(state.entries).toEqual(expected);
    };
    const attempts: number[] = [];
    // 16 long-lived processes running publishCharts (the code behind the CLI), released together each
    // round; long-lived so that process start-up (~1 s of CPU each) does not spread the round out
    const workers = Array.from({ length: N }, () =>
      spawn(
        process.execPath,
        ['--import', 'tsx', path.join(PROJECT_ROOT, 'test/publish/publisher-worker.ts')],
        {
          env: { ...process.env, ...env },
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      ),
    );
    const lines = workers.map((w) => createInterface({ input: w.stdout })[Symbol.asyncIterator]());
    try {
      // wait until every process has loaded, so each round starts them at the same instant
      for (const l of lines) expect(JSON.parse((await l.next()).value as string)).toEqual({ ready: true });
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < N; i++) {
          const job = { files: [charts[round * N + i].file], to, endpoint: rgw.endpoint };
          workers[i].stdin.write(`${JSON.stringify(job)}\n`);
        }
        const results = await Promise.all(
          lines.map(async (l) => JSON.parse((await l.next()).value as string)),
        );
        for (const r of results) expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
        expect(results.filter((r) => r.action === 'unchanged')).toEqual([]);
        attempts.push(...results.map((r) => r.attempts as number));
        if (process.env.PUBLISH_TEST_VERBOSE)
          console.log(`round ${round}: attempts ${results.map((r) => r.attempts)}`);
        await check(round);
      }
    } finally {
      for (const w of workers) w.kill();
    }
    // the races really happened: some publishers had to re-read and retry
    expect(Math.max(...attempts)).toBeGreaterThan(1);
  }, 300_000);

  it('fault injection: 200 trials through a proxy resetting / failing requests never corrupt the repository', async () => {
    const proxy: FaultProxy = await startFaultProxy(rgw.endpoint, seededRandom(20251125));
    const random = seededRandom(42);
    const pool = await Promise.all([
      ...['1.0.0', '1.1.0', '1.2.0', '2.0.0', '2.1.0'].map((v) => makeChart(work, 'flaky', v)),
      ...['0.1.0', '0.2.0'].map((v) => makeChart(work, 'other', v)),
    ]);
    let failures = 0;
    let successes = 0;
    try {
      for (let group = 0; group < 10; group++) {
        const prefix = `faults/${group}`;
        const to = `s3://${rgw.bucket}/${prefix}`;
        const verified = new Map<string, string>();
        for (let trial = 0; trial < 20; trial++) {
          const pick = pool.filter(() => random() < 0.35);
          const files = (pick.length ? pick : [pool[trial % pool.length]]).map((c) => c.file);
          proxy.rate = 0.1 + random() * 0.4;
          let succeeded = false;
          try {
            await publishCharts(files, {
              to,
              endpoint: proxy.url,
              pathStyle: true,
              maxAttempts: 2,
              maxIndexAttempts: 4,
            });
            succeeded = true;
            successes++;
          } catch (err) {
            // failures are expected, but only as our clean one-line errors
            expect(err).toBeInstanceOf(PipelineError);
            failures++;
          }
          proxy.rate = 0;
          const label = `group ${group} trial ${trial}`;
          const before = await verifyRepository(repoUrl(prefix), await list(prefix), verified).catch(
            (e: Error) => {
              throw new Error(`${label}: ${e.message}`);
            },
          );
          // after a failure a clean re-run converges; after a success everything is already there
          const rerun = succeeded
            ? null
            : await publishCharts(files, { to, endpoint: rgw.endpoint, pathStyle: true });
          const after = rerun
            ? await verifyRepository(repoUrl(prefix), await list(prefix), verified)
            : before;
          for (const [k, v] of before.entries) expect(after.entries.get(k), label).toBe(v);
          for (const f of files) {
            const c = pool.find((p) => p.file === f);
            expect(after.entries.get(`${path.basename(f).replace(/-(\d.*)\.tgz$/, '@$1')}`), label).toBe(
              c?.digest,
            );
          }
          expect(rerun?.objects.every((o) => o.action !== 'replaced') ?? true, label).toBe(true);
          if (trial % 5 === 4) {
            // once converged, publishing again changes nothing
            const again = await publishCharts(files, { to, endpoint: rgw.endpoint, pathStyle: true });
            expect(again.index.action, label).toBe('unchanged');
            expect(
              again.objects.every((o) => o.action === 'unchanged'),
              label,
            ).toBe(true);
          }
        }
      }
    } finally {
      await proxy.close();
    }
    // the proxy really did interfere, and retries often still got the publish through
    expect(failures).toBeGreaterThan(20);
    expect(successes).toBeGreaterThan(20);
  }, 300_000);

  describe('bad input: clear error, nothing written, no secret in any output', () => {
    it('refuses a file that is not a chart', async () => {
      const bogus = path.join(work, 'bogus-1.0.0.tgz');
      await writeFile(bogus, 'this is not a gzip archive');
      const res = await publish([
        bogus,
        '--to',
        `s3://${rgw.bucket}/bad1`,
        '--endpoint',
        rgw.endpoint,
        '--path-style',
      ]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/bogus-1\.0\.0\.tgz.*not a gzip-compressed chart archive/);
      expect((await list('bad1')).size).toBe(0);
    });

    it('refuses a tarball whose Chart.yaml disagrees with its file name', async () => {
      const c = await makeChart(work, 'named', '1.0.0');
      const renamed = path.join(work, 'named-2.0.0.tgz');
      await copyFile(c.file, renamed);
      const res = await publish([
        renamed,
        '--to',
        `s3://${rgw.bucket}/bad2`,
        '--endpoint',
        rgw.endpoint,
        '--path-style',
      ]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('named-2.0.0.tgz');
      expect(res.stderr).toContain('the file name must be named-1.0.0.tgz');
      expect((await list('bad2')).size).toBe(0);
    });

    it('refuses a corrupt index.yaml in the bucket', async () => {
      const c = await makeChart(work, 'demo', '1.0.0');
      await putRaw(client, rgw.bucket, 'bad3/index.yaml', 'apiVersion: v1\nentries: [unclosed\n');
      const res = await publish([
        c.file,
        '--to',
        `s3://${rgw.bucket}/bad3`,
        '--endpoint',
        rgw.endpoint,
        '--path-style',
      ]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`s3://${rgw.bucket}/bad3/index.yaml`);
      expect(res.stderr).toContain('invalid YAML');
      expect([...(await list('bad3')).keys()]).toEqual(['index.yaml']);
      // strict schema, not only syntax: an entry without urls
      await putRaw(
        client,
        rgw.bucket,
        'bad3/index.yaml',
        'apiVersion: v1\ngenerated: "2025-01-01T00:00:00Z"\nentries:\n  x:\n  - name: x\n    version: 1.0.0\n',
      );
      const res2 = await publish([
        c.file,
        '--to',
        `s3://${rgw.bucket}/bad3`,
        '--endpoint',
        rgw.endpoint,
        '--path-style',
      ]);
      expect(res2.code).toBe(1);
      expect(res2.stderr).toMatch(/bad3\/index\.yaml: entries\.x\[0\]/);
      expect([...(await list('bad3')).keys()]).toEqual(['index.yaml']);
    });

    it('says so when credentials are missing, rejected, or the endpoint is wrong', async () => {
      const c = await makeChart(work, 'demo', '1.0.0');
      const args = [c.file, '--to', `s3://${rgw.bucket}/bad4`, '--path-style'];
      const none = await publish([...args, '--endpoint', rgw.endpoint], {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
      });
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('no S3 credentials found');
      const wrong = await publish([...args, '--endpoint', rgw.endpoint], {
        AWS_SECRET_ACCESS_KEY: `${rgw.secretAccessKey}x`,
      });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/rejected the credentials \(HTTP 403 SignatureDoesNotMatch\)/);
      expect(wrong.stderr).not.toContain(`${rgw.secretAccessKey}x`);
      const closed = await publish([...args, '--endpoint', 'http://127.0.0.1:1', '--json']);
      expect(closed.code).toBe(1);
      expect(closed.stderr).toContain('cannot reach http://127.0.0.1:1 (ECONNREFUSED)');
      expect((await list('bad4')).size).toBe(0);
    });

    it('refuses a different tarball for a published version unless --force; --dry-run writes nothing', async () => {
      const to = `s3://${rgw.bucket}/immutable`;
      const v1 = await makeChart(work, 'imm', '1.0.0');
      expect((await publish([v1.file, '--to', to, '--endpoint', rgw.endpoint, '--path-style'])).code).toBe(0);
      const before = await list('immutable');
      // same name and version, different bytes
      const other = await mkdtemp(path.join(work, 'other-'));
      const { writeChartDir } = await import('./charts.ts');
      const dir = await writeChartDir(other, 'imm', '1.0.0');
      await writeFile(path.join(dir, 'values.yaml'), 'greeting: changed\n');
      const { packageChart } = await import('../../src/stages/package/package.ts');
      const v1b = await packageChart(dir, { outDir: path.join(other, 'packages') });
      expect(v1b.digest).not.toBe(v1.digest);
      const refused = await publish([v1b.file, '--to', to, '--endpoint', rgw.endpoint, '--path-style']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('imm 1.0.0 is already published at');
      expect(refused.stderr).toContain('with different content (values.yaml)');
      expect(refused.stderr).toContain('--force');
      expect(await list('immutable')).toEqual(before);
      const dry = await publish([
        v1b.file,
        '--to',
        to,
        '--endpoint',
        rgw.endpoint,
        '--path-style',
        '--force',
        '--dry-run',
        '--json',
      ]);
      expect(dry.code, dry.stderr).toBe(0);
      expectMatchesSchema('publish-summary.schema.json', JSON.parse(dry.stdout));
      expect(JSON.parse(dry.stdout).objects[0].action).toBe('would-replace');
      expect(JSON.parse(dry.stdout).index.added).toEqual(['imm@1.0.0']);
      expect(await list('immutable')).toEqual(before);
      const forced = await publish([
        v1b.file,
        '--to',
        to,
        '--endpoint',
        rgw.endpoint,
        '--path-style',
        '--force',
      ]);
      expect(forced.code, forced.stderr).toBe(0);
      const state = await verifyRepository(repoUrl('immutable'), await list('immutable'));
      expect(state.entries.get('imm@1.0.0')).toBe(v1b.digest);
    });

    it('never printed the secret key in any output above', () => {
      expect(outputs.length).toBeGreaterThan(20);
      for (const o of outputs) expect(o).not.toContain(rgw.secretAccessKey);
    });
  });
});
