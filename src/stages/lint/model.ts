/**
 * The vocabulary every lint rule family shares: severities, findings and the rule catalogue. Rule ids are
 * stable (they appear in exemption annotations and CI logs), so renaming one is a breaking change.
 */

export type Severity = 'INFO' | 'WARNING' | 'ERROR';

export const SEVERITY_RANK: Record<Severity, number> = { INFO: 0, WARNING: 1, ERROR: 2 };

export interface Finding {
  /** File as the user should open it: `charts-out/vineyard/templates/deployment.yaml`. */
  file: string;
  /** Where inside the file: a dotted path (`spec.template.spec.containers[0].image`) or `line 4`. */
  path: string;
  rule: string;
  severity: Severity;
  message: string;
  /** Values files whose rendering produced this finding (`values.yaml` for the chart defaults). */
  fixtures?: string[];
  /** Kubernetes versions the finding applies to, when it depends on the version. */
  kubeVersions?: string[];
}

export type RuleFamily = 'chart' | 'values' | 'templates' | 'kube' | 'practice' | 'release';

export interface RuleInfo {
  family: RuleFamily;
  severity: Severity;
  /** True when real `helm lint` reports the same defect (tests compare verdicts on these). */
  helm: boolean;
  summary: string;
}

const r = (family: RuleFamily, severity: Severity, helm: boolean, summary: string): RuleInfo => ({
  family,
  severity,
  helm,
  summary,
});

/** Every rule lint can report. Keep ids kebab-case and never reuse a retired id. */
export const RULES = {
  // Chart.yaml (helm's chartfile rules)
  'chart-yaml-missing': r('chart', 'ERROR', true, 'Chart.yaml must exist'),
  'chart-yaml-parse': r('chart', 'ERROR', true, 'Chart.yaml must be valid YAML mapping'),
  'chart-api-version': r('chart', 'ERROR', true, 'apiVersion must be v1 or v2'),
  'chart-name': r('chart', 'ERROR', true, 'name is required and must be a valid chart name'),
  'chart-version-type': r('chart', 'ERROR', true, 'version must be a YAML string'),
  'chart-version-semver': r('chart', 'ERROR', true, 'version must be SemVer 2'),
  'chart-app-version-type': r('chart', 'ERROR', true, 'appVersion must be a YAML string'),
  'chart-maintainer': r('chart', 'ERROR', true, 'maintainers need a name, a valid email and URL'),
  'chart-source-url': r('chart', 'ERROR', true, 'sources must be URLs'),
  'chart-icon-recommended': r('chart', 'INFO', true, 'icon is recommended'),
  'chart-icon-url': r('chart', 'ERROR', true, 'icon must be a URL'),
  'chart-type': r('chart', 'ERROR', true, 'type must be application or library (apiVersion v2 only)'),
  'chart-dependencies-missing': r('chart', 'WARNING', true, 'declared dependencies must be in charts/'),
  'chart-kube-version': r('chart', 'ERROR', false, 'kubeVersion must be a valid SemVer range'),
  'chart-kube-version-missing': r('chart', 'INFO', false, 'kubeVersion should state the supported range'),
  // values.yaml and values.schema.json
  'values-missing': r('values', 'INFO', true, 'values.yaml is recommended'),
  'values-parse': r('values', 'ERROR', true, 'values.yaml must be a valid YAML mapping'),
  'values-schema-invalid': r(
    'values',
    'ERROR',
    true,
    'values.schema.json must be valid draft-07 JSON Schema',
  ),
  'values-schema-defaults': r('values', 'ERROR', true, 'default values must validate against the schema'),
  'values-fixture-invalid': r('values', 'ERROR', false, 'every fixture values file must validate'),
  'values-undocumented': r('values', 'WARNING', false, 'every declared value needs a `# --` comment'),
  // templates/ and crds/ (helm's template rules)
  'templates-dir-missing': r('templates', 'WARNING', true, 'templates/ directory should exist'),
  'template-extension': r('templates', 'ERROR', true, 'templates must be .yaml, .yml, .tpl or .txt'),
  'template-render': r('templates', 'ERROR', true, 'templates must render'),
  'template-yaml': r('templates', 'ERROR', true, 'rendered documents must be valid YAML'),
  'template-indent': r('templates', 'WARNING', true, 'documents must not start indented'),
  'template-metadata-name': r('templates', 'WARNING', true, 'metadata.name must be valid for its kind'),
  'template-selector': r('templates', 'ERROR', true, 'workloads must have a label selector'),
  'api-deprecated': r('templates', 'WARNING', true, 'apiVersion is deprecated'),
  'crd-invalid': r('templates', 'ERROR', true, 'crds/ may only contain CustomResourceDefinitions'),
  // Kubernetes API schema
  'kube-schema': r('kube', 'ERROR', false, 'manifest must validate against the Kubernetes API schema'),
  'kube-unknown-field': r('kube', 'ERROR', false, 'manifest must not contain fields the API does not know'),
  'kube-api-removed': r(
    'kube',
    'ERROR',
    false,
    'apiVersion must be served by every admitted Kubernetes version',
  ),
  'kube-unknown-kind': r('kube', 'ERROR', false, 'built-in API group with a kind the API does not serve'),
  'kube-no-schema': r('kube', 'INFO', false, 'custom resource without a schema: not validated'),
  // Workload best practices
  'practice-resources-requests': r('practice', 'WARNING', false, 'containers set cpu and memory requests'),
  'practice-resources-limits': r('practice', 'WARNING', false, 'containers set a memory limit'),
  'practice-liveness-probe': r('practice', 'WARNING', false, 'long-running containers have a liveness probe'),
  'practice-readiness-probe': r(
    'practice',
    'WARNING',
    false,
    'long-running containers have a readiness probe',
  ),
  'practice-run-as-non-root': r('practice', 'WARNING', false, 'containers run as a non-root user'),
  'practice-read-only-root-fs': r('practice', 'WARNING', false, 'containers use a read-only root filesystem'),
  'practice-privilege-escalation': r('practice', 'WARNING', false, 'allowPrivilegeEscalation is false'),
  'practice-privileged': r('practice', 'ERROR', false, 'containers are not privileged'),
  'practice-capabilities': r(
    'practice',
    'WARNING',
    false,
    'containers drop ALL capabilities, add none risky',
  ),
  'practice-image-tag': r('practice', 'WARNING', false, 'images are pinned to a tag other than latest'),
  'practice-host-path': r('practice', 'WARNING', false, 'pods do not mount hostPath volumes'),
  'practice-host-namespaces': r('practice', 'WARNING', false, 'pods do not share host network, PID or IPC'),
  'practice-exemption': r('practice', 'ERROR', false, 'exemption annotations name a rule and give a reason'),
  // Release checks (--against)
  'release-version-bump': r('release', 'ERROR', false, 'changed chart content needs a higher version'),
  'release-immutable-field': r('release', 'ERROR', false, 'upgrade must not change immutable fields'),
  'release-pod-template': r(
    'release',
    'ERROR',
    false,
    'a version-only bump must not change StatefulSet/DaemonSet pod templates',
  ),
  'release-index': r('release', 'ERROR', false, 'the published index and chart must be readable'),
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;

export function finding(
  rule: RuleId,
  file: string,
  path: string,
  message: string,
  severity: Severity = RULES[rule].severity,
): Finding {
  return { file, path, rule, severity, message };
}

/** Annotation that exempts one object from one practice rule; its value must say why. */
export const EXEMPT_PREFIX = 'vineyard-charts.lint/exempt-';
