/**
 * `repo verify` and `unpublish` on OCI registries (one repository per chart, one tag per version, as
 * `helm push` does). The charts are found through the registry's catalog (`/v2/_catalog`), or named
 * with --chart where the registry offers none.
 */
import type * as openpgp from 'openpgp';
import { PipelineError, UsageError } from '../../errors.ts';
import { readChartArchive } from '../../helm/chart/archive.ts';
import {
  HELM_CHART_LAYER_MEDIA_TYPE,
  HELM_PROV_LAYER_MEDIA_TYPE,
  sha256Digest,
  tagForVersion,
} from '../../helm/oci/manifest.ts';
import { layerDigests, registryClientFor } from '../../helm/oci/push.ts';
import { parseOciTarget, repositoryFor } from '../../helm/oci/reference.ts';
import type { RegistryClient } from '../../helm/oci/registry-client.ts';
import {
  isTombstoneTag,
  readOciTombstone,
  tombstoneTag,
  writeOciTombstone,
} from '../../helm/oci/tombstone.ts';
import { provenanceProblem } from '../../helm/provenance.ts';
import { contentOf } from '../../targets/repository/tombstones.ts';
import { DEFAULT_CONCURRENCY, mapLimit } from './common.ts';
import { type Finding, metadataDiff, semverTags, type VerifyOptions, type VerifyReport } from './verify.ts';

interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
}

function clientFor(opts: VerifyOptions, repository: string, actions: 'pull' | 'pull,push'): RegistryClient {
  return registryClientFor(parseOciTarget(opts.to), repository, {
    plainHttp: opts.plainHttp,
    env: opts.env ?? process.env,
    actions,
  });
}

async function chartRepositories(opts: VerifyOptions): Promise<string[]> {
  const ref = parseOciTarget(opts.to);
  if (opts.charts && opts.charts.length > 0) return opts.charts.map((c) => repositoryFor(ref, c));
  const prefix = ref.namespace === '' ? '' : `${ref.namespace}/`;
  const catalog = await clientFor(opts, ref.namespace || 'catalog', 'pull')
    .listRepositories(prefix)
    .catch(() => undefined);
  if (catalog === undefined)
    throw new UsageError(
      `${opts.to}: the registry offers no catalog; name the charts to check with --chart NAME`,
    );
  // charts sit directly under the path (helm push's PATH/<chart>)
  return catalog.filter((r) => !r.slice(prefix.length).includes('/'));
}

async function checkTag(
  client: RegistryClient,
  where: string,
  chart: string,
  tag: string,
  keys: openpgp.Key[] | undefined,
): Promise<{ findings: Finding[]; hasProv: boolean }> {
  const version = tag.replaceAll('_', '+');
  const at = { chart, version };
  const location = `${where}:${tag}`;
  const findings: Finding[] = [];
  const add = (code: Finding['code'], message: string, loc = location) =>
    findings.push({ ...at, code, location: loc, message });
  const manifest = await client.getManifest(tag);
  if (!manifest) {
    add('manifest-missing', `${location}: the tag is listed but its manifest is missing`);
    return { findings, hasProv: false };
  }
  let doc: { config?: Descriptor; layers?: Descriptor[] };
  try {
    doc = JSON.parse(manifest.bytes.toString('utf8'));
    if (!doc.config?.digest || !Array.isArray(doc.layers)) throw new Error('no config or layers');
  } catch (err) {
    add(
      'manifest-malformed',
      `${location}: manifest ${manifest.digest} is not an image manifest (${(err as Error).message})`,
    );
    return { findings, hasProv: false };
  }
  const blobs = new Map<string, Buffer>();
  for (const d of [doc.config, ...doc.layers]) {
    if (!d?.digest) {
      add('manifest-malformed', `${location}: a descriptor has no digest`);
      continue;
    }
    const bytes = await client.fetchBlob(d.digest);
    const blobLoc = `${where}@${d.digest}`;
    if (!bytes) {
      add('missing-blob', `${location}: ${d.mediaType ?? 'blob'} ${d.digest} is missing`, blobLoc);
      continue;
    }
    if (sha256Digest(bytes) !== d.digest || (d.size !== undefined && d.size !== bytes.length)) {
      add(
        'digest-mismatch',
        `${location}: ${d.digest} serves ${bytes.length} bytes with ${sha256Digest(bytes)}`,
        blobLoc,
      );
      continue;
    }
    blobs.set(d.mediaType ?? '', bytes);
  }
  const config = doc.config.digest ? blobs.get(doc.config.mediaType ?? '') : undefined;
  let configMeta: { name?: string; version?: string } = {};
  try {
    if (config) configMeta = JSON.parse(config.toString('utf8'));
  } catch {
    add('manifest-malformed', `${location}: the config blob is not JSON`);
  }
  if (config && (configMeta.version !== version || configMeta.name !== chart))
    add('metadata-mismatch', `${location}: the config says ${configMeta.name} ${configMeta.version}`);
  const chartBytes = blobs.get(HELM_CHART_LAYER_MEDIA_TYPE);
  if (!chartBytes) {
    if (!doc.layers.some((l) => l.mediaType === HELM_CHART_LAYER_MEDIA_TYPE))
      add('manifest-malformed', `${location}: no chart content layer (not a helm chart)`);
    return { findings, hasProv: false };
  }
  try {
    const archive = await readChartArchive(chartBytes, location);
    if (archive.metadata.name !== chart || archive.metadata.version !== version)
      add(
        'metadata-mismatch',
        `${location}: the chart layer holds ${archive.metadata.name} ${archive.metadata.version}`,
      );
    else if (config) {
      const diff = metadataDiff(configMeta, archive.metadata);
      if (diff.length > 0)
        add('metadata-mismatch', `${location}: the config differs from Chart.yaml in ${diff.join(', ')}`);
    }
  } catch (err) {
    add('tarball-malformed', (err as Error).message);
  }
  const prov = blobs.get(HELM_PROV_LAYER_MEDIA_TYPE);
  if (prov) {
    const problem = await provenanceProblem(prov, chartBytes, `${chart}-${version}.tgz`, keys);
    if (problem) add('prov-invalid', `${location}: the provenance layer ${problem}`);
  }
  return {
    findings,
    hasProv: prov !== undefined || doc.layers.some((l) => l.mediaType === HELM_PROV_LAYER_MEDIA_TYPE),
  };
}

export async function verifyOci(opts: VerifyOptions, keys: openpgp.Key[] | undefined): Promise<VerifyReport> {
  const ref = parseOciTarget(opts.to);
  const findings: Finding[] = [];
  let checked = 0;
  let tombstones = 0;
  for (const repository of await chartRepositories(opts)) {
    const chart = repository.split('/').pop() ?? repository;
    const client = clientFor(opts, repository, 'pull');
    const where = `oci://${ref.registry}/${repository}`;
    const listed = await client.listTags();
    // tombstone tags (src/helm/oci/tombstone.ts) are never semver: counted, not checked as charts
    tombstones += listed.filter(isTombstoneTag).length;
    const tags = semverTags(listed);
    checked += tags.length;
    const results = await mapLimit(tags, opts.concurrency ?? DEFAULT_CONCURRENCY, (tag) =>
      checkTag(client, where, chart, tag, keys),
    );
    const anyProv = results.some((r) => r.hasProv);
    results.forEach((r, i) => {
      findings.push(...r.findings);
      if (anyProv && !r.hasProv && r.findings.length === 0)
        findings.push({
          code: 'prov-missing',
          chart,
          version: tags[i].replaceAll('_', '+'),
          location: `${where}:${tags[i]}`,
          message: `${where}:${tags[i]} has no provenance layer, while other versions are signed`,
        });
    });
  }
  return {
    target: opts.to,
    kind: 'oci',
    checked,
    ...(tombstones > 0 ? { tombstones } : {}),
    signatures: keys !== undefined,
    findings,
  };
}

export interface OciUnpublishResult {
  reference: string;
  digest?: string;
  action: 'deleted' | 'absent' | 'unsupported' | 'would-delete';
  /** the tombstone tag's reference, when one is (or would be) there */
  tombstone?: string;
  message: string;
}

const TOMBSTONE_NOTE = 'publishing it again with other content is refused unless --force';

/**
 * Takes CHART:VERSION back where the registry allows deletes, in this order so that a re-run converges
 * and no moment lets other bytes in under the version:
 *  1. ask whether the registry allows deletes at all (a DELETE of a digest no manifest has): where it
 *     does not, nothing is written and the answer says so (a tombstone could not be removed there either);
 *  2. the tombstone manifest (src/helm/oci/tombstone.ts) under `tombstone-<tag>`;
 *  3. the chart's manifest (and so its tag).
 */
export async function unpublishOci(
  opts: VerifyOptions & { dryRun?: boolean; force?: boolean; reason?: string },
  chart: string,
  version: string,
): Promise<OciUnpublishResult> {
  const ref = parseOciTarget(opts.to);
  const repository = repositoryFor(ref, chart);
  const tag = tagForVersion(version);
  const reference = `oci://${ref.registry}/${repository}:${tag}`;
  const tombstone = `oci://${ref.registry}/${repository}:${tombstoneTag(version)}`;
  const client = clientFor(opts, repository, opts.dryRun ? 'pull' : 'pull,push');
  const manifest = await client.getManifest(tag);
  if (!manifest) {
    if (await readOciTombstone(client, chart, version))
      return {
        reference,
        action: 'absent',
        tombstone,
        message: `${reference} is already unpublished (tombstone ${tombstone}: ${TOMBSTONE_NOTE})`,
      };
    return { reference, action: 'absent', message: `${reference} does not exist; nothing to unpublish` };
  }
  // deleting a manifest deletes every tag pointing at it: never take other versions along silently
  const others = (await client.listTags()).filter((t) => t !== tag);
  const digests = await mapLimit(
    others,
    opts.concurrency ?? DEFAULT_CONCURRENCY,
    async (t) => (await client.getManifest(t))?.digest,
  );
  const sharing = others.filter((_, i) => digests[i] === manifest.digest);
  if (sharing.length > 0 && !opts.force)
    throw new PipelineError(
      `${reference}: its manifest ${manifest.digest} is also tagged ${sharing.join(', ')}; deleting it would ` +
        'remove those tags too. Pass --force to delete them all',
    );
  if (opts.dryRun)
    return {
      reference,
      digest: manifest.digest,
      action: 'would-delete',
      tombstone,
      message: `would delete ${reference} (${manifest.digest}) and leave the tombstone ${tombstone}`,
    };
  const unsupported = (status: number, message: string, extra = ''): OciUnpublishResult => ({
    reference,
    digest: manifest.digest,
    action: 'unsupported',
    message:
      `${ref.registry} does not allow deleting manifests (HTTP ${status}${message ? `: ${message}` : ''}); ` +
      `${reference} is still published${extra}. Delete it with the registry's own tools ` +
      '(docker-registry: REGISTRY_STORAGE_DELETE_ENABLED=true)',
  });
  // 1. where deletes are refused, nothing is written: not even a tombstone
  const refusal = await client.deleteRefusal();
  if (refusal) return unsupported(refusal.status, refusal.message, ' and no tombstone was written');
  // 2. the tombstone: from here on other content under this version is refused
  const layer = layerDigests(manifest.bytes).chart;
  const chartBytes = layer ? await client.fetchBlob(layer) : undefined;
  const intact = chartBytes !== undefined && sha256Digest(chartBytes) === layer;
  opts.onProgress?.(`writing ${tombstone}`);
  const tombstoneDigest = await writeOciTombstone(client, {
    name: chart,
    version,
    ...(layer ? { digest: layer.replace(/^sha256:/, '') } : {}),
    ...(intact ? await contentField(chartBytes, reference) : {}),
    ...(opts.reason ? { reason: opts.reason } : {}),
    unpublished: new Date().toISOString(),
  });
  // 3. the chart's manifest
  opts.onProgress?.(`deleting ${reference}`);
  const res = await client.deleteManifest(manifest.digest);
  if (res.ok)
    return {
      reference,
      digest: manifest.digest,
      action: 'deleted',
      tombstone,
      message: `deleted ${reference} (${manifest.digest}); tombstone ${tombstone}: ${TOMBSTONE_NOTE}`,
    };
  if (res.unsupported) {
    // the probe said otherwise: take the tombstone back too, or say that it stays
    const undo = await client.deleteManifest(tombstoneDigest);
    return unsupported(
      res.status,
      res.message,
      undo.ok
        ? ' and its tombstone was removed again'
        : `; the tombstone ${tombstone} could not be removed either`,
    );
  }
  throw new PipelineError(
    `${reference}: DELETE manifest ${manifest.digest} failed with HTTP ${res.status}: ${res.message} ` +
      `(the tombstone ${tombstone} is written: a re-run finishes the unpublish)`,
  );
}

async function contentField(bytes: Buffer, where: string): Promise<{ content?: string }> {
  const content = await contentOf(bytes, where);
  return content ? { content } : {};
}
