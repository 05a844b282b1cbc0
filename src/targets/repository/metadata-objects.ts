/**
 * Small mutable files published next to index.yaml (artifacthub-repo.yml). Unlike chart tarballs they
 * may change between releases, so a different stored copy is replaced rather than refused; the write is
 * still conditional on what was read, so two publishers never interleave half of each other's update.
 */
import { PipelineError } from '../../errors.ts';
import { type EtagForm, formatEtag } from '../probe.ts';
import type { Storage } from '../storage.ts';

export interface MetadataObject {
  key: string;
  body: Buffer;
  contentType: string;
}

export type MetadataAction = 'uploaded' | 'replaced' | 'unchanged' | 'would-upload' | 'would-replace';

export interface MetadataResult {
  key: string;
  location: string;
  bytes: number;
  action: MetadataAction;
}

type Seen = { kind: 'absent' } | { kind: 'same' } | { kind: 'different'; etag: string };

const MAX_ROUNDS = 5;

export async function inspectMetadata(storage: Storage, obj: MetadataObject): Promise<Seen> {
  const stored = await storage.get(obj.key);
  if (!stored) return { kind: 'absent' };
  return stored.body.equals(obj.body) ? { kind: 'same' } : { kind: 'different', etag: stored.etag };
}

export function plannedMetadataAction(seen: Seen): MetadataAction {
  if (seen.kind === 'same') return 'unchanged';
  return seen.kind === 'absent' ? 'would-upload' : 'would-replace';
}

/** Writes `obj` unless the store already holds exactly it; re-reads after losing a race. */
export async function putMetadata(
  storage: Storage,
  obj: MetadataObject,
  first: Seen,
  ifMatchForm: EtagForm | null,
): Promise<MetadataAction> {
  let seen = first;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (seen.kind === 'same') return 'unchanged';
    const condition =
      seen.kind === 'absent'
        ? { ifNoneMatch: '*' as const }
        : { ifMatch: formatEtag(seen.etag, ifMatchForm ?? 'quoted') };
    const res = await storage.put(obj.key, obj.body, {
      contentType: obj.contentType,
      cacheControl: 'no-cache',
      ...(ifMatchForm !== null ? condition : {}),
    });
    if (res.ok) return seen.kind === 'absent' ? 'uploaded' : 'replaced';
    seen = await inspectMetadata(storage, obj);
  }
  throw new PipelineError(`${storage.describe(obj.key)}: kept changing while uploading; re-run to retry`);
}
