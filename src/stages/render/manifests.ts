/**
 * The second renderer: Kubernetes manifests for given values, without helm. It loads a chart
 * (by default charts-out/vineyard) with the shared loader, combines and validates values the way helm
 * does, and renders through the shared render path (src/helm/engine.ts), the very templates helm runs.
 */
import * as yaml from 'js-yaml';
import { InputError, UsageError } from '../../errors.ts';
import { FailError, TemplateError } from '../../gotemplate/errors.ts';
import { loadChart } from '../../helm/chart/load.ts';
import { renderChart } from '../../helm/engine.ts';
import { finalValues, parseYamlMap, userValues, validateValues } from '../../helm/values/load.ts';
import { bounded } from '../../util/tree-bounds.ts';

export interface ManifestOptions {
  /** A chart directory or packaged .tgz, loaded by the one chart loader. */
  chartDir: string;
  valuesFiles?: string[];
  set?: string[];
  release?: string;
  namespace?: string;
  /** Leave out `helm test` hooks (what `deploy` wants; `helm template --skip-tests`). */
  skipTests?: boolean;
  kubeVersion?: string;
}

export interface RenderedDocument {
  /** Template the document came from, e.g. 'vineyard/templates/daemonset.yaml'. */
  source: string;
  text: string;
  object: Record<string, unknown>;
  isHook: boolean;
}

export interface ManifestResult {
  documents: RenderedDocument[];
  yaml: string;
}

// helm's install order (pkg/release/util/kind_sorter.go), so `manifests` reads like `helm template`.
const INSTALL_ORDER = [
  'PriorityClass', 'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy',
  'PodDisruptionBudget', 'ServiceAccount', 'Secret', 'SecretList', 'ConfigMap', 'StorageClass',
  'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole',
  'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding',
  'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment',
  'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
]; // biome-ignore format: one kind after another reads best as a paragraph

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function splitDocuments(source: string, text: string): RenderedDocument[] {
  const docs: RenderedDocument[] = [];
  for (const chunk of text.split(/^---[ \t]*$/m)) {
    let object: unknown;
    try {
      // loadAll: an empty or comment-only chunk is no document, not an error.
      object = bounded(() => yaml.loadAll(chunk)[0]);
    } catch (err) {
      throw new InputError(
        source,
        '',
        `rendered output is not valid YAML: ${(err as Error).message.split('\n')[0]}`,
      );
    }
    if (object === null || object === undefined) continue;
    if (typeof object !== 'object' || Array.isArray(object)) {
      throw new InputError(source, '', 'rendered document is not a Kubernetes object');
    }
    const annotations = ((object as { metadata?: { annotations?: Record<string, string> } }).metadata
      ?.annotations ?? {}) as Record<string, string>;
    docs.push({
      source,
      text: chunk.trim(),
      object: object as Record<string, unknown>,
      isHook: 'helm.sh/hook' in annotations,
    });
  }
  return docs;
}

/** helm refuses a chart whose values.schema.json is not JSON; so do we, naming the file. */
function parseSchema(text: string, file: string): object {
  try {
    return bounded(() => JSON.parse(text));
  } catch (err) {
    throw new InputError(file, '', `not valid JSON: ${(err as Error).message}`);
  }
}

function installRank(doc: RenderedDocument): number {
  const rank = INSTALL_ORDER.indexOf(String(doc.object.kind));
  return (doc.isHook ? 1000 : 0) + (rank === -1 ? INSTALL_ORDER.length : rank);
}

export async function renderManifests(opts: ManifestOptions): Promise<ManifestResult> {
  const release = opts.release ?? 'vineyard';
  const namespace = opts.namespace ?? 'default';
  if (!RELEASE_NAME.test(release) || release.length > 53) {
    throw new UsageError(
      `invalid release name "${release}": lowercase DNS-1123 subdomain of at most 53 characters`,
    );
  }
  const chart = await loadChart(opts.chartDir);
  const valuesFile = `${chart.root}/values.yaml`;
  const defaults = parseYamlMap(chart.values ?? '', valuesFile);
  const user = await userValues(opts.valuesFiles ?? [], opts.set ?? []);
  const values = finalValues(defaults, user);
  if (chart.schema !== undefined) {
    const schemaFile = `${chart.root}/values.schema.json`;
    const source =
      [...(opts.valuesFiles ?? []), ...(opts.set?.length ? ['--set'] : [])].join(', ') || valuesFile;
    validateValues(parseSchema(chart.schema, schemaFile), schemaFile, values, source);
  }
  let rendered: Map<string, string>;
  try {
    rendered = renderChart(chart, {
      values,
      release: { name: release, namespace, revision: 1, isInstall: true, isUpgrade: false, service: 'Helm' },
      kubeVersion: opts.kubeVersion,
    });
  } catch (err) {
    // A chart's `fail`/`required` (its guard rails) and template errors are the chart refusing these
    // values: one line naming the template, as helm prints it, not a crash.
    if (err instanceof TemplateError) throw new InputError(err.template, `line ${err.line}`, err.what);
    if (err instanceof FailError) throw new InputError(chart.root, 'templates', err.message);
    throw err;
  }
  const documents = [...rendered]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([source, text]) => splitDocuments(source, text))
    .filter((doc) => !(opts.skipTests && doc.isHook))
    .map((doc, i) => ({ doc, i }))
    .sort((a, b) => installRank(a.doc) - installRank(b.doc) || a.i - b.i)
    .map(({ doc }) => doc);
  const text = documents.map((doc) => `---\n# Source: ${doc.source}\n${doc.text}\n`).join('');
  return { documents, yaml: text };
}
