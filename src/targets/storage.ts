/**
 * The one interface between the publish protocol of chart repositories (repository/) and a store (a
 * local directory, an S3 bucket): a new index-based backend implements this, plus a provider. Keys are
 * relative to the repository root (`index.yaml`, `vineyard-0.1.0.tgz`).
 *
 * ETags are opaque strings exactly as the store returned them; how a store wants them echoed back in
 * `If-Match` is learned by the precondition probe (probe.ts), not assumed.
 */
export interface StoredObject {
  body: Buffer;
  etag: string;
}

export interface ObjectInfo {
  etag: string;
  size: number;
}

export interface PutOptions {
  contentType: string;
  cacheControl?: string;
  /** Only write if the stored ETag equals this (text sent verbatim). */
  ifMatch?: string;
  /** Only write if no object exists under the key. */
  ifNoneMatch?: '*';
  /** base64 MD5 of the body: the store rejects the upload if the bytes it received differ. */
  contentMd5?: string;
}

/**
 * A conditional write that lost: `precondition` (412, or 404 for If-Match on a missing key) or
 * `conflict` (409 from AWS, 500 from Ceph RGW for the loser of a race). Both mean "re-read and retry".
 */
export interface WriteRejected {
  ok: false;
  reason: 'precondition' | 'conflict';
  status: number;
}

export type PutResult = { ok: true; etag: string } | WriteRejected;

export interface ListedObject {
  key: string;
  lastModified: Date;
  /** Bytes, when the listing says (S3 and file:// do). */
  size?: number;
}

export interface TrafficStats {
  requests: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface Storage {
  /** Where the repository lives, for messages (never contains credentials). */
  readonly location: string;
  /** Display name of one object (s3://bucket/prefix/key or a file path). */
  describe(key: string): string;
  get(key: string): Promise<StoredObject | null>;
  head(key: string): Promise<ObjectInfo | null>;
  put(key: string, body: Buffer, opts: PutOptions): Promise<PutResult>;
  delete(key: string): Promise<void>;
  /**
   * Some objects whose key starts with `prefix` (at least the first 1000), to clean up crash leftovers
   * such as probe objects. Optional; may fail (no list permission): callers treat it as best effort.
   */
  list?(prefix: string): Promise<ListedObject[]>;
  /**
   * Every object whose key starts with `prefix`, one page (at most ~1000 keys) at a time, so that a
   * repository of any size is walked in bounded memory (repo verify / reindex). Hidden crash leftovers
   * of the store itself (file:// stages) are not listed.
   */
  listPages(prefix: string): AsyncIterable<ListedObject[]>;
  /** Requests and payload bytes so far (for --json and the benchmark). */
  readonly stats: TrafficStats;
  /** Releases clients and sockets; the storage is unusable afterwards. */
  close(): Promise<void>;
}

/** Strips the quotes S3 puts around ETags, so values can be compared. */
export function bareEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}
