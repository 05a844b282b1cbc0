/**
 * Independent checks of a published S3 repository, used after every test step: the index is read
 * with js-yaml (not our parser), and every entry's tarball is fetched anonymously over plain HTTP, the
 * way helm does, and its sha256 compared with the indexed digest.
 */
import { createHash } from 'node:crypto';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { load } from 'js-yaml';
import type { Rgw } from '../support/rgw/rgw.ts';

export function s3Client(rgw: Rgw): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: rgw.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

export function s3Env(rgw: Rgw): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: rgw.accessKeyId,
    AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  };
}

/** key (relative to prefix) -> ETag, for every object under prefix/ */
export async function listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let token: string | undefined;
  do {
    const res = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }),
    );
    for (const o of res.Contents ?? []) out.set(o.Key?.slice(prefix.length + 1) ?? '', o.ETag ?? '');
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return out;
}

export async function putRaw(client: S3Client, bucket: string, key: string, body: string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

interface RawEntry {
  name?: string;
  version?: string;
  digest?: string;
  urls?: string[];
}

export interface RepoState {
  /** name@version -> digest */
  entries: Map<string, string>;
}

/**
 * Throws unless the index parses and every entry's first URL serves bytes whose sha256 is the
 * indexed digest. `verified` caches ETag -> sha256 across calls (an unchanged object is not re-read).
 */
export async function verifyRepository(
  repoUrl: string,
  listing: Map<string, string>,
  verified: Map<string, string> = new Map(),
): Promise<RepoState> {
  const res = await fetch(`${repoUrl}/index.yaml`);
  const state: RepoState = { entries: new Map() };
  if (res.status === 404 || res.status === 403) {
    if (listing.has('index.yaml')) throw new Error('index.yaml is listed but not readable');
    return state;
  }
  if (res.status !== 200) throw new Error(`GET index.yaml: HTTP ${res.status}`);
  const doc = load(await res.text()) as { apiVersion?: string; entries?: Record<string, RawEntry[]> };
  if (doc?.apiVersion !== 'v1' || typeof doc.entries !== 'object')
    throw new Error('index.yaml: not an index');
  for (const [name, list] of Object.entries(doc.entries ?? {})) {
    for (const e of list) {
      const label = `${name}@${e.version}`;
      const url = e.urls?.[0];
      if (!url || !e.digest) throw new Error(`${label}: no url or digest`);
      const etag = listing.get(url);
      if (etag === undefined) throw new Error(`${label}: ${url} is not in the bucket`);
      let digest = verified.get(`${url} ${etag}`);
      if (!digest) {
        const tgz = await fetch(`${repoUrl}/${url}`);
        if (tgz.status !== 200) throw new Error(`${label}: GET ${url}: HTTP ${tgz.status}`);
        if (tgz.headers.get('content-encoding')) throw new Error(`${url}: served with a Content-Encoding`);
        digest = createHash('sha256')
          .update(Buffer.from(await tgz.arrayBuffer()))
          .digest('hex');
        verified.set(`${url} ${etag}`, digest);
      }
      if (digest !== e.digest)
        throw new Error(`${label}: ${url} has sha256 ${digest}, index says ${e.digest}`);
      state.entries.set(label, e.digest);
    }
  }
  return state;
}
