/**
 * Immutable objects (chart tarballs and their .prov): written once with `If-None-Match: *`, never
 * silently replaced. A version already stored with the same bytes is a no-op; different bytes are refused
 * unless the caller forces a replacement. Every upload is verified by reading back the stored object's
 * size and checksum.
 */
import { createHash } from 'node:crypto';
import { PipelineError } from '../../errors.ts';
import { type EtagForm, formatEtag } from '../probe.ts';
import { bareEtag, type ObjectInfo, type Storage } from '../storage.ts';

export interface ImmutableObject {
  key: string;
  body: Buffer;
  contentType: string;
}

export type StoredState = { kind: 'absent' } | { kind: 'same' } | { kind: 'different'; info: ObjectInfo };

export type UploadAction = 'uploaded' | 'unchanged' | 'replaced';

export interface UploadOptions {
  force: boolean;
  /** null: the store ignores preconditions (only allowed with --single-writer), so send none. */
  ifMatchForm: EtagForm | null;
}

const MAX_RACE_ROUNDS = 5;

function md5(body: Buffer, encoding: 'hex' | 'base64'): string {
  return createHash('md5').update(body).digest(encoding);
}

/** Whether the stored object holds exactly `body`: by MD5 ETag when it is one, else by the bytes. */
async function holds(storage: Storage, key: string, body: Buffer, info: ObjectInfo): Promise<boolean> {
  if (info.size !== body.length) return false;
  const etag = bareEtag(info.etag);
  if (/^[0-9a-f]{32}$/.test(etag)) return etag === md5(body, 'hex');
  // multipart or KMS-encrypted objects: the ETag is not an MD5 of the content
  const stored = await storage.get(key);
  return stored?.body.equals(body) === true;
}

export async function inspect(storage: Storage, obj: ImmutableObject): Promise<StoredState> {
  const info = await storage.head(obj.key);
  if (!info) return { kind: 'absent' };
  return (await holds(storage, obj.key, obj.body, info)) ? { kind: 'same' } : { kind: 'different', info };
}

export function refusal(storage: Storage, obj: ImmutableObject, info: ObjectInfo): PipelineError {
  return new PipelineError(
    `${storage.describe(obj.key)} already exists with different content (${info.size} bytes stored, ` +
      `${obj.body.length} bytes to publish); a published chart version is immutable: bump the version, ` +
      'or pass --force to replace it',
  );
}

async function verify(storage: Storage, obj: ImmutableObject): Promise<void> {
  const info = await storage.head(obj.key);
  if (!info || !(await holds(storage, obj.key, obj.body, info))) {
    throw new PipelineError(
      `${storage.describe(obj.key)}: the stored object does not match what was uploaded ` +
        `(${info ? `${info.size} bytes, ETag ${info.etag}` : 'missing'}); the index was not updated, re-run to retry`,
    );
  }
}

/** Uploads `obj` given what `inspect` saw; re-inspects after losing a race to another publisher. */
export async function upload(
  storage: Storage,
  obj: ImmutableObject,
  seen: StoredState,
  opts: UploadOptions,
): Promise<UploadAction> {
  let state = seen;
  for (let round = 0; round < MAX_RACE_ROUNDS; round++) {
    if (state.kind === 'same') return 'unchanged';
    if (state.kind === 'different' && !opts.force) throw refusal(storage, obj, state.info);
    const conditional = opts.ifMatchForm !== null;
    const condition =
      state.kind === 'absent'
        ? { ifNoneMatch: '*' as const }
        : { ifMatch: formatEtag(state.info.etag, opts.ifMatchForm ?? 'quoted') };
    const res = await storage.put(obj.key, obj.body, {
      contentType: obj.contentType,
      contentMd5: md5(obj.body, 'base64'),
      ...(conditional ? condition : {}),
    });
    if (res.ok) {
      await verify(storage, obj);
      return state.kind === 'absent' ? 'uploaded' : 'replaced';
    }
    state = await inspect(storage, obj);
  }
  throw new PipelineError(`${storage.describe(obj.key)}: kept changing while uploading; re-run to retry`);
}
