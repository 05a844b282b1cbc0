/**
 * Pure helpers for deploy/undeploy: which objects a render produced, the in-cluster record of what was
 * applied, the ordering for deletion, and the checks upstream's Python deployer lacked.
 *
 * Why a record ConfigMap (and not labels or a local state file): `undeploy` must delete exactly what was
 * applied, from any machine (a CI job deploys, a laptop undeploys), even when the chart version or the
 * values that rendered it are gone. A label selector would also match objects someone else labelled
 * alike and needs the list of kinds anyway; a local file is lost with the machine.
 */
import { dump } from 'js-yaml';
import { PipelineError } from '../../errors.ts';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  /** Absent for cluster-scoped kinds. */
  namespace?: string;
}

export type K8sObject = Record<string, unknown>;

// Kinds that live outside namespaces; everything else rendered is placed in the release namespace.
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'PriorityClass',
  'StorageClass',
  'PersistentVolume',
  'CustomResourceDefinition',
  'IngressClass',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'RuntimeClass',
  'CSIDriver',
  'VolumeAttachment',
]);

/** Workload kinds `kubectl rollout status` understands. */
export const WAITABLE_KINDS = ['DaemonSet', 'StatefulSet', 'Deployment'] as const;

export const FIELD_MANAGER = 'vineyard-charts';
export const RECORD_KEY = 'objects.json';

export function recordName(release: string): string {
  return `vineyard-charts.release.${release}`;
}

function metadataOf(obj: K8sObject): Record<string, unknown> {
  const meta = obj.metadata;
  return meta !== null && typeof meta === 'object' ? (meta as Record<string, unknown>) : {};
}

export function refOf(obj: K8sObject, namespace: string): ObjectRef {
  const meta = metadataOf(obj);
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof meta.name !== 'string') {
    throw new PipelineError(
      `rendered object without apiVersion/kind/metadata.name: ${JSON.stringify(obj).slice(0, 120)}`,
    );
  }
  if (CLUSTER_SCOPED.has(kind)) return { apiVersion, kind, name: meta.name };
  const ns = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : namespace;
  if (ns !== namespace) {
    throw new PipelineError(
      `${kind}/${meta.name} is rendered into namespace "${ns}" but the release namespace is "${namespace}"`,
    );
  }
  return { apiVersion, kind, name: meta.name, namespace: ns };
}

export function refKey(ref: ObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

export function refLabel(ref: ObjectRef): string {
  return `${ref.kind}/${ref.name}${ref.namespace ? ` -n ${ref.namespace}` : ''}`;
}

/** Refs in `a` and not in `b`. */
export function refsMinus(a: ObjectRef[], b: ObjectRef[]): ObjectRef[] {
  const keys = new Set(b.map(refKey));
  return a.filter((r) => !keys.has(refKey(r)));
}

export function refsUnion(a: ObjectRef[], b: ObjectRef[]): ObjectRef[] {
  return [...a, ...refsMinus(b, a)];
}

/** The record of what a release applied, itself applied with server-side apply. */
export function recordConfigMap(release: string, namespace: string, refs: ObjectRef[]): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: recordName(release),
      namespace,
      labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER, 'vineyard-charts/release': release },
    },
    data: { [RECORD_KEY]: `${JSON.stringify(refs, null, 1)}\n` },
  };
}

/** Reads the record from `kubectl get configmap -o json` output; '' (not found) gives undefined. */
export function parseRecord(kubectlJson: string, where: string): ObjectRef[] | undefined {
  if (kubectlJson.trim() === '') return undefined;
  let refs: unknown;
  try {
    const cm = JSON.parse(kubectlJson) as { data?: Record<string, string> };
    refs = JSON.parse(cm.data?.[RECORD_KEY] ?? 'null');
  } catch (err) {
    throw new PipelineError(`${where}: the deployment record is not valid JSON (${(err as Error).message})`);
  }
  const valid = (r: unknown): r is ObjectRef =>
    r !== null &&
    typeof r === 'object' &&
    typeof (r as ObjectRef).apiVersion === 'string' &&
    typeof (r as ObjectRef).kind === 'string' &&
    typeof (r as ObjectRef).name === 'string';
  if (!Array.isArray(refs) || !refs.every(valid)) {
    throw new PipelineError(
      `${where}: data.${RECORD_KEY} must be a list of {apiVersion, kind, name, namespace}`,
    );
  }
  return refs;
}

/** Multi-document YAML for `kubectl … -f -`. */
export function toYamlStream(objects: K8sObject[]): string {
  return objects.map((o) => `---\n${dump(o)}`).join('');
}

/** The smallest object `kubectl delete -f -` identifies a resource by. */
export function stubOf(ref: ObjectRef): K8sObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name },
  };
}

/** Workloads first, then what they use, so pods stop before their config and services disappear. */
export function deletionOrder(refs: ObjectRef[]): ObjectRef[] {
  const rank = (r: ObjectRef) => (WAITABLE_KINDS.includes(r.kind as (typeof WAITABLE_KINDS)[number]) ? 0 : 1);
  return refs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r) - rank(b.r) || b.i - a.i)
    .map(({ r }) => r);
}

function podTemplateLabels(obj: K8sObject): Record<string, unknown> | undefined {
  if (obj.kind === 'Pod') return metadataOf(obj).labels as Record<string, unknown> | undefined;
  const spec = obj.spec as { template?: { metadata?: { labels?: Record<string, unknown> } } } | undefined;
  return spec?.template?.metadata?.labels;
}

/**
 * Every Service with a selector must select the pods of some rendered workload: upstream's deployer
 * shipped a Service whose selector matched no pod, which only showed up as connection failures.
 */
export function checkServiceSelectors(objects: K8sObject[]): void {
  const podLabelSets = objects
    .map(podTemplateLabels)
    .filter((l): l is Record<string, unknown> => l !== undefined);
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    const selector = (svc.spec as { selector?: Record<string, unknown> } | undefined)?.selector;
    if (!selector || Object.keys(selector).length === 0) continue;
    const matches = podLabelSets.some((labels) =>
      Object.entries(selector).every(([k, v]) => String(labels[k]) === String(v)),
    );
    if (!matches) {
      throw new PipelineError(
        `Service/${String(metadataOf(svc).name)} selects ${JSON.stringify(selector)}, which matches no pod template ` +
          'in the rendered manifests: it would route to nothing',
      );
    }
  }
}
