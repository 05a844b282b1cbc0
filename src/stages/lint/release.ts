/**
 * Release checks against a published index.yaml: the version must go up when content changed
 * (chart-testing's version-bump check), and the newest published version and this one, rendered with
 * the same values, must not differ in fields Kubernetes refuses to update in place — those make
 * `helm upgrade` fail halfway.
 */

import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import semver from 'semver';
import { readChartArchive } from '../../helm/chart/archive.ts';
import { contentChanged } from '../../helm/chart/same-content.ts';
import { parseIndex } from '../../helm/repo/index-file.ts';
import { fetchBounded, LIMITS, readRegularFile } from '../../util/bounded-io.ts';
import { offRepoMessage, withinRepository } from '../../util/repo-urls.ts';
import type { ChartInfo } from './chartfile.ts';
import type { LoadedChart } from './load.ts';
import { type Finding, finding } from './model.ts';
import { onlyMetadataChanged, podTemplateChanges } from './pod-templates.ts';
import { type K8sObject, renderChart } from './templates.ts';
import { parseValuesText, type Tree, valuesFor } from './values.ts';

export interface ValueSet {
  name: string;
  values: Tree;
  /** The fixture as written (re-applied over the published chart's own defaults). */
  raw?: Tree;
}

export interface RenderedSet {
  fixture: string;
  docs: { file: string; obj: K8sObject }[];
}

const isUrl = (s: string) => /^https?:\/\//.test(s);

async function readBytes(location: string, maxBytes: number, what: string): Promise<Buffer> {
  if (isUrl(location)) return fetchBounded(location, { maxBytes, timeoutMs: 60_000 });
  return readRegularFile(location, maxBytes, what);
}

function resolveChartUrl(indexLocation: string, url: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  if (isUrl(indexLocation)) return new URL(url, indexLocation).href;
  return path.resolve(path.dirname(indexLocation), url);
}

/** Chart.yaml is rewritten by `helm package`, so it is compared as data, without its version. */
export { contentChanged };

type Obj = Record<string, unknown>;
const get = (o: unknown, p: string): unknown =>
  p.split('.').reduce<unknown>((cur, k) => (cur && typeof cur === 'object' ? (cur as Obj)[k] : undefined), o);

/** Fields the API server will not change on an existing object, by kind. */
export const IMMUTABLE_FIELDS: Record<string, string[]> = {
  Deployment: ['spec.selector'],
  ReplicaSet: ['spec.selector'],
  DaemonSet: ['spec.selector'],
  StatefulSet: ['spec.selector', 'spec.serviceName', 'spec.volumeClaimTemplates', 'spec.podManagementPolicy'],
  Job: ['spec.selector'],
  Service: ['spec.clusterIP', 'spec.clusterIPs'],
  PersistentVolumeClaim: ['spec.storageClassName'],
};

const identity = (o: K8sObject) =>
  `${o.apiVersion}|${o.kind}|${get(o, 'metadata.namespace') ?? ''}|${get(o, 'metadata.name')}`;

export function immutableChanges(
  before: { obj: K8sObject }[],
  after: { file: string; obj: K8sObject }[],
  publishedVersion: string,
): Finding[] {
  const old = new Map(before.map((d) => [identity(d.obj), d.obj]));
  const out: Finding[] = [];
  for (const { file, obj } of after) {
    const prev = old.get(identity(obj));
    const fields = IMMUTABLE_FIELDS[String(obj.kind)];
    if (!prev || !fields) continue;
    for (const field of fields) {
      const a = get(prev, field);
      const b = get(obj, field);
      if (isDeepStrictEqual(a, b)) continue;
      out.push(
        finding(
          'release-immutable-field',
          file,
          field,
          `${obj.kind} ${JSON.stringify(get(obj, 'metadata.name'))}: ${field} changes from ${JSON.stringify(a) ?? 'unset'} to ${JSON.stringify(b) ?? 'unset'} since published ${publishedVersion}; Kubernetes rejects this update, so helm upgrade would fail (rename the object or document a delete-and-recreate step)`,
        ),
      );
    }
  }
  return out;
}

export async function lintRelease(
  chart: LoadedChart,
  info: ChartInfo,
  sets: ValueSet[],
  rendered: RenderedSet[],
  against: string,
  maxMinor: number,
  allowOffRepoUrls = false,
): Promise<Finding[]> {
  const out: Finding[] = [];
  const fail = (message: string, severity: 'ERROR' | 'WARNING' = 'ERROR') => {
    out.push(finding('release-index', against, '', message, severity));
    return out;
  };
  let index: ReturnType<typeof parseIndex>;
  try {
    index = parseIndex((await readBytes(against, LIMITS.indexFile, 'index')).toString('utf8'), against);
  } catch (err) {
    return fail(`cannot read the published index: ${(err as Error).message}`);
  }
  const entries = (index.entries[info.name] ?? []).filter((e) => !e.removed && semver.valid(e.version));
  if (entries.length === 0) return out; // first release of this chart: nothing to compare with
  const newest = entries.reduce((a, b) => (semver.gt(b.version, a.version) ? b : a));
  const url = newest.urls?.[0];
  if (!url) return fail(`entry ${info.name} ${newest.version} has no urls`);
  const chartUrl = resolveChartUrl(against, url);
  if (!allowOffRepoUrls && !withinRepository(against, chartUrl)) return fail(offRepoMessage(against, url));
  let published: Awaited<ReturnType<typeof readChartArchive>>;
  try {
    published = await readChartArchive(
      await readBytes(chartUrl, LIMITS.chartArchive, 'chart archive'),
      chartUrl,
    );
  } catch (err) {
    return fail(`cannot read published chart ${chartUrl}: ${(err as Error).message}`);
  }
  if (newest.digest && newest.digest !== published.digest) {
    return fail(`${chartUrl} has sha256 ${published.digest} but the index says ${newest.digest}`);
  }
  const local = info.version ?? '';
  const changed = contentChanged(chart.files, published.files);
  const chartFile = `${chart.root}/Chart.yaml`;
  if (!semver.valid(local)) {
    // chart-version-semver already reports it; a bump cannot be judged.
  } else if (changed.length > 0 && !semver.gt(local, newest.version)) {
    out.push(
      finding(
        'release-version-bump',
        chartFile,
        'version',
        `chart content changed since published ${newest.version} (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', ...' : ''}) but version ${local} is not greater`,
      ),
    );
  } else if (semver.lt(local, newest.version)) {
    out.push(
      finding(
        'release-version-bump',
        chartFile,
        'version',
        `version ${local} is lower than the published ${newest.version}`,
      ),
    );
  }
  const oldChart: LoadedChart = { root: `${chartUrl}:${published.metadata.name}`, files: published.files };
  const oldValuesText = published.files.get('values.yaml')?.toString('utf8') ?? '';
  let oldDefaults: Tree;
  try {
    oldDefaults = parseValuesText(oldValuesText, `${oldChart.root}/values.yaml`);
  } catch (err) {
    return fail(
      `published ${newest.version} has unreadable values.yaml: ${(err as Error).message}`,
      'WARNING',
    );
  }
  const metadataOnly = onlyMetadataChanged(chart.files, published.files);
  for (const set of sets) {
    const now = rendered.find((r) => r.fixture === set.name);
    if (!now) continue;
    const values = valuesFor(oldDefaults, set.raw);
    const before = renderChart(
      oldChart,
      published.metadata as unknown as Record<string, unknown>,
      published.metadata.name,
      values,
      `v1.${maxMinor}.0`,
    );
    if (before.findings.some((f) => f.severity === 'ERROR')) {
      fail(
        `published ${newest.version} does not render with ${set.name}: ${before.findings[0].message}`,
        'WARNING',
      );
      continue;
    }
    for (const f of immutableChanges(before.docs, now.docs, newest.version))
      out.push({ ...f, fixtures: [set.name] });
    // The local chart rendered as if it still had the published version: what the version alone changes.
    const atPublished = renderChart(
      chart,
      { ...(info.meta as Record<string, unknown>), version: newest.version },
      info.name,
      set.values,
      `v1.${maxMinor}.0`,
    );
    const byVersion = atPublished.findings.some((f) => f.severity === 'ERROR')
      ? []
      : podTemplateChanges(atPublished.docs, now.docs, newest.version, 'version');
    const byUpgrade = podTemplateChanges(
      before.docs,
      now.docs,
      newest.version,
      metadataOnly ? 'metadata' : 'content',
    ).filter((f) => !byVersion.some((v) => v.file === f.file));
    for (const f of [...byVersion, ...byUpgrade]) out.push({ ...f, fixtures: [set.name] });
  }
  return out;
}
