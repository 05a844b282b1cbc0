/**
 * helm's template rules: allowed file extensions, templates render, every rendered document is valid
 * YAML that does not start indented, names are valid for their kind, workloads have selectors,
 * deprecated apiVersions are flagged, and crds/ holds only CustomResourceDefinitions.
 *
 * Rendering goes through the shared render path (src/helm/engine.ts, our own Go-template engine), the
 * same one `manifests` and `deploy` use, so lint needs no helm binary and sees what they render.
 */
import path from 'node:path';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { TemplateError } from '../../gotemplate/engine.ts';
import { FailError } from '../../gotemplate/errors.ts';
import { renderChart as renderHelmChart } from '../../helm/engine.ts';
import { bounded } from '../../util/tree-bounds.ts';
import { lifecycleOf } from './apilifecycle.ts';
import type { LoadedChart } from './load.ts';
import { type Finding, finding } from './model.ts';

export type K8sObject = Record<string, unknown> & {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: Record<string, unknown>;
};

export interface RenderedDoc {
  /** Display file name (chart root + template path). */
  file: string;
  /** Chart-relative template path. */
  rel: string;
  /** Position among the documents the template rendered. */
  index: number;
  obj: K8sObject;
}

export const RELEASE = { name: 'test-release', namespace: 'default' };
const ALLOWED_EXT = new Set(['.yaml', '.yml', '.tpl', '.txt']);

export function lintTemplateFiles(chart: LoadedChart): Finding[] {
  const out: Finding[] = [];
  const templates = [...chart.files.keys()].filter((f) => f.startsWith('templates/'));
  if (templates.length === 0) {
    out.push(finding('templates-dir-missing', `${chart.root}/templates/`, '', 'directory does not exist'));
  }
  for (const rel of templates) {
    const ext = path.posix.extname(rel);
    if (!ALLOWED_EXT.has(ext)) {
      out.push(
        finding(
          'template-extension',
          `${chart.root}/${rel}`,
          '',
          `file extension '${ext}' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt`,
        ),
      );
    }
  }
  return out;
}

/** helm splits rendered files on lines starting with `---`. */
export function splitDocuments(text: string): string[] {
  return text.split(/(?:^|\r?\n)---[^\n]*(?=\r?\n|$)/);
}

function startsIndented(doc: string): string | undefined {
  for (const line of doc.split(/\r?\n/)) {
    const body = line.trim();
    if (body === '' || body.startsWith('#')) continue;
    return /^\s/.test(line) ? line : undefined;
  }
  return undefined;
}

export interface RenderResult {
  docs: RenderedDoc[];
  findings: Finding[];
}

/** Renders with the shared engine; template failures and unparsable documents become findings. */
export function renderChart(
  chart: LoadedChart,
  chartMeta: Record<string, unknown>,
  chartName: string,
  values: Record<string, unknown>,
  kubeVersion: string,
): RenderResult {
  const out: Finding[] = [];
  let rendered: Map<string, string>;
  try {
    const metadata = { ...chartMeta, name: chartName };
    rendered = renderHelmChart({ files: chart.files, metadata }, { values, release: RELEASE, kubeVersion });
  } catch (err) {
    if (err instanceof TemplateError || err instanceof FailError) {
      const rel = err instanceof TemplateError ? err.template.replace(`${chartName}/`, '') : 'templates/';
      out.push(
        finding(
          'template-render',
          `${chart.root}/${rel}`,
          err instanceof TemplateError && err.line ? `line ${err.line}` : '',
          err.message,
        ),
      );
      return { docs: [], findings: out };
    }
    throw err;
  }
  const docs: RenderedDoc[] = [];
  for (const [name, text] of rendered) {
    const rel = name.slice(chartName.length + 1);
    if (!/\.ya?ml$/.test(rel)) continue;
    const file = `${chart.root}/${rel}`;
    splitDocuments(text).forEach((doc, index) => {
      if (doc.trim() === '') return;
      const indented = startsIndented(doc);
      if (indented !== undefined) {
        out.push(
          finding(
            'template-indent',
            file,
            `document ${index}`,
            `document starts with an illegal indent: ${JSON.stringify(indented)}, which may cause parsing problems`,
          ),
        );
      }
      let parsed: unknown[];
      try {
        parsed = bounded(() => loadAll(doc, null, { schema: CORE_SCHEMA, filename: file }));
      } catch (err) {
        out.push(
          finding(
            'template-yaml',
            file,
            `document ${index}`,
            `unable to parse YAML: ${(err as Error).message.split('\n')[0]}`,
          ),
        );
        return;
      }
      for (const obj of parsed) {
        if (obj && typeof obj === 'object' && !Array.isArray(obj))
          docs.push({ file, rel, index, obj: obj as K8sObject });
        else if (obj !== null && obj !== undefined) {
          out.push(
            finding('template-yaml', file, `document ${index}`, 'a rendered document must be a YAML mapping'),
          );
        }
      }
    });
  }
  return { docs, findings: out };
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const SUBDOMAIN_KINDS = new Set([
  'ConfigMap',
  'Secret',
  'ServiceAccount',
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'Ingress',
  'IngressClass',
  'NetworkPolicy',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'StorageClass',
  'PriorityClass',
  'CustomResourceDefinition',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ResourceQuota',
  'LimitRange',
  'Endpoints',
  'EndpointSlice',
  'Lease',
  'RuntimeClass',
]);

function nameProblem(kind: string, name: string): string | undefined {
  if (kind === 'Service') {
    return name.length <= 63 && DNS1035_LABEL.test(name)
      ? undefined
      : `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (at most 63 characters)`;
  }
  if (kind === 'Namespace') {
    return name.length <= 63 && DNS1123_LABEL.test(name)
      ? undefined
      : "a DNS-1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (at most 63 characters)";
  }
  if (RBAC_KINDS.has(kind)) {
    return name === '.' || name === '..' || /[/%]/.test(name)
      ? 'may not be "." or ".." and may not contain "/" or "%"'
      : undefined;
  }
  if (SUBDOMAIN_KINDS.has(kind)) {
    return name.length <= 253 && DNS1123_SUBDOMAIN.test(name)
      ? undefined
      : `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (at most 253 characters)`;
  }
  return undefined;
}

const SELECTOR_KINDS = new Set(['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet']);

/** helm's per-object rules; `maxMinor` is the newest Kubernetes minor the chart admits. */
export function lintObject(doc: RenderedDoc, maxMinor: number): Finding[] {
  const out: Finding[] = [];
  const { obj, file } = doc;
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const name = obj.metadata && typeof obj.metadata.name === 'string' ? obj.metadata.name : undefined;
  if (name !== undefined) {
    const problem = nameProblem(kind, name);
    if (problem) {
      out.push(
        finding(
          'template-metadata-name',
          file,
          'metadata.name',
          `object name does not conform to Kubernetes naming requirements: ${JSON.stringify(name)}: ${problem}`,
        ),
      );
    }
  }
  if (SELECTOR_KINDS.has(kind) && apiVersion.startsWith('apps/')) {
    const spec = (obj.spec ?? {}) as Record<string, unknown>;
    const selector = (spec.selector ?? {}) as Record<string, unknown>;
    if (!selector.matchLabels && !selector.matchExpressions) {
      out.push(
        finding(
          'template-selector',
          file,
          'spec.selector',
          `a ${kind} must contain matchLabels or matchExpressions, and ${JSON.stringify(name ?? '')} does not`,
        ),
      );
    }
  }
  const life = lifecycleOf(apiVersion, kind);
  if (life && life.deprecated <= maxMinor) {
    const removed = life.removed === null ? '' : `, unavailable in v1.${life.removed}+`;
    out.push(
      finding(
        'api-deprecated',
        file,
        'apiVersion',
        `${apiVersion} ${kind} is deprecated in v1.${life.deprecated}+${removed}; use ${life.replacement}`,
      ),
    );
  }
  return out;
}

export function lintCrds(chart: LoadedChart): Finding[] {
  const out: Finding[] = [];
  for (const [rel, buf] of chart.files) {
    if (!rel.startsWith('crds/') || !/\.ya?ml$/.test(rel)) continue;
    const file = `${chart.root}/${rel}`;
    let docs: unknown[];
    try {
      docs = bounded(() => loadAll(buf.toString('utf8'), null, { schema: CORE_SCHEMA, filename: file }));
    } catch (err) {
      out.push(
        finding('crd-invalid', file, '', `unable to parse YAML: ${(err as Error).message.split('\n')[0]}`),
      );
      continue;
    }
    docs.forEach((d, i) => {
      if (!d || typeof d !== 'object') return;
      const o = d as K8sObject;
      if (typeof o.apiVersion !== 'string' || !o.apiVersion.startsWith('apiextensions.k8s.io')) {
        out.push(
          finding('crd-invalid', file, `document ${i}`, "apiVersion is not in 'apiextensions.k8s.io'"),
        );
      }
      if (o.kind !== 'CustomResourceDefinition') {
        out.push(
          finding('crd-invalid', file, `document ${i}`, "object kind is not 'CustomResourceDefinition'"),
        );
      }
    });
  }
  return out;
}
