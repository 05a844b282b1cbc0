/**
 * Tombstones of unpublished versions: `.tombstones/<name>-<version>.json` next to index.yaml (hidden,
 * so `serve` never answers it), recording the digest the version had, why and when it was taken back.
 * Publishing that version again with other content is refused unless forced: users who pulled it before
 * must never get different content under the same version. "Other content" is the one same-content rule
 * of publish and release (src/helm/chart/same-content.ts): the same bytes, or the same files unpacked
 * (the tombstone keeps their `contentIdentity`), restore the version. OCI registries keep the same
 * record in a tombstone manifest (src/helm/oci/tombstone.ts) and decide with the same functions.
 */
import { PipelineError } from '../../errors.ts';
import { readChartArchive } from '../../helm/chart/archive.ts';
import { contentIdentity } from '../../helm/chart/same-content.ts';
import type { Storage } from '../storage.ts';

export const TOMBSTONE_PREFIX = '.tombstones/';

export interface Tombstone {
  name: string;
  version: string;
  /** sha256 hex of the tarball that was unpublished (undefined when none was stored) */
  digest?: string;
  /** `contentIdentity` of the unpublished chart's files: the same content restores it, whatever the bytes */
  content?: string;
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

/** The content identity of a stored archive; undefined when it is not a readable chart (digest only then). */
export async function contentOf(bytes: Buffer, where: string): Promise<string | undefined> {
  try {
    return contentIdentity((await readChartArchive(bytes, where)).files);
  } catch {
    return undefined;
  }
}

/** A chart about to be published, as the tombstone check needs it. */
export interface TombstoneCandidate {
  name: string;
  version: string;
  /** sha256 hex of the archive */
  digest: string;
  files: Map<string, Buffer>;
}

/** The same bytes, or the same content (same-content.ts), may take the unpublished version's place. */
export function tombstoneAllows(t: Tombstone, c: TombstoneCandidate): boolean {
  if (t.digest !== undefined && t.digest === c.digest) return true;
  return t.content !== undefined && t.content === contentIdentity(c.files);
}

/** The refusal, worded the same for every target: `where` is the repository, `at` the tombstone. */
export function tombstoneRefusal(t: Tombstone, where: string, at: string): PipelineError {
  return new PipelineError(
    `${t.name} ${t.version} was unpublished from ${where}` +
      `${t.unpublished ? ` on ${t.unpublished}` : ''}${t.reason ? ` (${t.reason})` : ''}; ` +
      'publishing it again with other content is refused, since users may have pulled the old one: ' +
      `bump the version, or pass --force (tombstone ${at})`,
  );
}

/** The publish hook: refuses a version unpublished with other content (unless forced). */
export async function checkTombstones(
  storage: Storage,
  charts: TombstoneCandidate[],
  force: boolean,
): Promise<void> {
  if (force) return;
  for (const c of charts) {
    const t = await readTombstone(storage, c.name, c.version);
    if (t && !tombstoneAllows(t, c))
      throw tombstoneRefusal(t, storage.location, storage.describe(tombstoneKey(c.name, c.version)));
  }
}
