/**
 * Start-up: what every CI step pays before any work. `vineyard-charts --version` through the bin, as
 * users call it (bin/vineyard-charts.cjs, no npx), against `helm version` (v4 and v3), with Node's own
 * start (`node -e 0`) as the floor beside them; then a command's start-up (`index --help`: commander
 * and the command's module loaded) against `helm repo index --help`. Wall time of each process,
 * median of 21 interleaved runs in this run.
 *
 * Target (issue 13): `--version` <= 2x `helm version` (v4). A miss makes the benchmark exit 1.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { ensureTool, PROJECT_ROOT } from '../src/tools/helm.ts';

const BIN = path.join(PROJECT_ROOT, 'bin', 'vineyard-charts.cjs');
const RUNS = 21;

interface Case {
  label: string;
  cmd: string;
  args: string[];
  ms: number[];
  env?: NodeJS.ProcessEnv;
}

function once(c: Case): void {
  const start = process.hrtime.bigint();
  const res = spawnSync(c.cmd, c.args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: c.env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 0)
    throw new Error(`${c.label} failed (${res.status}): ${res.stderr.toString().slice(-500)}`);
  c.ms.push(ms);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const helm4 = await ensureTool('v4');
const helm3 = await ensureTool('v3');
const node = process.execPath;
const cases: Case[] = [
  { label: 'vineyard-charts --version', cmd: node, args: [BIN, '--version'], ms: [] },
  { label: 'helm v4 version', cmd: helm4, args: ['version'], ms: [] },
  { label: 'helm v3 version', cmd: helm3, args: ['version'], ms: [] },
  { label: 'node -e 0 (the floor)', cmd: node, args: ['-e', '0'], ms: [] },
  { label: 'vineyard-charts index --help', cmd: node, args: [BIN, 'index', '--help'], ms: [] },
  { label: 'helm v4 repo index --help', cmd: helm4, args: ['repo', 'index', '--help'], ms: [] },
];
// Node reads NODE_EXTRA_CA_CERTS (and with it parses its whole root store) at every start, before any
// JavaScript runs: where it is set, Node's floor and ours are shown without it too (helm reads
// certificates only when it opens a TLS connection).
if (process.env.NODE_EXTRA_CA_CERTS) {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  cases.push(
    { label: 'node -e 0, no NODE_EXTRA_CA_CERTS', cmd: node, args: ['-e', '0'], ms: [], env },
    { label: '--version, no NODE_EXTRA_CA_CERTS', cmd: node, args: [BIN, '--version'], ms: [], env },
  );
}
// One warm-up each (page cache), then interleaved runs so that load changes hit every case alike.
for (const c of cases) {
  once(c);
  c.ms.length = 0;
}
for (let i = 0; i < RUNS; i++) for (const c of cases) once(c);

console.log(
  `Start-up, median of ${RUNS} runs, load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs:`,
);
console.log('| command                           |   wall time |');
console.log('|-----------------------------------|-------------|');
for (const c of cases) console.log(`| ${c.label.padEnd(33)} | ${median(c.ms).toFixed(1).padStart(8)} ms |`);
const ratio = median(cases[0].ms) / median(cases[1].ms);
const ok = ratio <= 2;
console.log(
  `--version: x${ratio.toFixed(2)} of helm v4's \`helm version\` (target <= x2) ${ok ? 'OK' : 'MISSED'}`,
);
process.exitCode = ok ? 0 : 1;
