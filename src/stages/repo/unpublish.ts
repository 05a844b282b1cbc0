/**
 * `unpublish CHART VERSION`: takes a version back. Chart repositories (file://, s3://), in this order,
 * so that no moment exposes a broken repository and a re-run converges:
 *  1. a tombstone `.tombstones/<name>-<version>.json` (digest, reason, time): from now on publishing
 *     this version with other bytes is refused (publish --force overrides);
 *  2. the index entry is removed with the conditional-write loop of publish (a concurrent publish of
 *     other charts is never lost);
 *  3. only then the tarball and its .prov are deleted: the index never names a missing tarball.
 * OCI registries (src/stages/repo/oci.ts): where the registry allows deletes, a tombstone manifest under
 * the tag `tombstone-<version>` (never semver, so helm never lists it) with the same record, then the
 * chart's manifest is deleted; where it does not, nothing is written and the answer says so.
 * The tombstone's rule is publish's same-content rule: the same bytes or the same files restore.
 */
import { PipelineError, UsageError } from '../../errors.ts';
import { sha256Hex } from '../../helm/chart/archive.ts';
import { probePreconditions } from '../../targets/probe.ts';
import { redactSecrets } from '../../targets/redact.ts';
import { type IndexFormat, readIndex, rewriteIndex } from '../../targets/repository/remote-index.ts';
import {
  contentOf,
  readTombstone,
  tombstoneKey,
  writeTombstone,
} from '../../targets/repository/tombstones.ts';
import type { Storage } from '../../targets/storage.ts';
import { isOci, keyOfUrl, type RepoOptions, withStorage } from './common.ts';

export interface UnpublishOptions extends RepoOptions {
  reason?: string;
  /** take the version back even where the stored tarball disagrees with the index, or the index lacks it */
  force?: boolean;
  dryRun?: boolean;
  indexFormat?: IndexFormat;
  singleWriter?: boolean;
}

export interface UnpublishReport {
  target: string;
  chart: string;
  version: string;
  dryRun: boolean;
  /** the tombstone (repositories: .tombstones/…; OCI: the tombstone tag) */
  tombstone?: string;
  index?: 'updated' | 'unchanged' | 'would-update';
  deleted: string[];
  digest?: string;
  oci?: { reference: string; action: string; message: string };
}

export async function unpublish(
  chart: string,
  version: string,
  opts: UnpublishOptions,
): Promise<UnpublishReport> {
  if (isOci(opts.to)) {
    const { unpublishOci } = await import('./oci.ts');
    const res = await unpublishOci(opts, chart, version);
    const report: UnpublishReport = {
      target: opts.to,
      chart,
      version,
      dryRun: Boolean(opts.dryRun),
      deleted: res.action === 'deleted' ? [res.reference] : [],
      digest: res.digest,
      ...(res.tombstone ? { tombstone: redactSecrets(res.tombstone) } : {}),
      oci: { reference: res.reference, action: res.action, message: redactSecrets(res.message) },
    };
    if (res.action === 'unsupported') throw new PipelineError(redactSecrets(res.message));
    return report;
  }
  const report = await withStorage(opts, (storage) => unpublishFromStorage(storage, chart, version, opts));
  return { ...report, target: redactSecrets(report.target) };
}

export async function unpublishFromStorage(
  storage: Storage,
  chart: string,
  version: string,
  opts: UnpublishOptions,
): Promise<UnpublishReport> {
  const progress = opts.onProgress ?? (() => undefined);
  const report: UnpublishReport = {
    target: storage.location,
    chart,
    version,
    dryRun: Boolean(opts.dryRun),
    deleted: [],
  };
  const current = await readIndex(storage);
  const entry = current?.index.entries[chart]?.find((e) => e.version === version);
  const r = entry ? keyOfUrl(entry.urls?.[0], opts.baseUrl) : { key: `${chart}-${version}.tgz` };
  if ('problem' in r)
    throw new PipelineError(
      `${storage.describe('index.yaml')}: ${chart} ${version} ${r.problem}; not touching it`,
    );
  const key = r.key;
  const stored = await storage.get(key);
  const storedDigest = stored ? sha256Hex(stored.body) : undefined;
  const tombstone = await readTombstone(storage, chart, version);
  if (!entry && !stored) {
    if (tombstone) {
      report.tombstone = storage.describe(tombstoneKey(chart, version));
      report.index = 'unchanged';
      return report; // already unpublished: a re-run converges
    }
    throw new UsageError(`${chart} ${version} is not published in ${storage.location}`);
  }
  if (!entry && !opts.force)
    throw new PipelineError(
      `${storage.describe(key)} is stored but the index does not list ${chart} ${version}; pass --force to delete it anyway`,
    );
  if (entry && stored && entry.digest !== undefined && entry.digest !== storedDigest && !opts.force)
    throw new PipelineError(
      `${storage.describe(key)} has sha256 ${storedDigest} but the index says ${entry.digest}; ` +
        'run `repo verify`, or pass --force to unpublish both',
    );
  report.digest = entry?.digest ?? storedDigest;
  // the content identity too, so that the same files in other bytes restore it (same-content.ts)
  const content =
    stored && storedDigest === report.digest
      ? await contentOf(stored.body, storage.describe(key))
      : undefined;
  const extras = [`${key}.prov`];
  if (opts.dryRun) {
    report.index = entry ? 'would-update' : 'unchanged';
    report.deleted = [key, ...extras].map((k) => storage.describe(k));
    report.tombstone = storage.describe(tombstoneKey(chart, version));
    return report;
  }
  // a store that ignores conditional writes is refused before anything is written
  const probe = await probePreconditions(storage);
  const honoured = probe.ifNoneMatch && probe.ifMatch !== null;
  if (!honoured && !opts.singleWriter)
    throw new PipelineError(
      `${storage.location} ignores conditional writes; refusing to rewrite its index (pass --single-writer)`,
    );
  // 1. the tombstone first: from here on other bytes under this version are refused
  progress(`writing ${storage.describe(tombstoneKey(chart, version))}`);
  await writeTombstone(storage, {
    name: chart,
    version,
    digest: report.digest,
    ...(content ? { content } : {}),
    ...(opts.reason ? { reason: opts.reason } : {}),
    unpublished: new Date().toISOString(),
  });
  report.tombstone = storage.describe(tombstoneKey(chart, version));
  // 2. the index entry, conditionally
  progress(`removing ${chart} ${version} from ${storage.describe('index.yaml')}`);
  const outcome = await rewriteIndex(
    storage,
    current,
    (now) => {
      const list = now?.index.entries[chart];
      if (!now || !list?.some((e) => e.version === version)) return null;
      const kept = list.filter((e) => e.version !== version);
      const entries = { ...now.index.entries };
      if (kept.length === 0) delete entries[chart];
      else entries[chart] = kept;
      return { ...now.index, entries, generated: new Date().toISOString() };
    },
    {
      format: opts.indexFormat ?? current?.format ?? 'yaml',
      ifMatchForm: honoured ? probe.ifMatch : null,
      maxAttempts: opts.maxAttempts,
    },
  );
  report.index = outcome.action === 'unchanged' ? 'unchanged' : 'updated';
  // 3. the objects, once nothing names them
  for (const k of [key, ...extras]) {
    if (k === key ? stored : await storage.head(k)) {
      progress(`deleting ${storage.describe(k)}`);
      await storage.delete(k);
      report.deleted.push(storage.describe(k));
    }
  }
  return report;
}

export function formatUnpublishReport(r: UnpublishReport): string {
  if (r.oci) return `${r.oci.message}\n`;
  const verb = r.dryRun ? 'would ' : '';
  const lines = [
    `${r.chart} ${r.version}${r.digest ? ` (sha256 ${r.digest})` : ''}: ${verb}unpublish from ${r.target}`,
    `  index.yaml: ${r.index ?? 'unchanged'}`,
    ...r.deleted.map((d) => `  ${r.dryRun ? 'would delete' : 'deleted'} ${d}`),
  ];
  if (r.tombstone)
    lines.push(
      `  tombstone: ${r.tombstone} (publishing ${r.version} again with other content is refused unless --force)`,
    );
  return `${lines.join('\n')}\n`;
}
