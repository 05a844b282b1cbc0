/**
 * Safe reader for chart archives (.tgz), the only tar reader: index, publish, OCI push, release and the
 * chart loader all read packages through it. It refuses anything helm's loader refuses, plus a few things
 * helm tolerates but a repository should never serve (symlinks, devices, files outside the chart dir).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { InputError } from '../../errors.ts';
import { type ChartMetadata, parseChartYaml } from './chartfile.ts';

/** helm's loader limits (pkg/chart/loader/archive): 100 MiB per chart, 5 MiB per file. */
export const MAX_CHART_SIZE = 100 * 1024 * 1024;
export const MAX_FILE_SIZE = 5 * 1024 * 1024;

/** Archives and chart directories obey the same per-file limit; `where` names the entry or file. */
export function checkFileSize(size: number, file: string, where: string): void {
  if (size > MAX_FILE_SIZE)
    throw new InputError(
      file,
      where,
      `file is ${size} bytes, over helm's per-file limit of ${MAX_FILE_SIZE}`,
    );
}

export function checkChartSize(total: number, file: string, where: string): void {
  if (total > MAX_CHART_SIZE)
    throw new InputError(file, where, `chart exceeds helm's limit of ${MAX_CHART_SIZE} bytes`);
}

export interface ChartArchive {
  metadata: ChartMetadata;
  /** Path relative to the chart root (no leading chart-name directory). */
  files: Map<string, Buffer>;
  /** sha256 hex of the .tgz bytes, as helm puts in index.yaml `digest`. */
  digest: string;
  bytes: Buffer;
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function gunzip(bytes: Buffer, file: string): Buffer {
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new InputError(file, '', 'not a gzip-compressed chart archive (bad magic bytes)');
  }
  try {
    // One byte over the limit is enough to know the archive is too big, without inflating a gzip bomb.
    return gunzipSync(bytes, { maxOutputLength: MAX_CHART_SIZE + 1024 * 1024 });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/maxOutputLength|Cannot create a Buffer/i.test(msg)) {
      throw new InputError(
        file,
        '',
        `decompressed archive exceeds helm's chart size limit of ${MAX_CHART_SIZE} bytes`,
      );
    }
    throw new InputError(file, '', `corrupt gzip data: ${msg}`);
  }
}

interface RawEntry {
  name: string;
  type: string;
  size: number;
  data: Buffer;
}

async function readTarEntries(tarBytes: Buffer, file: string): Promise<RawEntry[]> {
  const extract = tar.extract();
  const entries: RawEntry[] = [];
  const source = Readable.from([tarBytes]);
  source.pipe(extract);
  try {
    for await (const entry of extract) {
      const { name, type, size } = entry.header;
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      entries.push({ name, type: type ?? 'file', size: size ?? 0, data: Buffer.concat(chunks) });
    }
  } catch (err) {
    throw new InputError(file, '', `corrupt tar data: ${err instanceof Error ? err.message : String(err)}`);
  }
  return entries;
}

/**
 * Keys of every pax global header (typeflag 'g'). tar-stream folds them away silently, but GNU tar
 * applies a global `path=` to every member that follows: an archive we judged by its member names
 * would then extract somewhere else entirely. So they are read here, from the raw tar blocks.
 */
function paxGlobalKeys(tarBytes: Buffer): string[] {
  const keys: string[] = [];
  for (let offset = 0; offset + 512 <= tarBytes.length; ) {
    const header = tarBytes.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    // base-256 sizes (high bit set) only occur for members far above helm's limits; the reader refuses those
    if (header[124] & 0x80) break;
    const size = Number.parseInt(
      header.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0',
      8,
    );
    if (!Number.isFinite(size)) break;
    if (header[156] === 0x67 /* 'g' */) {
      const body = tarBytes.subarray(offset + 512, offset + 512 + size).toString('utf8');
      for (const m of body.matchAll(/^\d+ ([^=\n]+)=/gm)) keys.push(m[1]);
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return keys;
}

const GLOBAL_KEYS_THAT_RENAME = new Set(['path', 'linkpath', 'size']);

/** A directory entry's name obeys the same rules as a file's; it may be the top directory itself. */
function checkDirectoryName(name: string, file: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw new InputError(file, name, 'empty directory entry name');
  if (parts.length > 1) return splitEntryName(name, file)[0];
  if (name.startsWith('/') || name.includes('\\') || parts[0] === '..')
    throw new InputError(file, name, 'directory entries must be relative paths inside the chart directory');
  return parts[0];
}

/** Validates one entry name and returns [top directory, path inside the chart]. */
function splitEntryName(name: string, file: string): [string, string] {
  if (name.includes('\\')) throw new InputError(file, name, 'entry names must use / separators');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name))
    throw new InputError(file, name, 'absolute paths are not allowed');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..'))
    throw new InputError(file, name, 'parent-directory references (..) are not allowed');
  if (parts.length < 2) throw new InputError(file, name, 'every file must be inside the chart directory');
  return [parts[0], parts.slice(1).join('/')];
}

/** An archive's files before Chart.yaml is judged: lint reads them leniently, everyone else strictly. */
export interface ArchiveFiles {
  /** The one top-level directory (helm requires it to equal the chart name). */
  topDir: string;
  /** Path relative to the chart root (no leading chart-name directory). */
  files: Map<string, Buffer>;
}

/** The one tar reader: every entry checked against helm's loader rules and size limits. */
export async function readArchiveFiles(bytes: Buffer, file: string): Promise<ArchiveFiles> {
  const tarBytes = gunzip(bytes, file);
  const renaming = paxGlobalKeys(tarBytes).filter((k) => GLOBAL_KEYS_THAT_RENAME.has(k));
  if (renaming.length > 0)
    throw new InputError(
      file,
      '',
      `a pax global header sets ${renaming.join(', ')} for every member; not allowed`,
    );
  const entries = await readTarEntries(tarBytes, file);
  const files = new Map<string, Buffer>();
  let topDir: string | undefined;
  let total = 0;
  for (const entry of entries) {
    if (entry.type === 'pax-header' || entry.type === 'pax-global-header') continue;
    if (entry.type === 'directory') {
      // No content, but its name is checked like any other: `../` or `/etc/` here is as bad as in a file.
      const top = checkDirectoryName(entry.name, file);
      if (topDir !== undefined && top !== topDir)
        throw new InputError(file, entry.name, `all files must be under one chart directory (${topDir}/)`);
      topDir = top;
      continue;
    }
    if (entry.type !== 'file' && entry.type !== 'contiguous-file') {
      throw new InputError(file, entry.name, `only regular files are allowed, found a ${entry.type} entry`);
    }
    const [top, rel] = splitEntryName(entry.name, file);
    if (topDir !== undefined && top !== topDir) {
      throw new InputError(file, entry.name, `all files must be under one chart directory (${topDir}/)`);
    }
    topDir = top;
    checkFileSize(entry.size, file, entry.name);
    total += entry.size;
    checkChartSize(total, file, entry.name);
    if (files.has(rel)) throw new InputError(file, entry.name, 'duplicate entry');
    files.set(rel, entry.data);
  }
  if (!topDir || !files.has('Chart.yaml'))
    throw new InputError(file, '', 'no <chart>/Chart.yaml in the archive');
  return { topDir, files };
}

/** helm refuses an archive whose top directory is not the chart's name. */
export function checkTopDir(metadata: ChartMetadata, topDir: string, file: string): void {
  if (metadata.name !== topDir) {
    throw new InputError(
      file,
      `${topDir}/`,
      `top directory must equal the chart name ${JSON.stringify(metadata.name)}`,
    );
  }
}

export async function readChartArchive(bytes: Buffer, file: string): Promise<ChartArchive> {
  const { topDir, files } = await readArchiveFiles(bytes, file);
  const text = (files.get('Chart.yaml') as Buffer).toString('utf8');
  const metadata = parseChartYaml(text, `${file}:${topDir}/Chart.yaml`);
  checkTopDir(metadata, topDir, file);
  return { metadata, files, digest: sha256Hex(bytes), bytes };
}
