/**
 * Safe reader for chart archives (.tgz). It refuses anything helm's loader refuses, plus a few things
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

export async function readChartArchive(bytes: Buffer, file: string): Promise<ChartArchive> {
  const entries = await readTarEntries(gunzip(bytes, file), file);
  const files = new Map<string, Buffer>();
  let topDir: string | undefined;
  let total = 0;
  for (const entry of entries) {
    if (entry.type === 'directory' || entry.type === 'pax-header' || entry.type === 'pax-global-header')
      continue;
    if (entry.type !== 'file' && entry.type !== 'contiguous-file') {
      throw new InputError(file, entry.name, `only regular files are allowed, found a ${entry.type} entry`);
    }
    const [top, rel] = splitEntryName(entry.name, file);
    if (topDir !== undefined && top !== topDir) {
      throw new InputError(file, entry.name, `all files must be under one chart directory (${topDir}/)`);
    }
    topDir = top;
    if (entry.size > MAX_FILE_SIZE) {
      throw new InputError(
        file,
        entry.name,
        `file is ${entry.size} bytes, over helm's per-file limit of ${MAX_FILE_SIZE}`,
      );
    }
    total += entry.size;
    if (total > MAX_CHART_SIZE) {
      throw new InputError(
        file,
        entry.name,
        `decompressed chart exceeds helm's limit of ${MAX_CHART_SIZE} bytes`,
      );
    }
    if (files.has(rel)) throw new InputError(file, entry.name, 'duplicate entry');
    files.set(rel, entry.data);
  }
  const chartYaml = files.get('Chart.yaml');
  if (!topDir || !chartYaml) throw new InputError(file, '', 'no <chart>/Chart.yaml in the archive');
  const metadata = parseChartYaml(chartYaml.toString('utf8'), `${file}:${topDir}/Chart.yaml`);
  if (metadata.name !== topDir) {
    throw new InputError(
      file,
      `${topDir}/`,
      `top directory must equal the chart name ${JSON.stringify(metadata.name)}`,
    );
  }
  return { metadata, files, digest: sha256Hex(bytes), bytes };
}
