/** The I/O half of `index`: find archives, read them safely, merge, write index.yaml atomically. */
import { isUtf8 } from 'node:buffer';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UsageError } from '../../errors.ts';
import { readChartArchive } from '../../helm/chart/archive.ts';
import {
  chartUrl,
  entryFor,
  type IndexEntry,
  mergeEntries,
  newIndex,
  parseIndex,
  serializeIndex,
} from '../../helm/repo/index-file.ts';
import { spliceMerge, spliceStats } from '../../helm/repo/index-splice.ts';
import { spliceMergeStream } from '../../helm/repo/index-stream.ts';
import { writeFileAtomic } from '../../util/atomic-write.ts';
import { LIMITS, readRegularFile } from '../../util/bounded-io.ts';

export interface BuildIndexOptions {
  url?: string;
  merge?: string;
  format: 'yaml' | 'json';
  env?: NodeJS.ProcessEnv;
}

export interface BuildIndexResult {
  file: string;
  added: number;
  unchanged: number;
  total: number;
}

/** `*.tgz` in dir and its direct subdirectories (like helm), as `/`-separated relative paths. */
export async function findArchives(dir: string): Promise<string[]> {
  let top: import('node:fs').Dirent[];
  try {
    top = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new InputError(
      dir,
      '',
      `cannot read directory: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  const found: string[] = [];
  for (const d of top) {
    if (d.isFile() && d.name.endsWith('.tgz')) found.push(d.name);
    else if (d.isDirectory()) {
      for (const sub of await readdir(path.join(dir, d.name), { withFileTypes: true })) {
        if (sub.isFile() && sub.name.endsWith('.tgz')) found.push(`${d.name}/${sub.name}`);
      }
    }
  }
  return found.sort();
}

function nowFrom(env: NodeJS.ProcessEnv): Date {
  const sde = env.SOURCE_DATE_EPOCH;
  if (sde === undefined || sde === '') return new Date();
  if (!/^\d+$/.test(sde))
    throw new UsageError(`SOURCE_DATE_EPOCH must be a non-negative integer, got ${JSON.stringify(sde)}`);
  return new Date(Number(sde) * 1000);
}

/** The bytes of the index to merge into; undefined when there is none yet. */
async function readBaseBytes(mergeFile: string): Promise<Buffer | undefined> {
  if (!existsSync(mergeFile)) return undefined;
  const bytes = await readRegularFile(mergeFile, LIMITS.indexFile, 'index to merge');
  // Decoding would silently turn bad bytes into U+FFFD; helm refuses such a file, and so do we.
  if (!isUtf8(bytes)) {
    let line = 1;
    for (let start = 0; start < bytes.length; line++) {
      const nl = bytes.indexOf(10, start);
      const end = nl < 0 ? bytes.length : nl;
      if (!isUtf8(bytes.subarray(start, end))) break;
      start = end + 1;
    }
    throw new InputError(mergeFile, `line ${line}`, 'expected UTF-8 text, found an invalid byte sequence');
  }
  return bytes;
}

/** One index entry per archive found in dir; two archives of the same name and version are an error. */
async function readEntries(dir: string, url: string | undefined, now: Date): Promise<IndexEntry[]> {
  const entries: IndexEntry[] = [];
  const seen = new Map<string, string>();
  for (const rel of await findArchives(dir)) {
    const file = path.join(dir, rel);
    const archive = await readChartArchive(
      await readRegularFile(file, LIMITS.chartArchive, 'chart archive'),
      file,
    );
    const key = `${archive.metadata.name}@${archive.metadata.version}`;
    const other = seen.get(key);
    if (other)
      throw new InputError(file, '', `${key} is also packaged as ${other}; keep one archive per version`);
    seen.set(key, file);
    entries.push(entryFor(archive, chartUrl(url, rel), now));
  }
  return entries;
}

/**
 * VINEYARD_CHARTS_DEBUG=index (a comma-separated list): one stderr line saying which path the merge
 * took, `index: fast path (...)` or `index: slow path: <reason>`, so a run shows it (and tests hold
 * helm-written indexes to the fast path).
 */
function debugIndex(env: NodeJS.ProcessEnv, streamDeclined?: string): void {
  if (!(env.VINEYARD_CHARTS_DEBUG ?? '').split(',').includes('index')) return;
  const s = spliceStats;
  const how = s.streamed
    ? ', streamed'
    : streamDeclined
      ? `, in memory (not streamed: ${streamDeclined})`
      : '';
  process.stderr.write(
    s.path === 'fast'
      ? `index: fast path${how} (${s.copiedBlocks} charts copied${s.helperBlocks ? `, ${s.helperBlocks} of them checked by the helper thread` : ''}, ${s.reparsedBlocks} re-parsed of which ` +
          `${s.jsYamlBlocks} by js-yaml, ${s.wholeEntries} entries matched whole, ${s.decodedFields} fields decoded of which ${s.jsYamlFields} by js-yaml)\n`
      : `index: slow path: ${s.reason}\n`,
  );
}

/**
 * The index to merge into, streamed (index-stream.ts): never read whole. The entries are read first;
 * if that fails, a problem with the index is still reported first, as when it was read first.
 */
async function streamMerge(dir: string, opts: BuildIndexOptions & { merge: string }, now: Date) {
  let entries: IndexEntry[];
  try {
    entries = await readEntries(dir, opts.url, now);
  } catch (err) {
    await readBaseBytes(opts.merge);
    throw err;
  }
  const out = path.join(dir, 'index.yaml');
  const streamed = await spliceMergeStream(opts.merge, out, entries, now, LIMITS.indexFile);
  if (streamed) debugIndex(opts.env ?? process.env);
  return { entries, out, streamed, declined: spliceStats.reason };
}

export async function buildIndex(dir: string, opts: BuildIndexOptions): Promise<BuildIndexResult> {
  const now = nowFrom(opts.env ?? process.env);
  const merge = opts.merge;
  const stream =
    merge && opts.format === 'yaml' && existsSync(merge)
      ? await streamMerge(dir, { ...opts, merge }, now)
      : undefined;
  if (stream?.streamed) return { file: stream.out, ...stream.streamed };
  const baseBytes = opts.merge ? await readBaseBytes(opts.merge) : undefined;
  const entries = stream?.entries ?? (await readEntries(dir, opts.url, now));
  const out = path.join(dir, 'index.yaml');
  if (opts.merge && baseBytes && opts.format === 'yaml') {
    // Large indexes: copy untouched chart blocks as they are (see index-splice.ts).
    const spliced = spliceMerge(baseBytes, opts.merge, entries, now);
    debugIndex(opts.env ?? process.env, stream?.declined);
    if (spliced) {
      await writeFileAtomic(out, spliced.chunks);
      return { file: out, ...spliced };
    }
  }
  const base = opts.merge && baseBytes ? parseIndex(baseBytes.toString('utf8'), opts.merge) : newIndex(now);
  const merged = mergeEntries(base, entries, { file: opts.merge, generated: now });
  await writeFileAtomic(out, serializeIndex(merged.index, opts.format));
  const total = Object.values(merged.index.entries).reduce((n, list) => n + list.length, 0);
  return { file: out, added: merged.added.length, unchanged: merged.unchanged.length, total };
}
