/**
 * publish --to file://DIR when publishers are stopped, continued and killed at any instant: every
 * publisher that reports success has its entry in the final index, a re-run of the others converges,
 * and crash leftovers never block anyone, are cleaned, and are never served.
 *
 * CHAOS_TRIALS / CHAOS_PUBLISHERS scale the randomized test (e.g. CHAOS_TRIALS=500 by hand); it stops
 * early (after at least 10 trials) when CHAOS_BUDGET_MS (default 50 s) is spent, on a loaded machine;
 * CHAOS_VERBOSE=1 prints the running totals after each trial.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishCharts } from '../../src/stages/publish/publish.ts';
import { startServer } from '../../src/stages/serve/server.ts';
import { CLI, cli } from '../support/run.ts';
import { makeChart } from './charts.ts';
import { type Answer, processState, seeded, Worker, waitFor } from './crash-support.ts';

type Index = { entries: Record<string, { version: string; digest: string; urls: string[] }[]> };

const readIndex = async (repo: string) =>
  load(await readFile(path.join(repo, 'index.yaml'), 'utf8')) as Index;
const versions = (index: Index, name: string) => (index.entries[name] ?? []).map((e) => e.version).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every entry's tarball is there with the indexed digest; only repository files are visible. */
async function checkRepository(repo: string, index: Index): Promise<void> {
  for (const list of Object.values(index.entries))
    for (const e of list) expect(sha256(await readFile(path.join(repo, e.urls[0])))).toBe(e.digest);
  const visible = (await readdir(repo)).filter((n) => !n.startsWith('.'));
  for (const name of visible) expect(name).toMatch(/^(index\.yaml|[^/]+\.tgz)$/);
}

describe('publish to a directory under kill -9, SIGSTOP/SIGCONT and crash leftovers', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'vineyard-publish-crash-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a publisher stopped right before its commit, longer than the stale age, while another publishes: both entries stay', async () => {
    const repo = path.join(work, 'paused');
    const to = `file://${repo}`;
    const [seed, a, b] = await Promise.all(['0.1.0', '0.2.0', '0.3.0'].map((v) => makeChart(work, 'p', v)));
    await publishCharts([seed.file], { to });
    const env = { VINEYARD_CHARTS_STALE_MS: '300' };
    const child = spawn(process.execPath, [CLI, 'publish', a.file, '--to', to, '--json'], {
      env: { ...process.env, ...env, VINEYARD_CHARTS_TEST_PAUSE_AT: 'commit' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      // A compared index.yaml, built its new version and stopped itself right before renaming it
      await waitFor('the publisher to stop itself', () => processState(child.pid as number) === 'T');
      await sleep(1_000); // well past the stale age
      const other = await cli(['publish', b.file, '--to', to], { env, timeoutMs: 20_000 });
      expect(other.code, other.stderr).toBe(0);
      expect(versions(await readIndex(repo), 'p')).toEqual(['0.1.0', '0.3.0']);
    } finally {
      child.kill('SIGCONT');
    }
    expect(await exited).toBe(0);
    const index = await readIndex(repo);
    expect(versions(index, 'p')).toEqual(['0.1.0', '0.2.0', '0.3.0']);
    // its first commit was revoked by the other publisher: it re-read, merged again and committed
    expect(JSON.parse(Buffer.concat(out).toString()).index.attempts).toBeGreaterThan(1);
    await checkRepository(repo, index);
  }, 60_000);

  it('an empty lock file left by an earlier version (crash before writing its PID) blocks nothing', async () => {
    const repo = path.join(work, 'empty-lock');
    const a = await makeChart(work, 'e', '0.1.0');
    await mkdir(repo, { recursive: true });
    await writeFile(path.join(repo, '.publish.lock'), '');
    const started = Date.now();
    const summary = await publishCharts([a.file], { to: `file://${repo}` });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(summary.index.action).toBe('created');
    expect(versions(await readIndex(repo), 'e')).toEqual(['0.1.0']);
  });

  it('crash leftovers are never served, never block, and are removed once stale', async () => {
    const repo = path.join(work, 'leftovers');
    const to = `file://${repo}`;
    const [a, b] = await Promise.all(['0.1.0', '0.2.0'].map((v) => makeChart(work, 'l', v)));
    await publishCharts([a.file], { to });
    const stale = {
      // earlier versions: a lock whose PID was never written, half-written temporary files
      '.publish.lock': '',
      'index.yaml.tmp-4242-deadbeef': 'apiVersion: v1\nentries:\n  l:\n  - vers',
      'l-0.3.0.tgz.tmp-4242-0badf00d': 'half a tarball',
      // this version, killed: a stage never renamed, a probe object never deleted
      '.vineyard-stage.none.0123456789abcdef.index.yaml.part': 'apiVersion: v1\nentr',
      '.vineyard-charts-probe-0123456789abcdef': 'probe 1\n',
    };
    const young = '.vineyard-stage.none.fedcba9876543210.l-0.9.0.tgz.part'; // may belong to a live publisher
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    for (const [name, text] of Object.entries(stale)) {
      await writeFile(path.join(repo, name), text);
      await utimes(path.join(repo, name), twoHoursAgo, twoHoursAgo);
    }
    await writeFile(path.join(repo, young), 'half');
    const server = await startServer(repo);
    try {
      for (const name of [...Object.keys(stale), young])
        expect((await fetch(`${server.url}/${encodeURIComponent(name)}`)).status, name).toBe(404);
      const started = Date.now();
      await publishCharts([b.file], { to });
      expect(Date.now() - started).toBeLessThan(2_000);
      const names = await readdir(repo);
      for (const name of Object.keys(stale)) expect(names, name).not.toContain(name);
      expect(names).toContain(young);
      // no stage looks like a chart to a `*.tgz` glob (`index DIR`, helm repo index)
      expect(names.filter((n) => n.endsWith('.tgz')).sort()).toEqual(['l-0.1.0.tgz', 'l-0.2.0.tgz']);
      const served = await fetch(`${server.url}/index.yaml`);
      expect(served.status).toBe(200);
      const index = load(await served.text()) as Index;
      expect(versions(index, 'l')).toEqual(['0.1.0', '0.2.0']);
      expect((await fetch(`${server.url}/l-0.2.0.tgz`)).status).toBe(200);
      await checkRepository(repo, index);
    } finally {
      await server.close();
    }
  });

  const TRIALS = Number(process.env.CHAOS_TRIALS ?? 40);
  const BUDGET_MS = Number(process.env.CHAOS_BUDGET_MS ?? 50_000);
  const N = Number(process.env.CHAOS_PUBLISHERS ?? 10);

  it(
    `${TRIALS} trials of ${N} concurrent publishers under random kill -9 and SIGSTOP/SIGCONT lose no reported entry`,
    async () => {
      const env = { VINEYARD_CHARTS_STALE_MS: '1000' };
      const charts = await Promise.all(
        Array.from({ length: N }, (_, i) => makeChart(work, 'chaos', `1.${i}.0`)),
      );
      const seed = await makeChart(work, 'seed', '1.0.0');
      const workers = Array.from({ length: N }, () => new Worker(env));
      const totals = {
        trials: 0,
        publishers: 0,
        ok: 0,
        killed: 0,
        stops: 0,
        failed: 0,
        retried: 0,
        maxAttempts: 0,
      };
      const started = Date.now();
      try {
        await Promise.all(workers.map((w) => w.ready()));
        for (let t = 0; t < TRIALS && (t < 10 || Date.now() - started < BUDGET_MS); t++) {
          totals.trials++;
          const random = seeded(20251129 + t);
          const repo = path.join(work, `chaos-${t}`);
          const to = `file://${repo}`;
          if (random() < 0.5) await publishCharts([seed.file], { to });
          const tStart = Date.now();
          const answers: (Answer | null | undefined)[] = new Array(N).fill(undefined);
          const killed = new Set<number>();
          const running = [...workers];
          const jobs = running.map((w, i) =>
            w.publish([charts[i].file], to).then((a) => {
              answers[i] = a;
            }),
          );
          // a budget of signals per trial, sent at random moments to publishers still running
          let kills = Math.floor(random() * 3);
          let stops = Math.floor(random() * 9);
          const longStop = random() < 0.2; // one stop longer than the stale age
          const timers: NodeJS.Timeout[] = [];
          while (kills + stops > 0) {
            await sleep(random() * 8);
            const pending = running.flatMap((_, i) =>
              answers[i] === undefined && !killed.has(i) ? [i] : [],
            );
            if (pending.length === 0) break;
            const i = pending[Math.floor(random() * pending.length)];
            if (random() * (kills + stops) < kills) {
              running[i].signal('SIGKILL');
              killed.add(i);
              kills--;
              workers[i] = new Worker(env); // starts while the trial goes on
            } else {
              running[i].signal('SIGSTOP');
              totals.stops++;
              stops--;
              const ms = longStop && stops === 0 ? 1_500 : random() * 300;
              timers.push(setTimeout(() => running[i].signal('SIGCONT'), ms));
            }
          }
          await Promise.all(jobs);
          for (const tm of timers) clearTimeout(tm);
          for (const w of running) w.signal('SIGCONT');

          const label = `trial ${t}`;
          const index = await readIndex(repo); // parses
          const reported = answers.flatMap((a, i) => (a?.ok ? [i] : []));
          const expected = reported.map((i) => `1.${i}.0`).sort();
          expect(
            versions(index, 'chaos').filter((v) => expected.includes(v)),
            label,
          ).toEqual(expected);
          for (const a of answers) if (a?.ok) totals.maxAttempts = Math.max(totals.maxAttempts, a.attempts);
          totals.publishers += N;
          totals.ok += reported.length;
          totals.killed += answers.filter((a) => a === null).length;
          totals.failed += answers.filter((a) => a && !a.ok).length;
          for (const a of answers) if (a && !a.ok) console.log(`${label}: ${a.error}`);
          totals.retried += answers.filter((a) => a?.ok && a.attempts > 1).length;

          // re-running the publishers that did not report success converges
          const rest = charts.filter((_, i) => !answers[i]?.ok).map((c) => c.file);
          if (rest.length > 0) await publishCharts(rest, { to });
          const final = await readIndex(repo);
          expect(versions(final, 'chaos'), label).toEqual(charts.map((_, i) => `1.${i}.0`).sort());
          await checkRepository(repo, final);
          await rm(repo, { recursive: true, force: true });

          // every worker signalled SIGKILL was replaced (it may have answered just before dying)
          await Promise.all([...killed].map((i) => workers[i].ready()));
          if (process.env.CHAOS_VERBOSE)
            console.log(`${label}: ${Date.now() - tStart} ms; so far ${JSON.stringify(totals)}`);
        }
      } finally {
        for (const w of workers) w.signal('SIGKILL');
        for (const w of workers) w.signal('SIGCONT');
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`chaos: ${totals.trials} trials in ${seconds}s: ${JSON.stringify(totals)}`);
      expect(totals.ok + totals.killed + totals.failed).toBe(totals.publishers);
    },
    BUDGET_MS + 180_000,
  );
});
