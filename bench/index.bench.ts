/**
 * Merging one new chart into a large existing index **written by helm itself**: `vineyard-charts index
 * --merge` against `helm repo index --merge` (helm v3 and v4): wall time, user+sys CPU time and peak RSS
 * (/usr/bin/time), all measured in this run with the tools' runs interleaved.
 *
 * The old index: helm v4 writes an index over ~400 generated tarballs with awkward metadata
 * (test/support/helm-corpus.ts: `helm repo index`, then `--merge`), and that index is grown to 20,000,
 * 100,000 and 1,000,000 entries by repeating its chart blocks under new names, so every line keeps the
 * exact shape helm's serializer wrote (generating 1,000,000 entries with helm itself would take hours).
 * Every output of ours is checked against the slow path (parseIndex + mergeEntries + serializeIndex);
 * at 1,000,000 entries, where no single string holds the file, byte for byte: the output is the input
 * with the new chart's block and `generated` changed, the new block equal to the slow path's.
 *
 * Targets (issue 13): at 20,000 entries our wall time <= 0.05x helm v4's and peak RSS <= 0.2x; 100,000
 * under 1 s; 1,000,000 under 10 s and 1 GB. helm at 1,000,000 runs under a 6 GB address-space cap
 * (`ulimit -v`) and a time limit, and what it does is reported. A miss makes the benchmark exit 1.
 *
 * Sizes: INDEX_BENCH_SIZES (default 20000,100000). The 1,000,000-entry case writes a ~950 MB index and
 * lets helm run out of memory, so it is asked for: INDEX_BENCH_SIZES=20000,100000,1000000.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { entryFor, type IndexFile, mergeEntries, parseIndex } from '../src/helm/repo/index-file.ts';
import { packageChart } from '../src/stages/package/package.ts';
import { ensureTool, PROJECT_ROOT } from '../src/tools/helm.ts';
import { writeChartDir } from '../test/publish/charts.ts';
import { helmWrittenIndex, replicate } from '../test/support/helm-corpus.ts';

// What the bin runs for `index` (the loader of its one-file build; `npm run bench` builds it first),
// called directly: others editing src/ meanwhile would otherwise send the bin to the sources through
// tsx in the middle of the measurements. The bin's own check for that adds ~2 ms.
const CLI = process.env.VINEYARD_CHARTS_CLI ?? path.join(PROJECT_ROOT, 'dist', 'bundles', 'index.cjs');
const RUNS = 3;
const SIZES = (process.env.INDEX_BENCH_SIZES ?? '20000,100000').split(',').map(Number);
const URL = 'https://charts.example.com/stable';

const EPOCH = 1_750_000_000;

interface Sample {
  seconds: number;
  /** user + system CPU seconds: far less sensitive than wall time to other processes on the machine. */
  cpuSeconds: number;
  maxRssMb: number;
}

/** One run under /usr/bin/time: wall clock, user+sys CPU and peak resident set of the process. */
function measure(
  cmd: string,
  args: string[],
  cwd: string,
  opts: { mayFail?: boolean; env?: NodeJS.ProcessEnv } = {},
) {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, ...opts.env },
  });
  const lines = res.stderr.trim().split('\n');
  const [wall, user, sys, rssKb] = (lines.at(-1) ?? '').split(' ').map(Number);
  const failed = res.status !== 0 || !Number.isFinite(wall) || !Number.isFinite(rssKb);
  if (failed && !opts.mayFail) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}):\n${res.stderr.slice(-2000)}`);
  }
  const sample: Sample = { seconds: wall, cpuSeconds: user + sys, maxRssMb: rssKb / 1024 };
  return { sample, failed, stderr: res.stderr };
}

function median(samples: Sample[]): Sample {
  const by = (k: keyof Sample) => [...samples].sort((a, b) => a[k] - b[k])[Math.floor(samples.length / 2)][k];
  return { seconds: by('seconds'), cpuSeconds: by('cpuSeconds'), maxRssMb: by('maxRssMb') };
}

interface Tool {
  label: string;
  ours: boolean;
  argsFor: (dir: string) => [string, string[]];
  runs: number;
  samples: Sample[];
}

interface Archive {
  file: string;
  digest: string;
  metadata: Parameters<typeof entryFor>[0]['metadata'];
}

/** What the slow path writes for this merge. */
function slowPath(old: string, archive: Archive): IndexFile {
  const entry = entryFor(archive, `${URL}/${path.basename(archive.file)}`, new Date(EPOCH * 1000));
  return mergeEntries(parseIndex(old, 'old.yaml'), [entry], { generated: new Date(EPOCH * 1000) }).index;
}

/**
 * Our output against the slow path's. Up to 100,000 entries: both read strictly, deep-equal. Beyond
 * (no string holds the file): byte for byte, the output is the input with `generated` and the new
 * chart's block changed, and that block reads as the slow path's entry.
 */
function checkOurs(oldFile: string, outFile: string, archive: Archive, total: number): void {
  if (total <= 100_000) {
    const old = readFileSync(oldFile, 'utf8');
    const expected = slowPath(old, archive);
    const got = parseIndex(readFileSync(outFile, 'utf8'), 'out.yaml');
    if (!isDeepStrictEqual(got, expected)) throw new Error(`${outFile}: differs from the slow path's merge`);
    return;
  }
  const input = readFileSync(oldFile);
  const output = readFileSync(outFile);
  const name = archive.metadata.name;
  const at = output.indexOf(`\n  ${name}:\n`) + 1;
  const end = output.indexOf('\ngenerated: ', at) + 1;
  if (at <= 0 || end <= 0 || input.indexOf(`\n  ${name}:\n`) >= 0) throw new Error('new block not found');
  const inGen = input.indexOf('\ngenerated: ') + 1;
  const same =
    output.subarray(0, at).equals(input.subarray(0, at)) &&
    at === inGen &&
    output.subarray(output.indexOf(10, end) + 1).equals(input.subarray(input.indexOf(10, inGen) + 1));
  if (!same) throw new Error(`${outFile}: untouched bytes differ from the input`);
  const header = input.subarray(0, input.indexOf('\nentries:\n') + 1).toString('utf8');
  const block = output.subarray(at, end).toString('utf8');
  const small = `${header}entries:\n${block}${output.subarray(end).toString('utf8')}`;
  const expected = slowPath(`${header}entries: {}\ngenerated: "2024-01-01T00:00:00Z"\n`, archive);
  if (!isDeepStrictEqual(parseIndex(small, 'out.yaml'), expected))
    throw new Error(`${outFile}: the new block differs from the slow path's`);
}

/** One merge in a fresh directory, then the output checked (ours: against the slow path). */
async function runOnce(tool: Tool, work: string, oldIndex: string, archive: Archive, total: number) {
  const dir = path.join(work, `${tool.label.replace(/\W+/g, '-')}-${tool.samples.length}`);
  await mkdir(dir, { recursive: true });
  await copyFile(archive.file, path.join(dir, path.basename(archive.file)));
  const [cmd, args] = tool.argsFor(dir);
  const { sample } = measure(cmd, [...args, '--merge', oldIndex], dir, {
    env: { SOURCE_DATE_EPOCH: String(EPOCH) },
  });
  tool.samples.push(sample);
  const out = path.join(dir, 'index.yaml');
  if (tool.ours) checkOurs(oldIndex, out, archive, total);
  else if (total <= 20_000) {
    const got = parseIndex(await readFile(out, 'utf8'), 'helm.yaml');
    const count = Object.values(got.entries).reduce((n, l) => n + l.length, 0);
    if (count !== total + 1) throw new Error(`${tool.label} wrote ${count} entries, expected ${total + 1}`);
  }
  await rm(dir, { recursive: true, force: true });
}

function row(label: string, s: Sample): string {
  return `| ${label.padEnd(26)} | ${s.seconds.toFixed(2).padStart(7)} s | ${s.cpuSeconds.toFixed(2).padStart(7)} s | ${s.maxRssMb.toFixed(0).padStart(6)} MB |`;
}

function load1(): string {
  return `load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs`;
}

/** Which path our merge takes on this index (VINEYARD_CHARTS_DEBUG=index), as one line. */
function pathLine(work: string, oldIndex: string, archive: Archive): string {
  const dir = path.join(work, 'path-probe');
  spawnSync('mkdir', ['-p', dir]);
  writeFileSync(path.join(dir, path.basename(archive.file)), readFileSync(archive.file));
  const res = spawnSync(process.execPath, [CLI, 'index', dir, '--url', URL, '--merge', oldIndex], {
    encoding: 'utf8',
    env: { ...process.env, VINEYARD_CHARTS_DEBUG: 'index' },
  });
  spawnSync('rm', ['-rf', dir]);
  return res.stderr.trim();
}

/** The physical floor: read the old index, hash the new tarball, write the index, with plain fs. */
function floor(oldIndex: string, archive: Archive, work: string): number {
  const t0 = performance.now();
  const bytes = readFileSync(oldIndex);
  createHash('sha256').update(readFileSync(archive.file)).digest('hex');
  writeFileSync(path.join(work, 'floor.yaml'), bytes);
  const ms = performance.now() - t0;
  spawnSync('rm', ['-f', path.join(work, 'floor.yaml')]);
  return ms / 1000;
}

async function main(): Promise<void> {
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is needed (apt-get install time)');
  const helm3 = await ensureTool('v3');
  const helm4 = await ensureTool('v4');
  const work = await mkdtemp(path.join(tmpdir(), 'vineyard-index-bench-'));
  let ok = true;
  try {
    const t0 = performance.now();
    const base = await helmWrittenIndex('v4', path.join(work, 'corpus'), {
      charts: 40,
      versions: 10,
      digestPrefixes: ['0b', '1e'],
    });
    console.log(
      `helm v4 wrote the base index (400 entries, ${(base.length / 1e3).toFixed(0)} kB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    // A new chart whose name sorts after every other, so its block lands just before `generated:`.
    const pkg = (await packageChart(await writeChartDir(work, 'zzz-new', '1.0.0'), {
      outDir: path.join(work, 'pkg'),
      sourceDateEpoch: 1_700_000_000,
    })) as Archive;
    const ours = (dir: string): [string, string[]] => [process.execPath, [CLI, 'index', dir, '--url', URL]];
    const helm =
      (bin: string) =>
      (dir: string): [string, string[]] => [bin, ['repo', 'index', dir, '--url', URL]];

    for (const target of SIZES) {
      const oldIndex = path.join(work, `index-${target}.yaml`);
      const total = await replicate(base, target, oldIndex);
      const size = (await stat(oldIndex)).size / 1e6;
      const small = target <= 20_000;
      const huge = target >= 1_000_000;
      console.log(
        `\nMerging 1 chart into a helm-written index of ${total} entries (${size.toFixed(1)} MB), ${load1()}:`,
      );
      console.log(`  ${pathLine(work, oldIndex, pkg)}`);
      const tools: Tool[] = [
        { label: 'vineyard-charts index', ours: true, argsFor: ours, runs: huge ? 1 : RUNS, samples: [] },
        ...(huge
          ? []
          : [
              {
                label: 'helm v4.1.4 repo index',
                ours: false,
                argsFor: helm(helm4),
                runs: small ? RUNS : 1,
                samples: [],
              },
            ]),
        ...(small
          ? [{ label: 'helm v3.17.3 repo index', ours: false, argsFor: helm(helm3), runs: RUNS, samples: [] }]
          : []),
      ];
      // Runs are interleaved so that a change in machine load hits every tool alike.
      for (let i = 0; i < RUNS; i++) {
        for (const tool of tools) if (i < tool.runs) await runOnce(tool, work, oldIndex, pkg, total);
      }
      const [us, h4, h3] = tools.map((t) => median(t.samples));
      console.log(
        `median of ${RUNS} runs (helm at 100,000 and ours at 1,000,000: 1 run); afterwards ${load1()}`,
      );
      console.log('| tool                       |  wall time |   CPU time |   peak RSS |');
      console.log('|----------------------------|------------|------------|------------|');
      for (const t of tools) console.log(row(t.label, median(t.samples)));
      if (huge) {
        // helm holds the whole index as Go objects: capped, so that it cannot take the machine down.
        const dir = path.join(work, 'helm-huge');
        await mkdir(dir, { recursive: true });
        await copyFile(pkg.file, path.join(dir, path.basename(pkg.file)));
        const script = `ulimit -v ${6 * 1024 * 1024}; exec timeout 300 "$@"`;
        const r = measure(
          'bash',
          ['-c', script, 'helm', helm4, 'repo', 'index', dir, '--url', URL, '--merge', oldIndex],
          dir,
          {
            mayFail: true,
          },
        );
        const why = r.failed
          ? /out of memory|cannot allocate/i.test(r.stderr)
            ? 'ran out of memory under the 6 GB cap'
            : /Command exited with non-zero status 124/.test(r.stderr)
              ? 'did not finish within 300 s'
              : `failed: ${r.stderr.split('\n').find((l) => l.trim()) ?? ''}`
          : 'finished';
        console.log(row('helm v4.1.4 (6 GB cap)', r.sample), `<- helm ${why}`);
        await rm(dir, { recursive: true, force: true });
      }
      const fl = floor(oldIndex, pkg, work);
      console.log(
        `physical floor (read the index, sha256 the tarball, write the index; plain fs): ${fl.toFixed(2)} s`,
      );
      if (small) {
        const timeOk = us.seconds <= h4.seconds * 0.05;
        const memOk = us.maxRssMb <= h4.maxRssMb * 0.2;
        console.log(
          `time: x${(us.seconds / h4.seconds).toFixed(3)} of helm v4's wall time (target <= x0.05) ${timeOk ? 'OK' : 'MISSED'}; ` +
            `x${(us.cpuSeconds / h4.cpuSeconds).toFixed(3)} of its CPU time; vs helm v3: x${(us.seconds / h3.seconds).toFixed(3)} wall`,
        );
        console.log(
          `memory: x${(us.maxRssMb / h4.maxRssMb).toFixed(3)} of helm v4's peak RSS (target <= x0.2) ${memOk ? 'OK' : 'MISSED'}`,
        );
        ok &&= timeOk && memOk;
      } else {
        const limit = huge ? 10 : 1;
        const fast = us.seconds < limit && (!huge || us.maxRssMb < 1024);
        console.log(
          `${total} entries in ${us.seconds.toFixed(2)} s wall, ${us.cpuSeconds.toFixed(2)} s CPU, ${us.maxRssMb.toFixed(0)} MB ` +
            `(target < ${limit} s${huge ? ' and 1 GB' : ''}) ${fast ? 'OK' : 'MISSED'}`,
        );
        ok &&= fast;
      }
      await rm(oldIndex, { force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  process.exitCode = ok ? 0 : 1;
}

await main();
