/**
 * `package`: a chart directory -> `<name>-<version>.tgz`, byte-for-byte reproducible.
 *
 * helm stamps real mtimes (v3: now, v4: file mtimes) and a gzip header that vary per run or checkout; we
 * fix every varying field so the digest in index.yaml only changes when the chart's content does.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { constants, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { UsageError } from '../../errors.ts';
import { sha256Hex } from '../../helm/chart/archive.ts';
import type { ChartMetadata } from '../../helm/chart/chartfile.ts';
import { loadChart } from '../../helm/chart/load.ts';
import { writeFileAtomic } from '../../util/atomic-write.ts';

export { type SignOptions, signArchive } from '../../helm/provenance.ts';

/** Used when neither SOURCE_DATE_EPOCH nor git history is available: 2000-01-01T00:00:00Z. */
export const FALLBACK_EPOCH = 946_684_800;

export interface ChartFile {
  /** Relative to the chart root, `/`-separated. */
  rel: string;
  data: Buffer;
}

/** Our canonical archive order: Chart.yaml first (helm reads it first), then byte order of the paths. */
export function packageOrder(files: Map<string, Buffer>): ChartFile[] {
  const ordered = [...files].map(([rel, data]) => ({ rel, data }));
  const chartYaml = ordered.findIndex((f) => f.rel === 'Chart.yaml');
  ordered.unshift(...ordered.splice(chartYaml, 1));
  return ordered;
}

/**
 * SOURCE_DATE_EPOCH, else the time of the last commit touching `sourceDir`, else a fixed date.
 *
 * `sourceDir` is where the chart's sources live (chart-src/<chart> for a rendered chart), never the
 * directory a build happens to write to: a dry run builds in a scratch directory outside git, and must
 * still produce the bytes the real run publishes.
 */
export async function resolveSourceDateEpoch(sourceDir: string, env = process.env): Promise<number> {
  const fromEnv = env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^\d+$/.test(fromEnv)) {
      throw new UsageError(
        `SOURCE_DATE_EPOCH must be a non-negative integer (seconds), got ${JSON.stringify(fromEnv)}`,
      );
    }
    return Number(fromEnv);
  }
  try {
    const { stdout } = await promisify(execFile)('git', ['log', '-1', '--format=%ct', '--', '.'], {
      cwd: sourceDir,
      timeout: 10_000,
    });
    const t = stdout.trim();
    if (/^\d+$/.test(t)) return Number(t);
  } catch {
    // Not a git checkout, or git missing: the fixed fallback keeps the build reproducible anyway.
  }
  return FALLBACK_EPOCH;
}

async function tarFiles(top: string, files: ChartFile[], mtime: Date): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const f of files) {
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        {
          name: `${top}/${f.rel}`,
          size: f.data.length,
          mode: 0o644,
          mtime,
          uid: 0,
          gid: 0,
          uname: '',
          gname: '',
          type: 'file',
        },
        f.data,
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }
  pack.finalize();
  return done;
}

/** gzip with every header field fixed: mtime 0, no name, OS byte "Unix" whatever platform we run on. */
export function deterministicGzip(data: Buffer): Buffer {
  const out = gzipSync(data, {
    level: 9,
    memLevel: 8,
    windowBits: 15,
    strategy: constants.Z_DEFAULT_STRATEGY,
  });
  out.writeUInt32LE(0, 4);
  out[9] = 3;
  return out;
}

export interface ArchiveTime {
  /** File times in the archive, in seconds; wins over `sourceDir`. */
  sourceDateEpoch?: number;
  /** Whose git history dates the archive (see resolveSourceDateEpoch); default: the chart dir itself. */
  sourceDir?: string;
}

/**
 * The directory whose history dates a chart: for a chart rendered into `<outRoot>/<name>/` from
 * `<srcRoot>/<name>/index.ts`, its sources; for any other chart directory, itself.
 */
export function sourceDirFor(chartDir: string, srcRoot: string, outRoot: string): string {
  const abs = path.resolve(chartDir);
  const name = path.basename(abs);
  const source = path.join(path.resolve(srcRoot), name);
  return path.dirname(abs) === path.resolve(outRoot) && existsSync(path.join(source, 'index.ts'))
    ? source
    : abs;
}

export async function buildChartArchive(
  chartDir: string,
  opts: ArchiveTime = {},
): Promise<{ bytes: Buffer; metadata: ChartMetadata }> {
  // The shared loader: .helmignore, helm's limits, no symlinks, Chart.yaml judged by the one parser.
  const { files, metadata } = await loadChart(chartDir);
  const epoch = opts.sourceDateEpoch ?? (await resolveSourceDateEpoch(opts.sourceDir ?? chartDir));
  const tarBytes = await tarFiles(metadata.name, packageOrder(files), new Date(epoch * 1000));
  return { bytes: deterministicGzip(tarBytes), metadata };
}

export function archiveFileName(metadata: ChartMetadata): string {
  return `${metadata.name}-${metadata.version}.tgz`;
}

export async function packageChart(
  chartDir: string,
  opts: ArchiveTime & { outDir: string },
): Promise<{ file: string; digest: string; metadata: ChartMetadata; bytes: Buffer }> {
  const { bytes, metadata } = await buildChartArchive(chartDir, opts);
  await mkdir(opts.outDir, { recursive: true });
  const file = path.join(opts.outDir, archiveFileName(metadata));
  await writeFileAtomic(file, bytes);
  return { file, digest: sha256Hex(bytes), metadata, bytes };
}
