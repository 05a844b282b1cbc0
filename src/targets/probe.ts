/**
 * Learns, once per run and on a scratch key, whether a store honours conditional writes and in which
 * form it wants the ETag echoed in `If-Match`: AWS documents the quoted form, Ceph RGW 16 accepts only
 * the unquoted one, s3rver ignores both headers. Publishing to a store that ignores them could silently
 * drop index entries when two publishers race, so the caller refuses such stores (see publish.ts).
 *
 * Each step is idempotent, so an SDK retry after a lost response cannot fool the probe.
 */
import { randomBytes } from 'node:crypto';
import { bareEtag, type Storage } from './storage.ts';

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

export async function probePreconditions(storage: Storage): Promise<ProbeResult> {
  const key = `.vineyard-charts-probe-${randomBytes(8).toString('hex')}`;
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
