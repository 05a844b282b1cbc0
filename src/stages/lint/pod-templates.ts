/**
 * Release check: upgrading from the published version must not replace the pods of a StatefulSet or
 * DaemonSet when nothing but the chart's metadata changed. A changed pod template makes Kubernetes
 * replace every pod: etcd members restart (and lose the data an emptyDir held), every node's vineyardd
 * restarts. A chart-version-only bump (Chart.yaml's version and annotations, README.md) must therefore
 * render the very same pod templates; when templates or values changed too, the replacement may be
 * intended and is reported for information.
 */
import { isDeepStrictEqual } from 'node:util';
import { readChartYamlMapping } from '../../helm/chart/chartfile.ts';
import { type Finding, finding } from './model.ts';
import type { K8sObject } from './templates.ts';

/** Kinds whose pods are replaced when `spec.template` changes. */
const WORKLOADS = new Set(['StatefulSet', 'DaemonSet']);

/** Files that may differ between two versions without changing what they render. */
const METADATA_FILES = new Set(['Chart.yaml', 'README.md']);

/** True when `local` and `published` differ only in Chart.yaml's version and annotations, and README.md. */
export function onlyMetadataChanged(local: Map<string, Buffer>, published: Map<string, Buffer>): boolean {
  for (const name of new Set([...local.keys(), ...published.keys()])) {
    const a = local.get(name);
    const b = published.get(name);
    if (a && b && a.equals(b)) continue;
    if (!a || !b || !METADATA_FILES.has(name)) return false;
    if (name === 'Chart.yaml') {
      const strip = (buf: Buffer) => {
        const { version: _v, annotations: _a, ...rest } = readChartYamlMapping(buf.toString('utf8'), name);
        return rest;
      };
      if (!isDeepStrictEqual(strip(a), strip(b))) return false;
    }
  }
  return true;
}

/** The first path (`spec.template.metadata.labels.x`) where two values differ. */
export function firstDifference(a: unknown, b: unknown, at: string): string {
  if (isDeepStrictEqual(a, b)) return '';
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d) return d;
    }
  }
  const isMap = (v: unknown): v is Record<string, unknown> =>
    !!v && typeof v === 'object' && !Array.isArray(v);
  if (isMap(a) && isMap(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const d = firstDifference(a[key], b[key], `${at}.${key}`);
      if (d) return d;
    }
  }
  return at;
}

const identity = (o: K8sObject) => `${o.apiVersion}|${o.kind}|${o.metadata?.name}`;

/**
 * Why a pod template differs: `version` compares the local chart with itself rendered at the published
 * version (the chart version alone changes it), `metadata` the published chart with a local one that differs
 * only in metadata; both are errors. `content` (templates or values changed too) is information.
 */
export type PodTemplateCheck = 'version' | 'metadata' | 'content';

export function podTemplateChanges(
  before: { obj: K8sObject }[],
  after: { file: string; obj: K8sObject }[],
  publishedVersion: string,
  check: PodTemplateCheck,
): Finding[] {
  const old = new Map(before.map((d) => [identity(d.obj), d.obj]));
  const out: Finding[] = [];
  for (const { file, obj } of after) {
    if (!WORKLOADS.has(String(obj.kind))) continue;
    const prev = old.get(identity(obj));
    if (!prev) continue;
    const a = (prev.spec as { template?: unknown } | undefined)?.template;
    const b = (obj.spec as { template?: unknown } | undefined)?.template;
    const where = firstDifference(a, b, 'spec.template');
    if (!where) continue;
    const what = `${obj.kind} ${JSON.stringify(obj.metadata?.name)}`;
    const replaces =
      "so helm upgrade replaces every pod (etcd members restart, every node's vineyardd restarts)";
    if (check === 'version')
      out.push(
        finding(
          'release-pod-template',
          file,
          where,
          `${what}: its pod template depends on the chart version (rendered at the published ${publishedVersion} it differs, first at ${where}), ${replaces} on every chart-version bump; keep .Chart.Version out of pod templates`,
        ),
      );
    else if (check === 'metadata')
      out.push(
        finding(
          'release-pod-template',
          file,
          where,
          `${what}: its pod template changes since published ${publishedVersion} (first at ${where}) although only the chart's metadata changed, ${replaces}`,
        ),
      );
    else
      out.push(
        finding(
          'release-pod-template',
          file,
          where,
          `${what}: upgrading from ${publishedVersion} replaces its pods (the pod template changes, first at ${where})`,
          'INFO',
        ),
      );
  }
  return out;
}
