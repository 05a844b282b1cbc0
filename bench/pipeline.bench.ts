/**
 * The whole pipeline: `vineyard-charts release --to file://DIR` (render, lint --strict with every fixture,
 * package, index, publish) against the helm CLI sequence it replaces on the rendered chart: `helm lint
 * --strict` and `helm template` per fixture, `helm package`, `helm repo index` (helm v4). Wall time, CPU
 * time and peak RSS (/usr/bin/time), median of 3 interleaved runs in this run. Ours is checked: the
 * index it publishes reads strictly and names the packaged chart. Target (issue 13): <= 0.4x helm's wall
 * time. A miss makes the benchmark exit 1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseIndex } from '../src/helm/repo/index-file.ts';
import { ensureTool, PROJECT_ROOT } from '../src/tools/helm.ts';

// The compiled CLI the bin runs (`npm run bench` builds it first), whatever others edit in src/ meanwhile.
const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js');
const CHART = path.join(PROJECT_ROOT, 'charts-out', 'vineyard');
const FIXTURES = path.join(PROJECT_ROOT, 'chart-src', 'vineyard', 'ci');
const RUNS = 3;

interface Sample {
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
}

function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Sample {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, ...env },
  });
  const [wall, user, sys, rssKb] = (res.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${res.stderr.slice(-3000)}`);
  return { seconds: wall, cpuSeconds: user + sys, maxRssMb: rssKb / 1024 };
}

const median = (xs: Sample[], k: keyof Sample) =>
  [...xs].sort((a, b) => a[k] - b[k])[Math.floor(xs.length / 2)][k];

const helm4 = await ensureTool('v4');
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('-values.yaml'))
  .sort()
  .map((f) => path.join(FIXTURES, f));
const work = await mkdtemp(path.join(tmpdir(), 'vineyard-pipeline-bench-'));
const ours: Sample[] = [];
const helm: Sample[] = [];
let ok = true;
try {
  for (let i = 0; i < RUNS; i++) {
    const out = path.join(work, `ours-${i}`);
    ours.push(measure(process.execPath, [CLI, 'release', '--out', out, '--to', `file://${out}/repo`]));
    const index = parseIndex(readFileSync(path.join(out, 'repo', 'index.yaml'), 'utf8'), 'index.yaml');
    if (!index.entries.vineyard?.length) throw new Error('release published no vineyard entry');

    // helm's sequence, as one shell script (its own process start-ups are part of what it costs).
    const h = path.join(work, `helm-${i}`);
    const lines = ['set -e'];
    for (const f of fixtures) {
      lines.push(`"$HELM" lint --strict "$CHART" -f "${f}" >/dev/null`);
      lines.push(`"$HELM" template vineyard "$CHART" -f "${f}" >/dev/null`);
    }
    lines.push(`"$HELM" package "$CHART" -d "${h}/repo" >/dev/null`, `"$HELM" repo index "${h}/repo"`);
    helm.push(
      measure('bash', ['-c', lines.join('\n')], {
        HELM: helm4,
        CHART,
        HELM_CONFIG_HOME: path.join(h, 'config'),
        HELM_CACHE_HOME: path.join(h, 'cache'),
        HELM_DATA_HOME: path.join(h, 'data'),
      }),
    );
    if (!existsSync(path.join(h, 'repo', 'index.yaml'))) throw new Error('helm wrote no index');
  }
  const row = (label: string, xs: Sample[]) =>
    `| ${label.padEnd(52)} | ${median(xs, 'seconds').toFixed(2).padStart(6)} s | ${median(xs, 'cpuSeconds').toFixed(2).padStart(6)} s | ${median(xs, 'maxRssMb').toFixed(0).padStart(5)} MB |`;
  console.log(
    `Whole pipeline, ${fixtures.length} fixtures, median of ${RUNS} runs; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs`,
  );
  console.log('| sequence                                             |     wall |      CPU | peak RSS |');
  console.log('|------------------------------------------------------|----------|----------|----------|');
  console.log(row('vineyard-charts release --to file:// (all 5 stages)', ours));
  console.log(row('helm v4: lint --strict + template per fixture, package, repo index', helm));
  const ratio = median(ours, 'seconds') / median(helm, 'seconds');
  ok = ratio <= 0.4;
  console.log(
    `x${ratio.toFixed(2)} of helm's wall time (target <= x0.4) ${ok ? 'OK' : 'MISSED'}; ` +
      `x${(median(ours, 'cpuSeconds') / median(helm, 'cpuSeconds')).toFixed(2)} of its CPU time`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
process.exitCode = ok ? 0 : 1;
