/**
 * `package`: a chart directory -> `<name>-<version>.tgz`, byte-for-byte reproducible.
 *
 * helm stamps real mtimes (v3: now, v4: file mtimes) and a gzip header that vary per run or checkout; we
 * fix every varying field so the digest in index.yaml only changes when the chart's content does.
 */
import { execFile } from 'node:child_process';
import { lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { constants, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { InputError, UsageError } from '../../errors.ts';
import { MAX_CHART_SIZE, MAX_FILE_SIZE, sha256Hex } from '../../helm/chart/archive.ts';
import { type ChartMetadata, parseChartYaml } from '../../helm/chart/chartfile.ts';
import { IgnoreRules } from '../../helm/chart/helmignore.ts';
import { writeFileAtomic } from '../../util/atomic-write.ts';

export { type SignOptions, signArchive } from '../../helm/provenance.ts';

/** Used when neither SOURCE_DATE_EPOCH nor git history is available: 2000-01-01T00:00:00Z. */
export const FALLBACK_EPOCH = 946_684_800;

export interface ChartFile {
  /** Relative to the chart root, `/`-separated. */
  rel: string;
  data: Buffer;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Reads every file helm would package, in our canonical order: Chart.yaml first, then byte order. */
export async function collectChartFiles(chartDir: string): Promise<ChartFile[]> {
  const ignorePath = path.join(chartDir, '.helmignore');
  let ignoreText = '';
  try {
    ignoreText = await readFile(ignorePath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const rules = IgnoreRules.parse(ignoreText, ignorePath);
  const files: ChartFile[] = [];
  let total = 0;
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(path.join(chartDir, rel))).sort(compareBytes);
    for (const name of names) {
      const childRel = rel ? `${rel}/${name}` : name;
      const abs = path.join(chartDir, childRel);
      const st = await lstat(abs);
      if (rules.ignores(childRel, st.isDirectory())) continue;
      if (st.isSymbolicLink()) {
        throw new InputError(
          abs,
          '',
          'symbolic links are not packaged; replace it with the file or list it in .helmignore',
        );
      }
      if (st.isDirectory()) await walk(childRel);
      else if (!st.isFile())
        throw new InputError(abs, '', 'only regular files and directories can be packaged');
      else {
        if (st.size > MAX_FILE_SIZE) {
          throw new InputError(
            abs,
            '',
            `file is ${st.size} bytes, over helm's per-file limit of ${MAX_FILE_SIZE}`,
          );
        }
        total += st.size;
        if (total > MAX_CHART_SIZE)
          throw new InputError(abs, '', `chart exceeds helm's limit of ${MAX_CHART_SIZE} bytes`);
        files.push({ rel: childRel, data: await readFile(abs) });
      }
    }
  };
  await walk('');
  const chartYaml = files.findIndex((f) => f.rel === 'Chart.yaml');
  if (chartYaml < 0)
    throw new InputError(path.join(chartDir, 'Chart.yaml'), '', 'missing (is this a chart directory?)');
  files.unshift(...files.splice(chartYaml, 1));
  return files;
}

/** SOURCE_DATE_EPOCH, else the time of the last commit touching the chart dir, else a fixed date. */
export async function resolveSourceDateEpoch(chartDir: string, env = process.env): Promise<number> {
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
      cwd: chartDir,
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

export async function buildChartArchive(
  chartDir: string,
  opts: { sourceDateEpoch?: number } = {},
): Promise<{ bytes: Buffer; metadata: ChartMetadata }> {
  const files = await collectChartFiles(chartDir);
  const metadata = parseChartYaml(files[0].data.toString('utf8'), path.join(chartDir, 'Chart.yaml'));
  const epoch = opts.sourceDateEpoch ?? (await resolveSourceDateEpoch(chartDir));
  const tarBytes = await tarFiles(metadata.name, files, new Date(epoch * 1000));
  return { bytes: deterministicGzip(tarBytes), metadata };
}

export function archiveFileName(metadata: ChartMetadata): string {
  return `${metadata.name}-${metadata.version}.tgz`;
}

export async function packageChart(
  chartDir: string,
  opts: { outDir: string; sourceDateEpoch?: number },
): Promise<{ file: string; digest: string; metadata: ChartMetadata; bytes: Buffer }> {
  const { bytes, metadata } = await buildChartArchive(chartDir, opts);
  await mkdir(opts.outDir, { recursive: true });
  const file = path.join(opts.outDir, archiveFileName(metadata));
  await writeFileAtomic(file, bytes);
  return { file, digest: sha256Hex(bytes), metadata, bytes };
}
