/**
 * Tombstones in an OCI registry: `unpublish` pushes a small manifest into the chart's own repository
 * under the tag `tombstone-<version tag>` (the version with `+` as `_`, as helm tags it). helm v3 and v4
 * only consider tags that parse as semver (`_` read back as `+`), and a tag starting with letters other
 * than `v` never does, so `helm pull/show/search` and our own `readPublished` and `repo verify` never see
 * it as a chart version (a suffix such as `1.0.0-rc.1.tombstone` would be a valid prerelease version).
 *
 * The record is the one of file:// and s3:// (src/targets/repository/tombstones.ts: digest, content
 * identity, reason, time) as the manifest's config blob, media type TOMBSTONE_CONFIG_MEDIA_TYPE, with the
 * same fields as annotations for `crane manifest`-style readers; the only layer is the OCI empty
 * descriptor (`{}`), as image-spec 1.1 advises for artifacts without content.
 */
import { createHash } from 'node:crypto';
import type { Tombstone } from '../../targets/repository/tombstones.ts';
import {
  blobOf,
  descriptorOf,
  goJson,
  OCI_MANIFEST_MEDIA_TYPE,
  sha256Digest,
  tagForVersion,
} from './manifest.ts';
import type { RegistryClient } from './registry-client.ts';

export const TOMBSTONE_CONFIG_MEDIA_TYPE = 'application/vnd.vineyard-charts.tombstone.v1+json';
export const OCI_EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
export const TOMBSTONE_TAG_PREFIX = 'tombstone-';
const ANNOTATION = 'io.github.v6d-io.vineyard-charts.tombstone';

/** The distribution spec's tag grammar. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/**
 * `tombstone-<tag>`; a version whose tag is too long for the prefix (over 118 characters) gets the
 * first 40 hex digits of its sha256 instead, still under the prefix that is never semver.
 */
export function tombstoneTag(version: string): string {
  const tag = `${TOMBSTONE_TAG_PREFIX}${tagForVersion(version)}`;
  if (TAG.test(tag)) return tag;
  return `${TOMBSTONE_TAG_PREFIX}sha256-${createHash('sha256').update(version).digest('hex').slice(0, 40)}`;
}

export function isTombstoneTag(tag: string): boolean {
  return tag.startsWith(TOMBSTONE_TAG_PREFIX);
}

export interface OciTombstone {
  tombstone: Tombstone;
  /** the tombstone manifest's digest (to delete it) */
  digest: string;
}

/**
 * The tombstone of NAME VERSION in the client's repository, or null. A manifest under the tag with
 * our config media type whose record is unreadable is still a tombstone, with no digest that could ever
 * match (as on file://); a manifest of any other kind under the tag is not ours and is ignored.
 */
export async function readOciTombstone(
  client: RegistryClient,
  name: string,
  version: string,
): Promise<OciTombstone | null> {
  const manifest = await client.getManifest(tombstoneTag(version));
  if (!manifest) return null;
  let config: { mediaType?: string; digest?: string } | undefined;
  try {
    config = (JSON.parse(manifest.bytes.toString('utf8')) as { config?: typeof config }).config;
  } catch {
    return null;
  }
  if (config?.mediaType !== TOMBSTONE_CONFIG_MEDIA_TYPE) return null;
  try {
    const bytes = config.digest ? await client.fetchBlob(config.digest) : undefined;
    if (!bytes || sha256Digest(bytes) !== config.digest) throw new Error('config blob missing');
    const doc = JSON.parse(bytes.toString('utf8')) as Tombstone;
    return { tombstone: { ...doc, name, version }, digest: manifest.digest };
  } catch {
    return { tombstone: { name, version, unpublished: '' }, digest: manifest.digest };
  }
}

/** Pushes the tombstone of `t.name` `t.version` (replacing an earlier one); returns its manifest digest. */
export async function writeOciTombstone(client: RegistryClient, t: Tombstone): Promise<string> {
  const config = blobOf(TOMBSTONE_CONFIG_MEDIA_TYPE, Buffer.from(`${JSON.stringify(t, null, 2)}\n`));
  const empty = blobOf(OCI_EMPTY_MEDIA_TYPE, Buffer.from('{}'));
  for (const blob of [config, empty])
    if (!(await client.blobExists(blob.digest))) await client.uploadBlob(blob);
  const annotations: Record<string, string> = {
    [`${ANNOTATION}.chart`]: t.name,
    [`${ANNOTATION}.version`]: t.version,
    ...(t.digest ? { [`${ANNOTATION}.digest`]: `sha256:${t.digest}` } : {}),
    ...(t.content ? { [`${ANNOTATION}.content`]: t.content } : {}),
    ...(t.reason ? { [`${ANNOTATION}.reason`]: t.reason } : {}),
    'org.opencontainers.image.created': t.unpublished,
  };
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    config: descriptorOf(config),
    layers: [descriptorOf(empty)],
    annotations,
  };
  const bytes = Buffer.from(goJson(manifest), 'utf8');
  await client.putManifest(tombstoneTag(t.version), bytes, OCI_MANIFEST_MEDIA_TYPE);
  return sha256Digest(bytes);
}
