/**
 * The one chart loader (helm's pkg/chart/loader): a chart directory or a packaged .tgz becomes one
 * in-memory chart, with helm's .helmignore rules, size limits and split of files into Chart.yaml,
 * values, schema, templates and the rest (what templates see as `.Files`). render, manifests, deploy,
 * lint and release all load charts here.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UsageError } from '../../errors.ts';
import { LIMITS, readRegularFile } from '../../util/bounded-io.ts';
import { checkTopDir, readArchiveFiles } from './archive.ts';
import { type ChartMetadata, parseChartYaml } from './chartfile.ts';
import { readChartDir } from './directory.ts';

/** A chart's files before its Chart.yaml is judged (lint judges it leniently, everyone else strictly). */
export interface ChartFiles {
  /** How messages name the chart: its directory, or `<file.tgz>:<top directory>` for an archive. */
  root: string;
  /** Every file after .helmignore, keyed by chart-root-relative `/`-separated path. */
  files: Map<string, Buffer>;
  /** For an archive: the file and its top directory, which must equal the chart name. */
  archive?: { file: string; topDir: string };
}

export interface Chart extends ChartFiles {
  metadata: ChartMetadata;
  /** values.yaml text (undefined when the chart has none). */
  values?: string;
  /** values.schema.json text (undefined when the chart has none). */
  schema?: string;
  /** 'templates/x.yaml' -> text. */
  templates: Map<string, string>;
}

const isArchive = (target: string) => /\.tgz$|\.tar\.gz$/.test(target);

/** Reads a chart directory or archive; InputError for a chart helm would refuse to load. */
export async function readChartFiles(target: string): Promise<ChartFiles> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(target);
  } catch {
    throw new UsageError(`${target}: no such chart directory or archive`);
  }
  if (info.isDirectory()) return { root: target.replace(/\/+$/, ''), files: await readChartDir(target) };
  if (!isArchive(target))
    throw new UsageError(`${target}: expected a chart directory or a .tgz chart archive`);
  const bytes = await readRegularFile(target, LIMITS.chartArchive, 'chart archive');
  const { topDir, files } = await readArchiveFiles(bytes, target);
  return { root: `${target}:${topDir}`, files, archive: { file: target, topDir } };
}

/** The file's text without a byte-order mark, as helm's YAML and JSON readers see it. */
export function fileText(files: Map<string, Buffer>, rel: string): string | undefined {
  const buf = files.get(rel);
  return buf === undefined ? undefined : buf.toString('utf8').replace(/^\uFEFF/, '');
}

/** Everything under templates/, as text: what the engine parses. */
export function templatesOf(files: Map<string, Buffer>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [rel, buf] of files) if (rel.startsWith('templates/')) out.set(rel, buf.toString('utf8'));
  return out;
}

// helm's LoadFiles keeps these out of chart.Files (requirements.* only in apiVersion v2 charts).
const NOT_FILES = new Set(['Chart.yaml', 'Chart.lock', 'values.yaml', 'values.schema.json']);
const V2_NOT_FILES = new Set(['requirements.yaml', 'requirements.lock']);

/** What templates see as `.Files`: every file helm's loader files as "other" (not templates/, charts/). */
export function helmFiles(files: Map<string, Buffer>, apiVersion: unknown): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [rel, buf] of files) {
    if (NOT_FILES.has(rel) || rel.startsWith('templates/')) continue;
    if (apiVersion !== 'v1' && V2_NOT_FILES.has(rel)) continue;
    if (rel.startsWith('charts/') && path.posix.extname(rel) !== '.prov') continue;
    out.set(rel, buf);
  }
  return out;
}

/** Judges Chart.yaml strictly (the one parser) and splits the files the way helm's loader does. */
export function chartFromFiles(loaded: ChartFiles): Chart {
  const file = `${loaded.root}/Chart.yaml`;
  const text = loaded.files.get('Chart.yaml')?.toString('utf8');
  if (text === undefined) throw new InputError(file, '', 'missing (is this a chart directory?)');
  const metadata = parseChartYaml(text, file);
  if (loaded.archive) checkTopDir(metadata, loaded.archive.topDir, loaded.archive.file);
  return {
    ...loaded,
    metadata,
    values: fileText(loaded.files, 'values.yaml'),
    schema: fileText(loaded.files, 'values.schema.json'),
    templates: templatesOf(loaded.files),
  };
}

/** `loadChart(dir | chart.tgz)`: read, then judge Chart.yaml strictly. */
export async function loadChart(target: string): Promise<Chart> {
  return chartFromFiles(await readChartFiles(target));
}
