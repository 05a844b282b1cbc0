/**
 * Merging one new chart into a large existing index: `vineyard-charts index --merge` against
 * `helm repo index --merge` (helm v3 and v4): wall time, user+sys CPU time and peak RSS, all measured
 * in this run with the tools' runs interleaved, and every output checked by js-yaml to hold all entries.
 *
 * Targets (issue 5): at 20,000 entries our wall time <= 1/10 of helm v4's and peak RSS <= 1/4 of it;
 * at 100,000 entries under 2 s wall. The indexes are generated here; a miss makes the benchmark exit 1.
 * The judgement uses wall time, as the issue states it; on a busy machine wall times swell with the
 * load (printed with the results), which is why the CPU times are shown alongside.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import { entryFor, type IndexEntry, newIndex, serializeIndex } from '../src/helm/repo/index-file.ts';
import { packageChart } from '../src/stages/package/package.ts';
import { ensureTool, PROJECT_ROOT } from '../src/tools/helm.ts';

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
  /** user + system CPU seconds: far less sensitive than wall time to other processes on the machine. */
  cpuSeconds: number;
  maxRssMb: number;
}

/** One run under /usr/bin/time: wall clock, user+sys CPU and peak resident set of the process. */
function measure(cmd: string, args: string[], cwd: string): Sample {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const lines = res.stderr.trim().split('\n');
  const [wall, user, sys, rssKb] = (lines.at(-1) ?? '').split(' ').map(Number);
  if (res.status !== 0 || !Number.isFinite(wall) || !Number.isFinite(rssKb)) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}):\n${res.stderr.slice(-2000)}`);
  }
  return { seconds: wall, cpuSeconds: user + sys, maxRssMb: rssKb / 1024 };
}

function median(samples: Sample[]): Sample {
  const by = (k: keyof Sample) => [...samples].sort((a, b) => a[k] - b[k])[Math.floor(samples.length / 2)][k];
  return { seconds: by('seconds'), cpuSeconds: by('cpuSeconds'), maxRssMb: by('maxRssMb') };
}

interface Tool {
  label: string;
  argsFor: (dir: string) => [string, string[]];
  runs: number;
  samples: Sample[];
}

/** One merge in a fresh directory, then an independent check that it wrote every old entry plus ours. */
async function runOnce(tool: Tool, work: string, oldIndex: string, archive: string, total: number) {
  const dir = path.join(work, `${tool.label}-${tool.samples.length}`);
  await mkdir(dir, { recursive: true });
  await copyFile(archive, path.join(dir, path.basename(archive)));
  const [cmd, args] = tool.argsFor(dir);
  tool.samples.push(measure(cmd, [...args, '--merge', oldIndex], dir));
  const text = await readFile(path.join(dir, 'index.yaml'), 'utf8');
  const merged = load(text, { schema: CORE_SCHEMA }) as { entries: Record<string, unknown[]> };
  const count = Object.values(merged.entries).reduce((n, l) => n + l.length, 0);
  if (count !== total + 1) throw new Error(`${tool.label} wrote ${count} entries, expected ${total + 1}`);
  await rm(dir, { recursive: true, force: true });
}

function row(label: string, s: Sample): string {
  return `| ${label.padEnd(26)} | ${s.seconds.toFixed(2).padStart(7)} s | ${s.cpuSeconds.toFixed(2).padStart(7)} s | ${s.maxRssMb.toFixed(0).padStart(6)} MB |`;
}

function load1(): string {
  return `load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs`;
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
      const small = total === 20_000;
      const tools: Tool[] = [
        { label: 'vineyard-charts index', argsFor: ours, runs: RUNS, samples: [] },
        { label: 'helm v4.1.4 repo index', argsFor: helm(helm4), runs: small ? RUNS : 1, samples: [] },
        ...(small
          ? [{ label: 'helm v3.17.3 repo index', argsFor: helm(helm3), runs: RUNS, samples: [] }]
          : []),
      ];
      console.log(`\nMerging 1 chart into an index of ${total} entries (${size.toFixed(1)} MB), ${load1()}:`);
      // Runs are interleaved so that a change in machine load hits every tool alike.
      for (let i = 0; i < RUNS; i++) {
        for (const tool of tools) if (i < tool.runs) await runOnce(tool, work, oldIndex, pkg.file, total);
      }
      const [us, h4, h3] = tools.map((t) => median(t.samples));
      console.log(`median of ${RUNS} runs (helm v4 at 100,000: 1 run); afterwards ${load1()}`);
      console.log('| tool                       |  wall time |   CPU time |   peak RSS |');
      console.log('|----------------------------|------------|------------|------------|');
      for (const t of tools) console.log(row(t.label, median(t.samples)));
      if (small) {
        // The targets are wall time and peak RSS; CPU ratios are printed to read them on a busy machine.
        const timeOk = us.seconds <= h4.seconds / 10;
        const memOk = us.maxRssMb <= h4.maxRssMb / 4;
        console.log(
          `time: ${(h4.seconds / us.seconds).toFixed(1)}x faster than helm v4 in wall time (target >= 10x) ${timeOk ? 'OK' : 'MISSED'}; ` +
            `${(h4.cpuSeconds / us.cpuSeconds).toFixed(1)}x in CPU time; vs helm v3: ${(h3.seconds / us.seconds).toFixed(1)}x wall, ${(h3.cpuSeconds / us.cpuSeconds).toFixed(1)}x CPU`,
        );
        console.log(
          `memory: ${(h4.maxRssMb / us.maxRssMb).toFixed(1)}x less than helm v4 (target >= 4x) ${memOk ? 'OK' : 'MISSED'}`,
        );
        ok &&= timeOk && memOk;
      } else {
        const fast = us.seconds < 2;
        console.log(
          `100,000 entries in ${us.seconds.toFixed(2)} s wall, ${us.cpuSeconds.toFixed(2)} s CPU (target < 2 s wall) ${fast ? 'OK' : 'MISSED'}`,
        );
        ok &&= fast;
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  process.exitCode = ok ? 0 : 1;
}

await main();
