/**
 * The lint corpus: test/fixtures/lint-corpus/<defect>/ is ok-base with exactly one defect. This file is
 * both the recipe (`npx tsx test/lint/make-corpus.ts` rewrites the directories from it) and the
 * expectation the tests check: which of our rules must fire, and whether real helm sees the defect.
 */

export type Files = Map<string, string>;

export interface Defect {
  name: string;
  /** Rule ids that must be reported (others may be too, e.g. schema errors next to helm's). */
  rules: string[];
  /**
   * Which real helm majors report it under `lint --strict`: 'both', 'v4' (helm v3 does not check it)
   * or 'none' (a defect only we catch). 'info' means helm reports INFO only and passes.
   */
  helm: 'both' | 'v4' | 'none' | 'info';
  mutate: (files: Files) => void;
}

export const CORPUS_DIR = 'test/fixtures/lint-corpus';
export const BASE = 'ok-base';

/** Replace text in one file, failing loudly if the anchor is gone (keeps the recipe honest). */
function edit(file: string, from: string | RegExp, to: string): (files: Files) => void {
  return (files) => {
    const text = files.get(file);
    if (text === undefined) throw new Error(`${file} not in the base chart`);
    const next = text.replace(from, to);
    if (next === text) throw new Error(`${file}: ${String(from)} not found`);
    files.set(file, next);
  };
}
const put = (file: string, text: string) => (files: Files) => void files.set(file, text);
const drop =
  (...names: string[]) =>
  (files: Files) => {
    for (const n of names) files.delete(n);
  };
const all =
  (...fns: ((f: Files) => void)[]) =>
  (files: Files) => {
    for (const fn of fns) fn(files);
  };
const C = 'templates/deployment.yaml';

export const DEFECTS: Defect[] = [
  // helm's own rules
  {
    name: 'chart-name-missing',
    rules: ['chart-name'],
    helm: 'both',
    mutate: edit('Chart.yaml', /^name: .*\n/m, ''),
  },
  {
    name: 'chart-version-not-semver',
    rules: ['chart-version-semver'],
    helm: 'both',
    mutate: edit('Chart.yaml', /^version: .*/m, 'version: one'),
  },
  {
    name: 'chart-version-number',
    rules: ['chart-version-type'],
    helm: 'both',
    mutate: edit('Chart.yaml', /^version: .*/m, 'version: 1.0'),
  },
  {
    name: 'chart-appversion-number',
    rules: ['chart-app-version-type'],
    helm: 'both',
    mutate: edit('Chart.yaml', /^appVersion: .*/m, 'appVersion: 1.0'),
  },
  {
    name: 'chart-apiversion-invalid',
    rules: ['chart-api-version'],
    helm: 'both',
    mutate: edit('Chart.yaml', /^apiVersion: .*/m, 'apiVersion: v3'),
  },
  {
    name: 'chart-icon-missing',
    rules: ['chart-icon-recommended'],
    helm: 'info',
    mutate: edit('Chart.yaml', /^icon: .*\n/m, ''),
  },
  {
    name: 'chart-icon-invalid',
    rules: ['chart-icon-url'],
    helm: 'both',
    mutate: edit('Chart.yaml', /^icon: .*/m, 'icon: not a url'),
  },
  {
    name: 'chart-maintainer-no-name',
    rules: ['chart-maintainer'],
    helm: 'both',
    mutate: edit('Chart.yaml', '  - name: Vineyard Maintainers\n    email:', '  - email:'),
  },
  {
    name: 'chart-maintainer-bad-email',
    rules: ['chart-maintainer'],
    helm: 'both',
    mutate: edit('Chart.yaml', 'maintainers@example.com', 'not-an-email'),
  },
  {
    name: 'chart-source-invalid',
    rules: ['chart-source-url'],
    helm: 'both',
    mutate: edit('Chart.yaml', '  - https://example.com/src', '  - not a url'),
  },
  {
    name: 'chart-type-invalid',
    rules: ['chart-type'],
    helm: 'both',
    mutate: edit('Chart.yaml', /^type: .*/m, 'type: plugin'),
  },
  {
    name: 'chart-dependency-missing',
    rules: ['chart-dependencies-missing'],
    helm: 'both',
    mutate: edit(
      'Chart.yaml',
      /$/,
      'dependencies:\n  - name: sub\n    version: 1.0.0\n    repository: https://example.com/charts\n',
    ),
  },
  {
    name: 'values-yaml-invalid',
    rules: ['values-parse'],
    helm: 'both',
    mutate: edit('values.yaml', /$/, 'extra: [unclosed\n'),
  },
  {
    name: 'values-missing',
    rules: ['values-missing', 'template-render'],
    helm: 'both',
    mutate: drop('values.yaml', 'values.schema.json'),
  },
  {
    name: 'values-schema-violation',
    rules: ['values-schema-defaults'],
    helm: 'both',
    mutate: edit('values.yaml', 'replicaCount: 1', 'replicaCount: one'),
  },
  {
    name: 'values-schema-invalid',
    rules: ['values-schema-invalid'],
    helm: 'both',
    mutate: edit('values.schema.json', '"type": "integer", "minimum"', '"type": "integr", "minimum"'),
  },
  {
    name: 'template-bad-extension',
    rules: ['template-extension'],
    helm: 'both',
    mutate: put('templates/extra.json', '{}\n'),
  },
  {
    name: 'template-render-error',
    rules: ['template-render'],
    helm: 'both',
    mutate: put('templates/broken.yaml', '{{ .Values.nope.deeper }}\n'),
  },
  {
    name: 'template-parse-error',
    rules: ['template-render'],
    helm: 'both',
    mutate: put('templates/broken.yaml', '{{ if }}\n'),
  },
  {
    name: 'template-yaml-invalid',
    rules: ['template-yaml'],
    helm: 'both',
    mutate: put(
      'templates/cm.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [b\n',
    ),
  },
  {
    name: 'template-indented',
    rules: ['template-indent'],
    helm: 'both',
    mutate: put('templates/cm.yaml', '  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm\n'),
  },
  {
    name: 'template-bad-name',
    rules: ['template-metadata-name'],
    helm: 'both',
    mutate: edit('templates/service.yaml', /name: \{\{ \.Release\.Name \}\}-corpus/, 'name: Bad_Name'),
  },
  {
    name: 'template-no-selector',
    rules: ['template-selector'],
    helm: 'both',
    mutate: edit(C, / {2}selector:\n {4}matchLabels:\n.*\n/, ''),
  },
  {
    name: 'template-deprecated-api',
    rules: ['api-deprecated', 'kube-api-removed'],
    helm: 'both',
    mutate: put(
      'templates/pdb.yaml',
      'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: pdb\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      a: b\n',
    ),
  },
  {
    name: 'crd-not-a-crd',
    rules: ['crd-invalid'],
    helm: 'v4',
    mutate: put('crds/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n'),
  },
  {
    name: 'templates-missing',
    rules: ['templates-dir-missing'],
    helm: 'v4',
    mutate: drop('templates/_helpers.tpl', C, 'templates/service.yaml'),
  },
  // What helm lint does not check: Kubernetes API schema
  {
    name: 'kube-unknown-field',
    rules: ['kube-unknown-field'],
    helm: 'none',
    mutate: edit(C, '          ports:', '          imagePullPolcy: Always\n          ports:'),
  },
  {
    name: 'kube-string-replicas',
    rules: ['kube-schema'],
    helm: 'none',
    mutate: edit(C, 'replicas: {{ .Values.replicaCount }}', 'replicas: {{ .Values.replicaCount | quote }}'),
  },
  {
    name: 'kube-string-port',
    rules: ['kube-schema'],
    helm: 'none',
    mutate: edit('templates/service.yaml', 'port: 80', 'port: "80"'),
  },
  {
    name: 'kube-bad-enum',
    rules: ['kube-schema'],
    helm: 'none',
    mutate: edit('templates/service.yaml', '      port: 80', '      port: 80\n      protocol: HTTP'),
  },
  {
    name: 'kube-missing-required',
    rules: ['kube-schema'],
    helm: 'none',
    mutate: edit(C, '        - name: app\n          image:', '        - image:'),
  },
  {
    // helm renders one Kubernetes version only; lint renders each admitted one when templates ask.
    name: 'kube-removed-api-old-branch',
    rules: ['kube-api-removed', 'api-deprecated'],
    helm: 'none',
    mutate: put(
      'templates/pdb.yaml',
      [
        '{{- if semverCompare "<1.27.0-0" .Capabilities.KubeVersion.Version }}',
        'apiVersion: policy/v1beta1',
        '{{- else }}',
        'apiVersion: policy/v1',
        '{{- end }}',
        'kind: PodDisruptionBudget',
        'metadata:',
        '  name: {{ .Release.Name }}-corpus',
        'spec:',
        '  minAvailable: 1',
        '  selector:',
        '    matchLabels:',
        '      {{- include "corpus.labels" . | nindent 6 }}',
        '',
      ].join('\n'),
    ),
  },
  {
    name: 'kube-unknown-kind',
    rules: ['kube-unknown-kind'],
    helm: 'none',
    mutate: put('templates/cm.yaml', 'apiVersion: v1\nkind: ConfigMapp\nmetadata:\n  name: cm\n'),
  },
  // Best practices
  {
    name: 'practice-no-resources',
    rules: ['practice-resources-requests', 'practice-resources-limits'],
    helm: 'none',
    mutate: edit(C, / {10}resources:\n(.*\n){6}/, ''),
  },
  {
    name: 'practice-latest-tag',
    rules: ['practice-image-tag'],
    helm: 'none',
    mutate: edit('values.yaml', 'tag: "1.0.0"', 'tag: latest'),
  },
  {
    name: 'practice-no-probes',
    rules: ['practice-liveness-probe', 'practice-readiness-probe'],
    helm: 'none',
    mutate: edit(C, / {10}livenessProbe:\n(.*\n)*/, ''),
  },
  {
    name: 'practice-run-as-root',
    rules: ['practice-run-as-non-root'],
    helm: 'none',
    mutate: edit(C, '        runAsNonRoot: true\n        runAsUser: 1000\n', '        runAsUser: 0\n'),
  },
  {
    name: 'practice-privileged',
    rules: ['practice-privileged'],
    helm: 'none',
    mutate: edit(
      C,
      '            allowPrivilegeEscalation: false\n',
      '            allowPrivilegeEscalation: false\n            privileged: true\n',
    ),
  },
  {
    name: 'practice-writable-root',
    rules: ['practice-read-only-root-fs'],
    helm: 'none',
    mutate: edit(C, 'readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'),
  },
  {
    name: 'practice-capabilities-add',
    rules: ['practice-capabilities'],
    helm: 'none',
    mutate: edit(C, 'drop: ["ALL"]', 'drop: ["ALL"]\n              add: ["SYS_ADMIN"]'),
  },
  {
    name: 'practice-host-path',
    rules: ['practice-host-path'],
    helm: 'none',
    mutate: edit(
      C,
      '      containers:',
      '      volumes:\n        - name: host\n          hostPath:\n            path: /var/run\n      containers:',
    ),
  },
  {
    name: 'practice-host-network',
    rules: ['practice-host-namespaces'],
    helm: 'none',
    mutate: edit(
      C,
      '      automountServiceAccountToken: false',
      '      automountServiceAccountToken: false\n      hostNetwork: true',
    ),
  },
  {
    name: 'practice-exempt-empty-reason',
    rules: ['practice-exemption', 'practice-host-namespaces'],
    helm: 'none',
    mutate: all(
      edit(
        C,
        '      automountServiceAccountToken: false',
        '      automountServiceAccountToken: false\n      hostNetwork: true',
      ),
      edit(
        C,
        /^metadata:\n/m,
        'metadata:\n  annotations:\n    vineyard-charts.lint/exempt-practice-host-namespaces: ""\n',
      ),
    ),
  },
  // Chart.yaml checks helm does not make
  {
    name: 'chart-kube-version-invalid',
    rules: ['chart-kube-version'],
    helm: 'none',
    mutate: edit('Chart.yaml', /^kubeVersion: .*/m, 'kubeVersion: banana'),
  },
  {
    name: 'chart-kube-version-unsatisfiable',
    rules: ['chart-kube-version'],
    helm: 'none',
    mutate: edit('Chart.yaml', /^kubeVersion: .*/m, 'kubeVersion: ">=1.40.0-0"'),
  },
  // Values checks
  {
    name: 'values-undocumented',
    rules: ['values-undocumented'],
    helm: 'none',
    mutate: edit('values.yaml', '# -- Port the container listens on\n', ''),
  },
  {
    name: 'values-fixture-invalid',
    rules: ['values-fixture-invalid'],
    helm: 'none',
    mutate: put('ci/bad-values.yaml', 'replicaCount: many\n'),
  },
];

/** Controls that must lint clean, for helm and for us. */
export const CLEAN: { name: string; mutate: (files: Files) => void }[] = [
  {
    name: 'ok-exempted-host-network',
    mutate: all(
      edit(
        C,
        '      automountServiceAccountToken: false',
        '      automountServiceAccountToken: false\n      hostNetwork: true',
      ),
      edit(
        C,
        /^metadata:\n/m,
        'metadata:\n  annotations:\n    vineyard-charts.lint/exempt-practice-host-namespaces: "node agent must see host interfaces"\n',
      ),
    ),
  },
  { name: 'ok-ci-fixture', mutate: put('ci/two-replicas-values.yaml', 'replicaCount: 2\n') },
];
