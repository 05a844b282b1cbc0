/**
 * The OCI artifact `helm push` produces, built as pure data: the config blob (Chart.yaml metadata as
 * JSON, serialised the way helm's Go code does so the config digest matches helm's), the layers and
 * the image manifest with the `org.opencontainers.image.*` annotations.
 */
import { createHash } from 'node:crypto';
import type { ChartMetadata } from '../chart/chartfile.ts';

export const HELM_CONFIG_MEDIA_TYPE = 'application/vnd.cncf.helm.config.v1+json';
export const HELM_CHART_LAYER_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
export const HELM_PROV_LAYER_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.provenance.v1.prov';
export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface Blob extends Descriptor {
  bytes: Buffer;
}

/**
 * Field order and content as helm v3.17 and v4 write it (no `mediaType` field: the media type travels
 * in Content-Type), so the same chart and `created` give the same manifest digest as `helm push`.
 */
export interface OciManifest {
  schemaVersion: 2;
  config: Descriptor;
  layers: Descriptor[];
  annotations: Record<string, string>;
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function blobOf(mediaType: string, bytes: Buffer): Blob {
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length, bytes };
}

export function descriptorOf(blob: Blob): Descriptor {
  return { mediaType: blob.mediaType, digest: blob.digest, size: blob.size };
}

/** Helm replaces `+` (invalid in OCI tags) with `_`; `helm pull --version 1.0.0+x` maps it back. */
export function tagForVersion(version: string): string {
  return version.replaceAll('+', '_');
}

/** Go's `unicode.IsSpace` becomes a space and non-printable runes are dropped, as helm's loader does. */
function sanitize(value: string): string {
  return value.replace(/\s/gu, ' ').replace(/[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/gu, '');
}

function str(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : String(value);
}

function strList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(str) : [];
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Drops the keys Go's `omitempty` drops: "", false, empty lists and maps, undefined. */
function omitEmpty(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    if (value === undefined || value === '' || value === false) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.keys(value).length === 0
    )
      continue;
    out[key] = value;
  }
  return out;
}

function sortedStringMap(value: unknown): Record<string, string> {
  const source = record(value);
  const out: Record<string, string> = {};
  for (const key of Object.keys(source).sort()) out[key] = str(source[key]);
  return out;
}

/**
 * Chart metadata in the field order and with the omissions of helm's `chart.Metadata` struct, with
 * the sanitising its loader applies; `apiVersion` defaults to v1 like helm's loader.
 */
export function helmMetadata(chart: ChartMetadata): Record<string, unknown> {
  const maintainers = (Array.isArray(chart.maintainers) ? chart.maintainers : []).map((m) => {
    const r = record(m);
    return omitEmpty([
      ['name', sanitize(str(r.name))],
      ['email', sanitize(str(r.email))],
      ['url', sanitize(str(r.url))],
    ]);
  });
  const dependencies = (Array.isArray(chart.dependencies) ? chart.dependencies : []).map((d) => {
    const r = record(d);
    // name and repository have no omitempty in helm's Dependency struct.
    return {
      name: sanitize(str(r.name)),
      ...omitEmpty([['version', sanitize(str(r.version))]]),
      repository: sanitize(str(r.repository)),
      ...omitEmpty([
        ['condition', sanitize(str(r.condition))],
        ['tags', strList(r.tags).map(sanitize)],
        ['enabled', r.enabled === true],
        ['import-values', Array.isArray(r['import-values']) ? r['import-values'] : []],
        ['alias', sanitize(str(r.alias))],
      ]),
    };
  });
  return omitEmpty([
    ['name', sanitize(chart.name)],
    ['home', sanitize(str(chart.home))],
    ['sources', strList(chart.sources).map(sanitize)],
    ['version', chart.version],
    ['description', sanitize(str(chart.description))],
    ['keywords', strList(chart.keywords).map(sanitize)],
    ['maintainers', maintainers],
    ['icon', sanitize(str(chart.icon))],
    ['apiVersion', str(chart.apiVersion) || 'v1'],
    ['condition', sanitize(str(chart.condition))],
    ['tags', sanitize(str(chart.tags))],
    ['appVersion', sanitize(str(chart.appVersion))],
    ['deprecated', chart.deprecated === true],
    ['annotations', sortedStringMap(chart.annotations)],
    ['kubeVersion', sanitize(str(chart.kubeVersion))],
    ['dependencies', dependencies],
    ['type', str(chart.type)],
  ]);
}

/** JSON as Go's encoding/json writes it: HTML-sensitive characters and U+2028/9 escaped. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function helmConfigBlob(chart: ChartMetadata): Blob {
  return blobOf(HELM_CONFIG_MEDIA_TYPE, Buffer.from(goJson(helmMetadata(chart)), 'utf8'));
}

/**
 * The annotations helm writes: description, title, version, url, created, source (first), authors
 * ("Name (email)" joined by ", "), then the chart's own annotations except title and version.
 */
export function ociAnnotations(chart: ChartMetadata, created: string): Record<string, string> {
  const meta = helmMetadata(chart);
  const out: Record<string, string> = {};
  const add = (key: string, value: unknown) => {
    if (typeof value === 'string' && value.trim() !== '') out[`org.opencontainers.image.${key}`] = value;
  };
  add('description', meta.description);
  add('title', meta.name);
  add('version', meta.version);
  add('url', meta.home);
  add('created', created);
  add('source', (meta.sources as string[] | undefined)?.[0]);
  const maintainers = (meta.maintainers ?? []) as { name?: string; email?: string }[];
  if (maintainers.length > 0) {
    add('authors', maintainers.map((m) => `${m.name ?? ''}${m.email ? ` (${m.email})` : ''}`).join(', '));
  }
  const immutable = new Set(['org.opencontainers.image.title', 'org.opencontainers.image.version']);
  for (const [key, value] of Object.entries(sortedStringMap(chart.annotations))) {
    if (!immutable.has(key)) out[key] = value;
  }
  return out;
}

export interface HelmArtifact {
  config: Blob;
  chart: Blob;
  prov?: Blob;
  manifest: OciManifest;
  manifestBytes: Buffer;
  manifestDigest: string;
}

/** Everything to upload for one chart version; `created` is an RFC 3339 timestamp. */
export function buildHelmArtifact(
  chartYaml: ChartMetadata,
  tgz: Buffer,
  prov: Buffer | undefined,
  created: string,
): HelmArtifact {
  const config = helmConfigBlob(chartYaml);
  const chart = blobOf(HELM_CHART_LAYER_MEDIA_TYPE, tgz);
  const provBlob = prov ? blobOf(HELM_PROV_LAYER_MEDIA_TYPE, prov) : undefined;
  const manifest: OciManifest = {
    schemaVersion: 2,
    config: descriptorOf(config),
    // Sorted by digest like helm v4 (v3.17 kept chart-then-prov); helm finds layers by media type.
    layers: [chart, ...(provBlob ? [provBlob] : [])]
      .map(descriptorOf)
      .sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0)),
    annotations: sortedStringMap(ociAnnotations(chartYaml, created)),
  };
  const manifestBytes = Buffer.from(goJson(manifest), 'utf8');
  return {
    config,
    chart,
    prov: provBlob,
    manifest,
    manifestBytes,
    manifestDigest: sha256Digest(manifestBytes),
  };
}

/** RFC 3339 in UTC without fractional seconds, like Go's `time.RFC3339` for a UTC time. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
