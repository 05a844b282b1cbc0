/** The I/O half of `index`: find archives, read them safely, merge, write index.yaml atomically. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readChartArchive } from '../chart/archive.ts';
import { writeFileAtomic } from '../chart/atomic-write.ts';
import { InputError, UsageError } from '../errors.ts';
import {
  chartUrl,
  entryFor,
  type IndexEntry,
  type IndexFile,
  mergeEntries,
  newIndex,
  parseIndex,
  serializeIndex,
} from './index-file.ts';

export interface BuildIndexOptions {
  url?: string;
  merge?: string;
  format: 'yaml' | 'json';
  env?: NodeJS.ProcessEnv;
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

async function readBase(mergeFile: string | undefined, now: Date): Promise<IndexFile> {
  if (!mergeFile) return newIndex(now);
  let text: string;
  try {
    text = await readFile(mergeFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return newIndex(now);
    throw new InputError(mergeFile, '', `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseIndex(text, mergeFile);
}

export async function buildIndex(
  dir: string,
  opts: BuildIndexOptions,
): Promise<{ file: string; added: number; unchanged: number; total: number; index: IndexFile }> {
  const now = nowFrom(opts.env ?? process.env);
  const base = await readBase(opts.merge, now);
  const entries: IndexEntry[] = [];
  const seen = new Map<string, string>();
  for (const rel of await findArchives(dir)) {
    const file = path.join(dir, rel);
    const archive = await readChartArchive(await readFile(file), file);
    const key = `${archive.metadata.name}@${archive.metadata.version}`;
    const other = seen.get(key);
    if (other)
      throw new InputError(file, '', `${key} is also packaged as ${other}; keep one archive per version`);
    seen.set(key, file);
    entries.push(entryFor(archive, chartUrl(opts.url, rel), now));
  }
  const merged = mergeEntries(base, entries, { file: opts.merge, generated: now });
  const out = path.join(dir, 'index.yaml');
  await writeFileAtomic(out, serializeIndex(merged.index, opts.format));
  const total = Object.values(merged.index.entries).reduce((n, list) => n + list.length, 0);
  return {
    file: out,
    added: merged.added.length,
    unchanged: merged.unchanged.length,
    total,
    index: merged.index,
  };
}
