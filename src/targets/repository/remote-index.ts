/**
 * The repository's index.yaml in the store: strict read with its ETag, merge, conditional write, and
 * the retry loop for concurrent publishers (412 / 409 / RGW's 500 = someone else wrote first: re-read,
 * merge again, back off with jitter, bounded).
 */
import { isUtf8 } from 'node:buffer';
import { InputError, PipelineError } from '../../errors.ts';
import {
  type IndexEntry,
  type IndexFile,
  mergeEntries,
  newIndex,
  parseIndex,
  serializeIndex,
} from '../../helm/repo/index-file.ts';
import { type EtagForm, formatEtag } from '../probe.ts';
import { backoffDelay, sleep } from '../retry.ts';
import type { Storage } from '../storage.ts';

export const INDEX_KEY = 'index.yaml';
export type IndexFormat = 'yaml' | 'json';

export interface RemoteIndex {
  index: IndexFile;
  etag: string;
  /** how the stored index is serialised (an index written with --index-format json is a JSON document) */
  format?: IndexFormat;
}

/** JSON when the document is a JSON object (YAML's flow syntax would be rewritten as block YAML). */
export function formatOf(body: Buffer): IndexFormat {
  return /^\s*\{/.test(body.subarray(0, 64).toString('utf8')) ? 'json' : 'yaml';
}

export interface IndexUpdate {
  key: string;
  action: 'created' | 'updated' | 'unchanged' | 'would-create' | 'would-update';
  /** name@version of entries this run added (or replaced with --force) */
  added: string[];
  unchanged: string[];
  /** entries in the index after the update */
  entries: number;
  /** conditional writes tried (0 when nothing needed writing) */
  attempts: number;
}

const DEFAULT_MAX_ATTEMPTS = 30;

/** Reads and strictly parses the stored index; null when the repository has none yet. */
export async function readIndex(storage: Storage): Promise<RemoteIndex | null> {
  const obj = await storage.get(INDEX_KEY);
  if (!obj) return null;
  const location = storage.describe(INDEX_KEY);
  // Decoding would turn bad bytes into U+FFFD and our rewrite would store them so: refuse instead.
  if (!isUtf8(obj.body)) throw new InputError(location, '', 'is not valid UTF-8; refusing to rewrite it');
  // parseIndex throws an InputError naming this location and the path inside the document
  return {
    index: parseIndex(obj.body.toString('utf8'), location),
    etag: obj.etag,
    format: formatOf(obj.body),
  };
}

function label(e: { name: string; version: string }): string {
  return `${e.name}@${e.version}`;
}

export function countEntries(index: IndexFile): number {
  return Object.values(index.entries).reduce((n, list) => n + list.length, 0);
}

export function entryDigest(index: IndexFile, name: string, version: string): string | undefined {
  return index.entries[name]?.find((e) => e.version === version)?.digest;
}

/** Refuses to let the index keep a different digest for a version whose tarball we just verified. */
function assertSameDigests(index: IndexFile, entries: IndexEntry[], where: string): void {
  for (const e of entries) {
    const existing = entryDigest(index, e.name, e.version);
    if (existing !== undefined && existing !== e.digest) {
      throw new PipelineError(
        `${where} lists ${label(e)} with digest ${existing}, but the chart to publish has ${e.digest}; ` +
          'a published chart version is immutable: bump the version, or pass --force to replace it',
      );
    }
  }
}

function merge(current: RemoteIndex | null, entries: IndexEntry[], force: boolean, where: string) {
  const base = current?.index ?? newIndex();
  if (!force) assertSameDigests(base, entries, where);
  return mergeEntries(base, entries, { force });
}

/** What `updateIndex` would do, without writing (for --dry-run). */
export function planIndexOnly(
  current: RemoteIndex | null,
  entries: IndexEntry[],
  force = false,
): IndexUpdate {
  const merged = merge(current, entries, force, INDEX_KEY);
  const changed = merged.added.length > 0;
  return {
    key: INDEX_KEY,
    action: !changed ? 'unchanged' : current ? 'would-update' : 'would-create',
    added: merged.added.map(label),
    unchanged: merged.unchanged.map(label),
    entries: countEntries(merged.index),
    attempts: 0,
  };
}

export interface UpdateOptions {
  force: boolean;
  /** null: the store ignores preconditions (--single-writer), so send none */
  ifMatchForm: EtagForm | null;
  format: IndexFormat;
  maxAttempts?: number;
}

export async function updateIndex(
  storage: Storage,
  first: RemoteIndex | null,
  entries: IndexEntry[],
  opts: UpdateOptions,
): Promise<IndexUpdate> {
  const where = storage.describe(INDEX_KEY);
  let last = { added: [] as string[], unchanged: [] as string[], entries: 0 };
  const outcome = await rewriteIndex(
    storage,
    first,
    (current) => {
      const merged = merge(current, entries, opts.force, where);
      last = {
        added: merged.added.map(label),
        unchanged: merged.unchanged.map(label),
        entries: countEntries(merged.index),
      };
      return merged.added.length === 0 ? null : merged.index;
    },
    opts,
    'the charts are uploaded, re-run publish to add them to the index (it is idempotent)',
  );
  return { key: INDEX_KEY, ...last, action: outcome.action, attempts: outcome.attempts };
}

export interface RewriteOutcome {
  action: 'created' | 'updated' | 'unchanged';
  /** conditional writes tried (0 when nothing needed writing) */
  attempts: number;
  /** the index as written (or as read, when unchanged) */
  index: IndexFile | null;
}

/**
 * The one conditional-write loop of index.yaml (publish, reindex, unpublish): `change` computes the
 * new index from the current one (null: nothing to write), which is written with If-Match on the ETag
 * read (If-None-Match: * when creating); after a lost race the index is re-read and `change` runs
 * again on what the winner wrote, so the winner's entries are never lost.
 */
export async function rewriteIndex(
  storage: Storage,
  first: RemoteIndex | null,
  change: (current: RemoteIndex | null) => IndexFile | null,
  opts: Omit<UpdateOptions, 'force'>,
  advice = 're-run to retry',
): Promise<RewriteOutcome> {
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const where = storage.describe(INDEX_KEY);
  let current = first;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const next = change(current);
    if (next === null) return { action: 'unchanged', attempts: attempt - 1, index: current?.index ?? null };
    const body = Buffer.from(serializeIndex(next, opts.format));
    const condition = current
      ? { ifMatch: formatEtag(current.etag, opts.ifMatchForm ?? 'quoted') }
      : { ifNoneMatch: '*' as const };
    const res = await storage.put(INDEX_KEY, body, {
      contentType: opts.format === 'json' ? 'application/json' : 'text/yaml',
      // so `helm repo update` and caches always revalidate and see new versions
      cacheControl: 'no-cache',
      ...(opts.ifMatchForm !== null ? condition : {}),
    });
    if (res.ok) return { action: current ? 'updated' : 'created', attempts: attempt, index: next };
    // Lost a race (or a retried request of ours already landed): wait, re-read, merge again.
    await sleep(backoffDelay(attempt));
    current = await readIndex(storage);
  }
  throw new PipelineError(
    `${where}: still losing to concurrent writers after ${maxAttempts} attempts; ${advice}`,
  );
}
