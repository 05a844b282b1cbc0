/**
 * Tombstones of unpublished versions: `.tombstones/<name>-<version>.json` next to index.yaml (hidden,
 * so `serve` never answers it), recording the digest the version had, why and when it was taken back.
 * Publishing that version again with other bytes is refused unless forced: users who pulled it before
 * must never get different content under the same version.
 */
import { PipelineError } from '../../errors.ts';
import type { Storage } from '../storage.ts';

export const TOMBSTONE_PREFIX = '.tombstones/';

export interface Tombstone {
  name: string;
  version: string;
  /** sha256 hex of the tarball that was unpublished (undefined when none was stored) */
  digest?: string;
  reason?: string;
  /** RFC 3339 */
  unpublished: string;
}

export function tombstoneKey(name: string, version: string): string {
  return `${TOMBSTONE_PREFIX}${name}-${version}.json`;
}

export async function readTombstone(
  storage: Storage,
  name: string,
  version: string,
): Promise<Tombstone | null> {
  const obj = await storage.get(tombstoneKey(name, version));
  if (!obj) return null;
  try {
    const doc = JSON.parse(obj.body.toString('utf8')) as Tombstone;
    return { ...doc, name, version };
  } catch {
    // unreadable: still a tombstone, with no digest that could ever match
    return { name, version, unpublished: '' };
  }
}

export async function writeTombstone(storage: Storage, t: Tombstone): Promise<void> {
  const res = await storage.put(
    tombstoneKey(t.name, t.version),
    Buffer.from(`${JSON.stringify(t, null, 2)}\n`),
    {
      contentType: 'application/json',
      cacheControl: 'no-cache',
    },
  );
  if (!res.ok) throw new PipelineError(`${storage.describe(tombstoneKey(t.name, t.version))}: write refused`);
}

/** The publish hook: refuses a version unpublished with other bytes (unless forced). */
export async function checkTombstones(
  storage: Storage,
  charts: { name: string; version: string; digest: string }[],
  force: boolean,
): Promise<void> {
  if (force) return;
  for (const c of charts) {
    const t = await readTombstone(storage, c.name, c.version);
    if (t && t.digest !== c.digest) {
      throw new PipelineError(
        `${c.name} ${c.version} was unpublished from ${storage.location}` +
          `${t.unpublished ? ` on ${t.unpublished}` : ''}${t.reason ? ` (${t.reason})` : ''}; ` +
          'publishing it again with other content is refused, since users may have pulled the old one: ' +
          `bump the version, or pass --force (tombstone ${storage.describe(tombstoneKey(c.name, c.version))})`,
      );
    }
  }
}
