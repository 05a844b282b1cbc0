/**
 * Learns, once per run and on a scratch key, whether a store honours conditional writes and in which
 * form it wants the ETag echoed in `If-Match`: AWS documents the quoted form, Ceph RGW 16 accepts only
 * the unquoted one, s3rver ignores both headers. Publishing to a store that ignores them could silently
 * drop index entries when two publishers race, so the caller refuses such stores (see publish.ts).
 *
 * Each step is idempotent, so an SDK retry after a lost response cannot fool the probe. The scratch key
 * is unique per run and deleted when done; one left by a crashed run is deleted by a later probe once
 * it is older than the stale age (tuning.ts), where the store can list keys.
 */
import { randomBytes } from 'node:crypto';
import { bareEtag, type Storage } from './storage.ts';
import { staleMs } from './tuning.ts';

export type EtagForm = 'quoted' | 'unquoted';

export interface ProbeResult {
  ifNoneMatch: boolean;
  /** null: the store ignores If-Match, or accepts the ETag in neither form. */
  ifMatch: EtagForm | null;
}

export function formatEtag(etag: string, form: EtagForm): string {
  return form === 'quoted' ? `"${bareEtag(etag)}"` : bareEtag(etag);
}

const TYPE = { contentType: 'text/plain' };

export const PROBE_PREFIX = '.vineyard-charts-probe-';
/** A probe takes seconds; S3 refuses clocks more than 15 minutes off. */
const PROBE_STALE_MS = 60 * 60_000;

/** Deletes probe objects left by crashed runs; best effort (the store may not allow listing). */
export async function sweepStaleProbes(storage: Storage, now = Date.now()): Promise<string[]> {
  const maxAge = staleMs(PROBE_STALE_MS);
  const removed: string[] = [];
  try {
    for (const obj of (await storage.list?.(PROBE_PREFIX)) ?? []) {
      if (!obj.key.startsWith(PROBE_PREFIX) || now - obj.lastModified.getTime() < maxAge) continue;
      await storage.delete(obj.key);
      removed.push(obj.key);
    }
  } catch {
    // leftovers are invisible to helm (hidden names, never indexed): not worth failing a publish over
  }
  return removed;
}

export async function probePreconditions(storage: Storage): Promise<ProbeResult> {
  try {
    const result = await probeOnce(storage);
    if (result.ifNoneMatch && result.ifMatch !== null) return result;
    // Before believing a store unsafe: another publisher may have swept our scratch key as stale while
    // we were stopped longer than the stale age. A store that really ignores the headers says so twice.
    return await probeOnce(storage);
  } finally {
    await sweepStaleProbes(storage);
  }
}

async function probeOnce(storage: Storage): Promise<ProbeResult> {
  const key = `${PROBE_PREFIX}${Date.now()}-${randomBytes(8).toString('hex')}`;
  const first = Buffer.from(`probe ${key} 1\n`);
  const second = Buffer.from(`probe ${key} 2\n`);
  try {
    const created = await storage.put(key, first, { ...TYPE, ifNoneMatch: '*' });
    // 412 here means a retried request already created it (same bytes): read its ETag back.
    const etag = created.ok ? created.etag : (await storage.head(key))?.etag;
    if (!etag) return { ifNoneMatch: false, ifMatch: null };
    const again = await storage.put(key, second, { ...TYPE, ifNoneMatch: '*' });
    if (again.ok) return { ifNoneMatch: false, ifMatch: null };
    // a value that cannot match: the store must refuse it
    const stale = await storage.put(key, second, { ...TYPE, ifMatch: '"00000000000000000000000000000000"' });
    if (stale.ok) return { ifNoneMatch: true, ifMatch: null };
    for (const form of ['quoted', 'unquoted'] as const) {
      // rewriting the same bytes keeps the ETag, so a retried attempt still matches
      const res = await storage.put(key, first, { ...TYPE, ifMatch: formatEtag(etag, form) });
      if (res.ok) return { ifNoneMatch: true, ifMatch: form };
    }
    return { ifNoneMatch: true, ifMatch: null };
  } finally {
    await storage.delete(key).catch(() => undefined);
  }
}
