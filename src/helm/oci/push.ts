/**
 * `publish --to oci://…`: pushes one packaged chart like `helm push` does, but refuses to move an
 * existing tag to different content unless forced, and is a no-op when the same chart is already there.
 *
 * "Same" compares the chart layer (and provenance layer) digests, not the manifest digest: the manifest
 * carries a `created` annotation that changes whenever the archive is rewritten, while the chart bytes are
 * what `helm pull` delivers. Registries offer no conditional tag update, so two pushers racing on one tag
 * can both pass the check; the tag then holds whichever manifest landed last (documented limitation).
 *
 * A version taken back with `unpublish` has a tombstone tag (src/helm/oci/tombstone.ts): other content
 * under it is refused (unless forced) with the words file:// and s3:// use; the same bytes, or the same
 * content (src/helm/chart/same-content.ts), restore it, and the tombstone tag is deleted after the push.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PipelineError } from '../../errors.ts';
import { tombstoneAllows, tombstoneRefusal } from '../../targets/repository/tombstones.ts';
import { LIMITS, readRegularFile } from '../../util/bounded-io.ts';
import { type ChartArchive, readChartArchive } from '../chart/archive.ts';
import { credentialFiles, ENV_PASSWORD, ENV_USERNAME, findCredential } from './credentials.ts';
import {
  buildHelmArtifact,
  HELM_CHART_LAYER_MEDIA_TYPE,
  HELM_CONFIG_MEDIA_TYPE,
  HELM_PROV_LAYER_MEDIA_TYPE,
  type HelmArtifact,
  OCI_MANIFEST_MEDIA_TYPE,
  rfc3339,
  tagForVersion,
} from './manifest.ts';
import { displayRef, type OciTarget, parseOciTarget, repositoryFor } from './reference.ts';
import { type FetchedManifest, RegistryClient } from './registry-client.ts';
import { readOciTombstone, tombstoneTag } from './tombstone.ts';

export interface OciPushOptions {
  plainHttp?: boolean;
  force?: boolean;
  dryRun?: boolean;
  /** Environment for credential lookup (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** RFC 3339 `created` annotation; defaults to the archive's mtime, as helm push does. */
  created?: string;
  onProgress?: (message: string) => void;
}

export interface OciPushResult {
  ref: string;
  /** Manifest digest the tag points at (after the push, or already). */
  digest: string;
  tag: string;
  status: 'pushed' | 'unchanged' | 'planned';
  chartDigest: string;
  /** True when --force moved an existing tag to different content. */
  replaced?: boolean;
  /** The version's tombstone (it had been unpublished): removed now that the chart is back, or kept. */
  tombstone?: 'removed' | 'kept' | 'would-remove';
}

interface LayerDigests {
  config?: string;
  chart?: string;
  prov?: string;
}

/** The digests that define "the same chart" in an existing manifest, whatever helm version pushed it. */
export function layerDigests(manifestBytes: Buffer): LayerDigests {
  let doc: {
    config?: { mediaType?: string; digest?: string };
    layers?: { mediaType?: string; digest?: string }[];
  };
  try {
    doc = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    return {};
  }
  const layer = (mediaType: string) => doc.layers?.find((l) => l.mediaType === mediaType)?.digest;
  return {
    config: doc.config?.mediaType === HELM_CONFIG_MEDIA_TYPE ? doc.config.digest : undefined,
    chart: layer(HELM_CHART_LAYER_MEDIA_TYPE),
    prov: layer(HELM_PROV_LAYER_MEDIA_TYPE),
  };
}

function sameChart(existing: FetchedManifest, ours: HelmArtifact): boolean {
  const found = layerDigests(existing.bytes);
  return found.config !== undefined && found.chart === ours.chart.digest && found.prov === ours.prov?.digest;
}

async function loadArtifact(
  tgzPath: string,
  created: string | undefined,
): Promise<{ artifact: HelmArtifact; version: string; name: string; archive: ChartArchive }> {
  const tgz = await readRegularFile(tgzPath, LIMITS.chartArchive, 'packaged chart');
  // The shared archive reader: helm's loader rules, and Chart.yaml judged by the one parser.
  const archive = await readChartArchive(tgz, tgzPath);
  const chartYaml = archive.metadata;
  const provPath = `${tgzPath}.prov`;
  const prov = existsSync(provPath)
    ? await readRegularFile(provPath, LIMITS.smallFile, 'provenance file')
    : undefined;
  const when = created ?? rfc3339((await stat(tgzPath)).mtime);
  return {
    artifact: buildHelmArtifact(chartYaml, tgz, prov, when),
    version: chartYaml.version,
    name: chartYaml.name,
    archive,
  };
}

/** A registry client for one repository, with credentials from the environment or registry configs. */
export function registryClientFor(
  target: OciTarget,
  repository: string,
  opts: { plainHttp?: boolean; env: NodeJS.ProcessEnv; actions: 'pull' | 'pull,push' },
): RegistryClient {
  return new RegistryClient({
    registry: target.registry,
    repository,
    plainHttp: opts.plainHttp ?? false,
    credential: findCredential(target.registry, opts.env),
    credentialSources: [`${ENV_USERNAME}/${ENV_PASSWORD}`, ...credentialFiles(opts.env)],
    actions: opts.actions,
  });
}

export async function pushChartToOci(
  tgzPath: string,
  ref: string,
  opts: OciPushOptions = {},
): Promise<OciPushResult> {
  const env = opts.env ?? process.env;
  const progress = opts.onProgress ?? (() => {});
  const target = parseOciTarget(ref);
  const { artifact, version, name, archive } = await loadArtifact(tgzPath, opts.created);
  const repository = repositoryFor(target, name);
  const tag = tagForVersion(version);
  const fullRef = displayRef(target, repository, tag);
  const client = registryClientFor(target, repository, {
    plainHttp: opts.plainHttp,
    env,
    actions: opts.dryRun ? 'pull' : 'pull,push',
  });
  const base = { ref: fullRef, tag, chartDigest: artifact.chart.digest };

  const existing = await client.getManifest(tag);
  // a version taken back with `unpublish` comes back only with the same content (or --force), and its
  // tombstone goes once the chart is there again (src/helm/oci/tombstone.ts)
  const tomb = await readOciTombstone(client, name, version);
  const tombRef = displayRef(target, repository, tombstoneTag(version));
  const removeTombstone = async (): Promise<Pick<OciPushResult, 'tombstone'>> => {
    if (!tomb) return {};
    if (opts.dryRun) return { tombstone: 'would-remove' };
    const res = await client.deleteManifest(tomb.digest);
    if (res.ok || res.status === 404) {
      progress(`${fullRef}: removed the tombstone ${tombRef}`);
      return { tombstone: 'removed' };
    }
    progress(
      `${fullRef}: the tombstone ${tombRef} stays (DELETE answered HTTP ${res.status}: ${res.message})`,
    );
    return { tombstone: 'kept' };
  };
  // Every outcome in which the chart is (or would be) there again ends the tombstone.
  const outcome = async (
    r: Pick<OciPushResult, 'digest' | 'status' | 'replaced'>,
  ): Promise<OciPushResult> => ({
    ...base,
    ...r,
    ...(await removeTombstone()),
  });
  if (existing && sameChart(existing, artifact)) {
    progress(`${fullRef}: already present with the same chart (${artifact.chart.digest}), nothing to push`);
    return outcome({ digest: existing.digest, status: 'unchanged' });
  }
  if (existing && !opts.force) {
    const found = layerDigests(existing.bytes).chart ?? 'no helm chart layer';
    throw new PipelineError(
      `${fullRef} already exists with different content (chart layer ${found}, ours ${artifact.chart.digest}); ` +
        'a published chart version is immutable: bump the version, or pass --force to move the tag',
    );
  }
  if (!existing && tomb && !opts.force && !tombstoneAllows(tomb.tombstone, { name, version, ...archive }))
    throw tombstoneRefusal(tomb.tombstone, `oci://${target.registry}/${repository}`, tombRef);
  if (opts.dryRun) {
    progress(
      `${fullRef}: would push ${artifact.manifestDigest}${existing ? ' (replacing the existing tag)' : ''}`,
    );
    return outcome({ digest: artifact.manifestDigest, status: 'planned', replaced: existing !== undefined });
  }

  for (const blob of [artifact.config, artifact.chart, ...(artifact.prov ? [artifact.prov] : [])]) {
    if (await client.blobExists(blob.digest)) continue;
    progress(`${fullRef}: uploading ${blob.mediaType} (${blob.size} bytes)`);
    await client.uploadBlob(blob);
  }
  await client.putManifest(tag, artifact.manifestBytes, OCI_MANIFEST_MEDIA_TYPE);
  // Re-read what the tag resolves to now: the push only counts if the registry serves our manifest.
  const after = await client.getManifest(tag);
  if (after?.digest !== artifact.manifestDigest) {
    throw new PipelineError(
      `${fullRef}: after the push the tag resolves to ${after?.digest ?? 'nothing'}, expected ${artifact.manifestDigest} (another pusher raced us?)`,
    );
  }
  progress(`${fullRef}: pushed ${artifact.manifestDigest}`);
  return outcome({ digest: artifact.manifestDigest, status: 'pushed', replaced: existing !== undefined });
}
