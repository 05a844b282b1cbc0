/**
 * Reads a lint target — a chart directory or a packaged CHART.tgz — into one in-memory shape, so every
 * rule family works on files and never on the filesystem.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UsageError } from '../../errors.ts';
import { readChartArchive } from '../../helm/chart/archive.ts';
import { IgnoreRules } from '../../helm/chart/helmignore.ts';

export interface LoadedChart {
  /** Prefix for finding file names: the directory, or `<file.tgz>:<chart name>` for archives. */
  root: string;
  /** Chart-root-relative path (`templates/x.yaml`) to content. */
  files: Map<string, Buffer>;
  /** Set when the archive reader refused the package; lint reports it as a Chart.yaml finding. */
  loadError?: string;
}

async function walk(dir: string, rel: string, ignore: IgnoreRules | undefined, out: Map<string, Buffer>) {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    const abs = path.join(dir, entry.name);
    const isDir = entry.isDirectory();
    if (ignore?.ignores(relPath, isDir)) continue;
    if (isDir) await walk(abs, relPath, ignore, out);
    else if (entry.isFile()) out.set(relPath, await readFile(abs));
  }
}

export async function loadChartDir(dir: string, display = dir): Promise<LoadedChart> {
  const ignoreFile = path.join(dir, '.helmignore');
  const ignore = existsSync(ignoreFile)
    ? IgnoreRules.parse(await readFile(ignoreFile, 'utf8'), ignoreFile)
    : undefined;
  const files = new Map<string, Buffer>();
  await walk(dir, '', ignore, files);
  return { root: display.replace(/\/+$/, ''), files };
}

export async function loadChartArchive(file: string): Promise<LoadedChart> {
  const bytes = await readFile(file);
  try {
    const archive = await readChartArchive(bytes, file);
    return { root: `${file}:${archive.metadata.name}`, files: archive.files };
  } catch (err) {
    if (err instanceof InputError) return { root: file, files: new Map(), loadError: err.message };
    throw err;
  }
}

/** A directory is a chart when it has a Chart.yaml; `charts-out/repo` and friends are skipped. */
export async function defaultTargets(chartsOut: string): Promise<string[]> {
  if (!existsSync(chartsOut)) return [];
  const entries = await readdir(chartsOut, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && existsSync(path.join(chartsOut, e.name, 'Chart.yaml')))
    .map((e) => path.join(chartsOut, e.name))
    .sort();
}

export async function loadTarget(target: string): Promise<LoadedChart> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(target);
  } catch {
    throw new UsageError(`${target}: no such chart directory or archive`);
  }
  if (info.isDirectory()) return loadChartDir(target);
  if (/\.tgz$|\.tar\.gz$/.test(target)) return loadChartArchive(target);
  throw new UsageError(`${target}: expected a chart directory or a .tgz chart archive`);
}

export function fileText(chart: LoadedChart, rel: string): string | undefined {
  const buf = chart.files.get(rel);
  return buf === undefined ? undefined : buf.toString('utf8').replace(/^\uFEFF/, '');
}
