/**
 * Linting the vineyard chart with every fixture: `vineyard-charts lint --strict` (helm's rules,
 * Kubernetes schema for every admitted version, best practices, values checks; no helm binary) against
 * what it replaces with helm v4: `helm lint --strict` plus one `helm template` per values set. One run
 * each, side by side; wall time and, where /usr/bin/time exists, peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { lintCharts } from '../src/stages/lint/lint.ts';
import { ensureTool, PROJECT_ROOT } from '../src/tools/helm.ts';

const CLI = path.join(PROJECT_ROOT, 'bin', 'vineyard-charts.cjs');
const vineyard = path.join(PROJECT_ROOT, 'charts-out', 'vineyard');
const chart = existsSync(path.join(vineyard, 'Chart.yaml'))
  ? vineyard
  : path.join(PROJECT_ROOT, 'test/fixtures/lint-corpus/ok-base');
const fixtureDir = path.join(
  PROJECT_ROOT,
  chart === vineyard ? 'chart-src/vineyard/ci' : 'test/fixtures/lint-corpus/ok-ci-fixture/ci',
);
const fixtures = existsSync(fixtureDir)
  ? readdirSync(fixtureDir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => path.join(fixtureDir, f))
  : [];
const hasTime = existsSync('/usr/bin/time');

interface Sample {
  seconds: number;
  maxRssMb?: number;
  code: number;
}

function measure(cmd: string, args: string[]): Sample {
  const wrapped = hasTime ? ['/usr/bin/time', ['-f', '%M', cmd, ...args]] : [cmd, args];
  const start = process.hrtime.bigint();
  const res = spawnSync(wrapped[0] as string, wrapped[1] as string[], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rss = hasTime ? Number(res.stderr.trim().split('\n').pop()) / 1024 : undefined;
  return { seconds, maxRssMb: rss, code: res.status ?? 1 };
}

const helm = await ensureTool('v4');
const namespace = ['--namespace', 'default'];

const ours = measure(process.execPath, [CLI, 'lint', '--strict', chart]);
const t0 = process.hrtime.bigint();
const inProcess = await lintCharts([chart], { strict: true });
const inProcessSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
const t1 = process.hrtime.bigint();
await lintCharts([chart], { strict: true });
const warmSeconds = Number(process.hrtime.bigint() - t1) / 1e9;

const helmLint = measure(helm, ['lint', '--strict', chart]);
const templates = [
  measure(helm, ['template', 'bench', chart, ...namespace]),
  ...fixtures.map((f) => measure(helm, ['template', 'bench', chart, ...namespace, '-f', f])),
];
const helmSeconds = helmLint.seconds + templates.reduce((s, t) => s + t.seconds, 0);
const helmRss = Math.max(helmLint.maxRssMb ?? 0, ...templates.map((t) => t.maxRssMb ?? 0));

const mb = (v?: number) => (v === undefined ? 'n/a' : `${v.toFixed(0)} MB`);
console.log(
  `chart: ${path.relative(PROJECT_ROOT, chart)}, ${fixtures.length} fixture(s) + defaults; one run each`,
);
console.log(
  `  vineyard-charts lint --strict (CLI, incl. startup) ${ours.seconds.toFixed(2)} s, peak RSS ${mb(ours.maxRssMb)}, exit ${ours.code}`,
);
console.log(
  `  lintCharts in-process, first call / second call     ${inProcessSeconds.toFixed(2)} s / ${warmSeconds.toFixed(2)} s, ${inProcess.findings.length} finding(s)`,
);
console.log(
  `  helm v4 lint --strict                              ${helmLint.seconds.toFixed(2)} s, peak RSS ${mb(helmLint.maxRssMb)}, exit ${helmLint.code}`,
);
console.log(
  `  helm v4 template x ${templates.length}                             ${(helmSeconds - helmLint.seconds).toFixed(2)} s, peak RSS ${mb(Math.max(...templates.map((t) => t.maxRssMb ?? 0)))}`,
);
console.log(
  `  helm v4 total (lint + templates)                   ${helmSeconds.toFixed(2)} s, peak RSS ${mb(helmRss)}`,
);
console.log(
  `  ratio ours/helm: ${(ours.seconds / helmSeconds).toFixed(2)}x wall time (helm does no schema, practice or values-doc checks)`,
);
if (templates.some((t) => t.code !== 0)) {
  console.error('helm template failed on a fixture');
  process.exitCode = 1;
}
