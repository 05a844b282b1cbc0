/**
 * A disk cache of the shapes src/model/k8s.ts derives from kubernetes-models' declaration files, so that a
 * command loading the chart sources neither loads the TypeScript parser (~0.2 s to compile its 9 MB) nor
 * parses those files (~0.15 s) when they have not changed.
 *
 * One JSON file per version of the deriving code (k8s.ts's own text and the TypeScript version, hashed
 * into its name), kept with the installed node modules beside the tools cache. An entry holds the derived
 * schema and definitions and the SHA-256 of every declaration file the derivation read; it is used only
 * when each of those files still hashes the same, else derived again and rewritten. Written whole to a
 * temporary file and renamed, so concurrent processes read either version; a cache that cannot be read
 * or written is no cache (the shapes are derived as without one).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';
import type { Definitions, JsonSchema } from './model.ts';

export interface DerivedShape {
  schema: JsonSchema;
  definitions: Definitions;
}

interface Entry {
  /** JSON of a DerivedShape: parsed anew for each use, so no two callers share objects. */
  shape: string;
  /** Each declaration file read, with the SHA-256 of its content. */
  files: [string, string][];
}

const CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'vineyard-charts');

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

let cacheFile: string | undefined;
let entries: Record<string, Entry> | undefined;
const fileHashes = new Map<string, string | undefined>();

function fileHash(file: string): string | undefined {
  if (!fileHashes.has(file)) {
    let hash: string | undefined;
    try {
      hash = sha256(readFileSync(file));
    } catch {
      hash = undefined;
    }
    fileHashes.set(file, hash);
  }
  return fileHashes.get(file);
}

/** The entries for the deriving code `deriver` (k8s.ts's path), read on first use. */
function load(deriver: string): Record<string, Entry> {
  if (entries) return entries;
  entries = {};
  try {
    const tsVersion = (createRequire(import.meta.url)('typescript/package.json') as { version: string })
      .version;
    const key = sha256(`${readFileSync(deriver, 'utf8')}\0typescript@${tsVersion}`).slice(0, 16);
    cacheFile = path.join(CACHE_DIR, `k8s-shapes-${key}.json`);
    const parsed: unknown = JSON.parse(readFileSync(cacheFile, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      entries = parsed as Record<string, Entry>;
    }
  } catch {
    // no cache yet, or not readable: every shape is derived
  }
  return entries;
}

/**
 * The shape `request` names, from the cache when every file its derivation read is unchanged, else from
 * `derive` (which returns the shape and the files it read), then cached.
 */
export function cachedShape(
  deriver: string,
  request: string,
  derive: () => DerivedShape & { files: string[] },
): DerivedShape {
  const cache = load(deriver);
  const hit = Object.hasOwn(cache, request) ? cache[request] : undefined;
  if (hit && Array.isArray(hit.files) && hit.files.every(([file, hash]) => fileHash(file) === hash)) {
    try {
      return JSON.parse(hit.shape) as DerivedShape;
    } catch {
      // a damaged entry: derived again below
    }
  }
  const { schema, definitions, files } = derive();
  const hashes = files.map((f): [string, string | undefined] => [f, fileHash(f)]);
  if (cacheFile && hashes.every(([, h]) => h !== undefined)) {
    cache[request] = {
      shape: JSON.stringify({ schema, definitions }),
      files: hashes as [string, string][],
    };
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      mkdirSync(CACHE_DIR, { recursive: true });
      writeFileSync(tmp, JSON.stringify(cache));
      renameSync(tmp, cacheFile);
    } catch {
      // read-only or full: the next run derives again
    }
  }
  return { schema, definitions };
}
