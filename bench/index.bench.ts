/**
 * Merging one new chart into a large existing index: `vineyard-charts index --merge` against
 * `helm repo index --merge` (helm v3 and v4), wall time and peak RSS, all measured in this run.
 *
 * Targets (issue 5): at 20,000 entries our wall time <= 1/10 of helm v4's and peak RSS <= 1/4 of it;
 * at 100,000 entries under 2 s. The indexes are generated here; a miss makes the benchmark exit 1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  entryFor,
  type IndexEntry,
  newIndex,
  parseIndex,
  serializeIndex,
} from '../scripts/index/index-file.ts';
import { packageChart } from '../scripts/package/package.ts';
import { ensureTool, PROJECT_ROOT } from '../scripts/tools/helm.ts';

const CLI = process.env.VINEYARD_CHARTS_CLI ?? path.join(PROJECT_ROOT, 'bin', 'vineyard-charts.mjs');
const RUNS = 3;
const URL = 'https://charts.example.com/stable';

/** A realistic repository: 100 versions per chart, full metadata (~500 bytes per entry). */
function generateIndex(total: number): string {
  const index = newIndex(new Date('2024-01-01T00:00:00Z'));
  const perChart = 100;
  for (let c = 0; c < total / perChart; c++) {
    const name = `chart-${String(c).padStart(5, '0')}`;
    const list: IndexEntry[] = [];
    for (let v = perChart - 1; v >= 0; v--) {
      const version = `${Math.floor(v / 10)}.${v % 10}.${c % 7}`;
      const metadata = {
        apiVersion: 'v2',
        name,
        version,
        appVersion: `${v}.0`,
        description: `Benchmark chart ${name} for a web application`,
        type: 'application',
        home: `https://example.com/${name}`,
        sources: [`https://github.com/example/${name}`],
        keywords: ['benchmark', 'web', 'database'],
        maintainers: [{ name: 'Bench Maintainer', email: 'bench@example.com' }],
      };
      const digest = (c * 1000 + v).toString(16).padStart(64, 'a');
      list.push(
        entryFor({ metadata, digest }, `${URL}/${name}-${version}.tgz`, new Date(Date.UTC(2023, 0, 1 + v))),
      );
    }
    index.entries[name] = list;
  }
  return serializeIndex(index, 'yaml');
}

interface Sample {
  seconds: number;
  maxRssMb: number;
}

/** One run under /usr/bin/time -v: wall clock and peak resident set of the process tree leader. */
function measure(cmd: string, args: string[], cwd: string): Sample {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const lines = res.stderr.trim().split('\n');
  const [wall, rssKb] = (lines.at(-1) ?? '').split(' ').map(Number);
  if (res.status !== 0 || !Number.isFinite(wall)) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}):\n${res.stderr.slice(-2000)}`);
  }
  return { seconds: wall, maxRssMb: rssKb / 1024 };
}

function median(samples: Sample[]): Sample {
  const by = (k: keyof Sample) => [...samples].sort((a, b) => a[k] - b[k])[Math.floor(samples.length / 2)][k];
  return { seconds: by('seconds'), maxRssMb: by('maxRssMb') };
}

async function runTool(
  label: string,
  work: string,
  oldIndex: string,
  archive: string,
  argsFor: (dir: string) => [string, string[]],
  runs: number,
): Promise<Sample> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = path.join(work, `${label}-${i}`);
    await mkdir(dir, { recursive: true });
    await copyFile(archive, path.join(dir, path.basename(archive)));
    const [cmd, args] = argsFor(dir);
    samples.push(measure(cmd, [...args, '--merge', oldIndex], dir));
    // Independent check that the run did the work: the new index holds every old entry plus ours.
    const merged = parseIndex(await readFile(path.join(dir, 'index.yaml'), 'utf8'), `${label} output`);
    const count = Object.values(merged.entries).reduce((n, l) => n + l.length, 0);
    if (i === 0) console.log(`  ${label.padEnd(24)} wrote ${count} entries`);
    await rm(dir, { recursive: true, force: true });
  }
  return median(samples);
}

function row(label: string, s: Sample): string {
  return `| ${label.padEnd(28)} | ${s.seconds.toFixed(2).padStart(8)} s | ${s.maxRssMb.toFixed(0).padStart(6)} MB |`;
}

async function main(): Promise<void> {
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is needed (apt-get install time)');
  const helm3 = await ensureTool('v3');
  const helm4 = await ensureTool('v4');
  const work = await mkdtemp(path.join(tmpdir(), 'vineyard-index-bench-'));
  let ok = true;
  try {
    const pkg = await packageChart(path.join(PROJECT_ROOT, 'test/fixtures/charts/demo'), {
      outDir: path.join(work, 'pkg'),
      sourceDateEpoch: 1_700_000_000,
    });
    const ours = (dir: string): [string, string[]] => [process.execPath, [CLI, 'index', dir, '--url', URL]];
    const helm =
      (bin: string) =>
      (dir: string): [string, string[]] => [bin, ['repo', 'index', dir, '--url', URL]];

    for (const total of [20_000, 100_000]) {
      const oldIndex = path.join(work, `index-${total}.yaml`);
      await writeFile(oldIndex, generateIndex(total));
      const size = (await stat(oldIndex)).size / 1e6;
      console.log(
        `\nMerging 1 chart into an index of ${total} entries (${size.toFixed(1)} MB), median of ${RUNS} runs:`,
      );
      const us = await runTool(`ours-${total}`, work, oldIndex, pkg.file, ours, RUNS);
      const h4 = await runTool(
        `helm-v4-${total}`,
        work,
        oldIndex,
        pkg.file,
        helm(helm4),
        total > 20_000 ? 1 : RUNS,
      );
      const h3 =
        total === 20_000
          ? await runTool(`helm-v3-${total}`, work, oldIndex, pkg.file, helm(helm3), RUNS)
          : undefined;
      console.log('| tool                         |  wall time |   peak RSS |');
      console.log('|------------------------------|------------|------------|');
      console.log(row('vineyard-charts index', us));
      console.log(row('helm v4.1.4 repo index', h4));
      if (h3) console.log(row('helm v3.17.3 repo index', h3));
      if (total === 20_000) {
        const timeOk = us.seconds <= h4.seconds / 10;
        const memOk = us.maxRssMb <= h4.maxRssMb / 4;
        console.log(
          `time: ${(h4.seconds / us.seconds).toFixed(1)}x faster than helm v4 (target >= 10x) ${timeOk ? 'OK' : 'MISSED'}`,
        );
        console.log(
          `memory: ${(h4.maxRssMb / us.maxRssMb).toFixed(1)}x less than helm v4 (target >= 4x) ${memOk ? 'OK' : 'MISSED'}`,
        );
        ok &&= timeOk && memOk;
      } else {
        const fast = us.seconds < 2;
        console.log(`100,000 entries in ${us.seconds.toFixed(2)} s (target < 2 s) ${fast ? 'OK' : 'MISSED'}`);
        ok &&= fast;
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  process.exitCode = ok ? 0 : 1;
}

await main();
