/** Rule families in isolation: Kubernetes schema, API removals per version, values, practices. */
import { describe, expect, it } from 'vitest';
import {
  admittedMinors,
  lintKubeSchema,
  runValidator,
  SCHEMA_SETS,
  schemaSetFor,
  validatorFor,
} from '../../src/stages/lint/kubeschema.ts';
import { imageTag, lintPractices } from '../../src/stages/lint/practices.ts';
import type { K8sObject, RenderedDoc } from '../../src/stages/lint/templates.ts';
import { scanKeys } from '../../src/stages/lint/values.ts';

const doc = (obj: K8sObject): RenderedDoc => ({
  file: 'c/templates/x.yaml',
  rel: 'templates/x.yaml',
  index: 0,
  obj,
});

function deployment(container: Record<string, unknown>, extra: Record<string, unknown> = {}): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'd',
      labels: { 'app.kubernetes.io/name': 'x', 'any/key': 'v' },
      annotations: { a: 'b' },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { a: 'b' } },
      template: {
        metadata: { labels: { a: 'b' } },
        spec: { containers: [{ name: 'c', image: 'r/i:1', ...container }], ...extra },
      },
    },
  };
}

describe('Kubernetes schema validation', () => {
  it.each(SCHEMA_SETS.map((s) => [s.kubernetes, s] as const))(
    'schema %s: types, unknown fields, maps',
    async (_k, set) => {
      const validate = await validatorFor(set, 'apps/v1', 'Deployment');
      if (!validate) throw new Error('no Deployment validator');
      const ok = deployment({
        ports: [{ name: 'http', containerPort: 80 }],
        resources: { requests: { cpu: 1, memory: '64Mi' }, limits: { cpu: '500m' } },
        livenessProbe: { httpGet: { port: 'http', path: '/' } },
        readinessProbe: { tcpSocket: { port: 8080 } },
      });
      expect(runValidator(validate, ok)).toEqual({ errors: new Map(), unknown: [] });

      const bad = deployment({
        imagePullPolcy: 'Always',
        ports: [{ containerPort: '80', protocol: 'HTTP' }],
      });
      (bad.spec as Record<string, unknown>).replicas = '3';
      (bad.metadata as Record<string, unknown>).colour = 'red';
      const res = runValidator(validate, bad);
      expect(res.unknown.sort()).toEqual([
        'metadata.colour',
        'spec.template.spec.containers[0].imagePullPolcy',
      ]);
      expect(res.errors.get('spec.replicas')).toBe('must be of type integer');
      expect(res.errors.get('spec.template.spec.containers[0].ports[0].containerPort')).toBe(
        'must be of type integer',
      );
      expect(res.errors.get('spec.template.spec.containers[0].ports[0].protocol')).toMatch(
        /must be one of "SCTP", "TCP", "UDP"/,
      );
    },
  );

  it('maps each admitted minor to the right schema set', () => {
    expect(admittedMinors('>=1.25.0-0')).toEqual([25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36]);
    expect(admittedMinors('>=1.28.0-0 <1.31.0-0')).toEqual([28, 29, 30]);
    expect(admittedMinors('>=1.28.0-0', '1.31')).toEqual([31]);
    expect(schemaSetFor(25).kubernetes).toBe('1.27.1');
    expect(schemaSetFor(27).kubernetes).toBe('1.27.1');
    expect(schemaSetFor(28).kubernetes).toBe('1.33.0');
    expect(schemaSetFor(33).kubernetes).toBe('1.33.0');
    expect(schemaSetFor(34).kubernetes).toBe('1.33.0');
    expect(schemaSetFor(36).kubernetes).toBe('1.33.0');
  });

  it('judges a field per Kubernetes version: restartPolicyRules is unknown before 1.34', async () => {
    const obj = deployment({
      restartPolicyRules: [{ action: 'Restart', exitCodes: { operator: 'In', values: [42] } }],
    });
    const findings = await lintKubeSchema(doc(obj), admittedMinors('>=1.30.0-0'));
    const unknown = findings.filter((f) => f.rule === 'kube-unknown-field');
    expect(unknown).toHaveLength(1);
    expect(unknown[0].path).toBe('spec.template.spec.containers[0].restartPolicyRules');
    expect(unknown[0].kubeVersions).toEqual(['1.30', '1.31', '1.32', '1.33']);
  });

  it('warns, not errs, on a field newer than the newest schema when only 1.34+ is admitted', async () => {
    const obj = deployment({
      restartPolicyRules: [{ action: 'Restart', exitCodes: { operator: 'In', values: [42] } }],
    });
    const findings = (await lintKubeSchema(doc(obj), admittedMinors('>=1.34.0-0'))).filter(
      (f) => f.rule === 'kube-unknown-field',
    );
    expect(findings.map((f) => [f.severity, f.kubeVersions])).toEqual([
      ['WARNING', ['1.34', '1.35', '1.36']],
    ]);
    expect(findings[0].message).toContain('not in the Kubernetes 1.33 schema');
    // a typo is still an error wherever a schema covers the version
    const typo = (
      await lintKubeSchema(doc(deployment({ imagePullPolcy: 'Always' })), admittedMinors('>=1.32.0-0'))
    )
      .filter((f) => f.rule === 'kube-unknown-field')
      .map((f) => [f.severity, f.kubeVersions]);
    expect(typo).toEqual([['ERROR', ['1.32', '1.33']]]);
  });

  it('knows sidecar containers (restartPolicy on a container) only from Kubernetes 1.28 on', async () => {
    const obj = deployment(
      {},
      { initContainers: [{ name: 'side', image: 'r/s:1', restartPolicy: 'Always' }] },
    );
    const unknown = (await lintKubeSchema(doc(obj), admittedMinors('>=1.25.0-0'))).filter(
      (f) => f.rule === 'kube-unknown-field',
    );
    expect(unknown.map((f) => [f.path, f.kubeVersions])).toEqual([
      ['spec.template.spec.initContainers[0].restartPolicy', ['1.25', '1.26', '1.27']],
    ]);
  });

  it('flags removed apiVersions only for the versions that no longer serve them', async () => {
    const fs: K8sObject = {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3',
      kind: 'FlowSchema',
      metadata: { name: 'f' },
      spec: {},
    };
    const early = await lintKubeSchema(doc(fs), admittedMinors('>=1.30.0-0 <1.32.0-0'));
    expect(early.filter((f) => f.rule === 'kube-api-removed')).toEqual([]);
    const late = (await lintKubeSchema(doc(fs), admittedMinors('>=1.30.0-0 <1.34.0-0'))).filter(
      (f) => f.rule === 'kube-api-removed',
    );
    expect(late).toHaveLength(1);
    expect(late[0].kubeVersions).toEqual(['1.32', '1.33']);
    expect(late[0].message).toMatch(/removed in 1\.32/);
  });

  it('skips custom resources with an INFO and rejects unknown built-in kinds', async () => {
    const cr = await lintKubeSchema(
      doc({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
      [36],
    );
    expect(cr.map((f) => [f.rule, f.severity])).toEqual([['kube-no-schema', 'INFO']]);
    const typo = await lintKubeSchema(
      doc({ apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'w' } }),
      [36],
    );
    expect(typo.map((f) => [f.rule, f.severity])).toEqual([['kube-unknown-kind', 'ERROR']]);
    // A crafted apiVersion never leads the schema loader outside its package.
    const sneaky = await lintKubeSchema(
      doc({ apiVersion: '../../apps/v1', kind: 'Deployment', metadata: { name: 'w' } }),
      [36],
    );
    expect(sneaky.map((f) => f.rule)).toEqual(['kube-no-schema']);
  });
});

describe('values documentation scan', () => {
  it('finds keys, their comments, and skips block scalars and list items', () => {
    const text = [
      '# -- documented',
      'a: 1',
      'b:',
      '  # -- nested doc',
      '  c: 2',
      '  d: |',
      '    not: a key',
      'list:',
      '  - name: x',
      '    value: y',
      '"quoted key": 3 # trailing',
    ].join('\n');
    expect(scanKeys(text).map((k) => [k.path.join('.'), k.documented])).toEqual([
      ['a', true],
      ['b', false],
      ['b.c', true],
      ['b.d', false],
      ['list', false],
      ['quoted key', false],
    ]);
  });
});

describe('best practices', () => {
  it('parses image tags like a registry does', () => {
    expect(imageTag('nginx')).toBeUndefined();
    expect(imageTag('registry:5000/nginx')).toBeUndefined();
    expect(imageTag('registry:5000/nginx:1.2')).toBe('1.2');
    expect(imageTag('nginx:latest')).toBe('latest');
    expect(imageTag('nginx@sha256:abc')).toBe('');
  });

  it('exempts one object from one rule only with a reason', () => {
    const obj = deployment({}, { hostPID: true });
    const before = lintPractices(doc(obj)).filter((f) => f.rule === 'practice-host-namespaces');
    expect(before).toHaveLength(1);
    (obj.metadata as Record<string, unknown>).annotations = {
      'vineyard-charts.lint/exempt-practice-host-namespaces': 'needs host PIDs to find peers',
      'vineyard-charts.lint/exempt-practice-nope': 'x',
      'vineyard-charts.lint/exempt-practice-image-tag': ' ',
    };
    const after = lintPractices(doc(obj));
    expect(after.filter((f) => f.rule === 'practice-host-namespaces')).toEqual([]);
    const exemption = after.filter((f) => f.rule === 'practice-exemption').map((f) => f.message);
    expect(exemption).toHaveLength(2);
    expect(exemption.join('\n')).toMatch(/"practice-nope", which is not a best-practice rule id/);
    expect(exemption.join('\n')).toMatch(/practice-image-tag must give a reason/);
  });
});
