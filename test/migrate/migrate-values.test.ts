/**
 * `vineyard-charts migrate-values` (issue 11, item 2): upstream 0.8.x values files of our own
 * (test/fixtures/upstream-values) are converted into values that real helm v3 and v4 render, and every setting
 * with an equivalent shows in the rendered objects; what has none is named on stderr.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { migrateValuesFile } from '../../src/stages/migrate/run.ts';
import { MIGRATION_TABLE } from '../../src/stages/migrate/table.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { CHART_DIR, type K8sObject, parseDocuments } from '../support/chart.ts';
import { cli, HELM_MAJORS, helm, withTempDir } from '../support/run.ts';

const DIR = path.join(PROJECT_ROOT, 'test', 'fixtures', 'upstream-values');
const fixture = (name: string) => path.join(DIR, `${name}-values.yaml`);

type Pod = {
  metadata: { annotations?: Record<string, string> };
  spec: {
    containers: {
      name: string;
      image: string;
      imagePullPolicy?: string;
      args?: string[];
      env?: { name: string; value?: string }[];
      resources?: unknown;
    }[];
    [key: string]: unknown;
  };
};
const daemonSet = (docs: K8sObject[]) => docs.find((d) => d.kind === 'DaemonSet') as K8sObject;
const pod = (docs: K8sObject[]) => (daemonSet(docs).spec as { template: Pod }).template;
const container = (docs: K8sObject[], name = 'vineyardd') => {
  const c = pod(docs).spec.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
};
const find = (docs: K8sObject[], kind: string) => docs.filter((d) => d.kind === kind);

/** Per fixture: what must show in the rendered objects, and what stderr must name. */
const CASES: { name: string; rendered: (docs: K8sObject[]) => void; notes: string[] }[] = [
  {
    name: 'full-copy',
    rendered: (docs) => {
      const c = container(docs);
      expect(c.imagePullPolicy).toBe('Always');
      expect(c.image).toBe('ghcr.io/v6d-io/v6d/vineyardd:alpine-v0.24.4');
      expect(c.args).toContain('--size=2Gi');
      expect(c.resources).toMatchObject({ limits: { memory: '2560Mi' } });
      expect(pod(docs).metadata.annotations).toEqual({ 'prometheus.io/scrape': 'false' });
      expect(pod(docs).spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
      expect(find(docs, 'PersistentVolumeClaim')).toEqual([]);
    },
    notes: [
      'image.repository',
      'image.tag',
      'vineyard.sharedMemorySize: 2G written as 2Gi',
      'raised to 2560Mi',
    ],
  },
  {
    name: 'pvc-metrics',
    rendered: (docs) => {
      expect(container(docs).image).toBe('registry.example.com/mirror/vineyardd:alpine-v0.24.4');
      expect(container(docs).imagePullPolicy).toBe('IfNotPresent');
      expect(container(docs, 'metrics').image).toBe(
        'registry.example.com/mirror/vineyard-grok-exporter:1.0.0',
      );
      expect(container(docs).args).toEqual(expect.arrayContaining(['--size=4Gi', '--metrics=true']));
      expect(container(docs).resources).toEqual({
        requests: { cpu: '1', memory: '5Gi' },
        limits: { memory: '6Gi' },
      });
      expect(pod(docs).spec.imagePullSecrets).toEqual([{ name: 'mirror-credentials' }]);
      expect(pod(docs).spec.serviceAccountName).toBe('vineyard-runner');
      expect(find(docs, 'ServiceAccount')).toEqual([]);
      const rpc = find(docs, 'Service').find((s) => s.metadata.name.endsWith('-rpc'));
      expect(rpc?.spec).toMatchObject({ type: 'NodePort', ports: [expect.objectContaining({ port: 9700 })] });
      const [claim] = find(docs, 'PersistentVolumeClaim');
      expect(claim.spec).toMatchObject({
        storageClassName: 'nfs-client',
        accessModes: ['ReadWriteMany'],
        resources: { requests: { storage: '10Mi' } },
      });
    },
    notes: [
      'vineyard.persistVolumeClaimName: no equivalent',
      'vineyard.syncCRDs: no equivalent',
      'metricImage.tag',
    ],
  },
  {
    name: 'scheduling',
    rendered: (docs) => {
      expect(daemonSet(docs).metadata.name).toBe('team-b-vineyard');
      expect(daemonSet(docs).metadata.labels?.['app.kubernetes.io/name']).toBe('v6d');
      expect(container(docs).args).toContain('--size=512Mi');
      expect(container(docs).env).toContainEqual({ name: 'GLOG_v', value: '2' });
      const spec = pod(docs).spec;
      expect(spec.tolerations).toEqual([
        { key: 'dedicated', operator: 'Equal', value: 'vineyard', effect: 'NoSchedule' },
      ]);
      expect(JSON.stringify(spec.affinity)).toContain('kubernetes.io/arch');
      expect(spec.nodeSelector).toEqual({ 'node-role.example.com/vineyard': 'true' });
      expect(spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
      expect(JSON.stringify(spec.volumes)).toContain('/data/vineyard/sock');
      expect(pod(docs).metadata.annotations).toEqual({ 'example.com/owner': 'team-b' });
    },
    notes: ['vineyard.sharedMemorySize: 512M written as 512Mi'],
  },
  {
    name: 'odd-forms',
    rendered: (docs) => {
      expect(container(docs).args).toContain('--size=3Gi');
      expect(container(docs).env).toEqual(
        expect.arrayContaining([
          { name: 'GLOG_v', value: '1' },
          { name: 'VINEYARD_TRACE', value: 'on' },
        ]),
      );
      // exactly the upstream resources (no request this chart would add), with the limit raised
      expect(container(docs).resources).toEqual({
        requests: { memory: '1Gi' },
        limits: { memory: '3584Mi' },
      });
      expect(pod(docs).spec.tolerations).toEqual([
        { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' },
      ]);
    },
    notes: [
      'replicaCount: not a key of the upstream chart',
      'service.type: "ExternalName" is refused by this chart',
      'image.tagPrefix',
      'tolerations: one toleration written as a mapping',
      'vineyard.storageClass: ignored',
    ],
  },
];

describe('migrate-values converts upstream 0.8.x values files', () => {
  it.each(CASES)(
    '$name: values that pass the schema and render under helm v3 and v4',
    ({ name, rendered, notes }) =>
      withTempDir(async (home) => {
        const { yaml: text, notes: printed } = await migrateValuesFile(fixture(name), CHART_DIR);
        const out = path.join(home, 'values.yaml');
        await writeFile(out, text);
        for (const major of HELM_MAJORS) {
          const res = await helm(
            major,
            ['template', 'vineyard', CHART_DIR, '-n', 'vineyard', '-f', out],
            home,
          );
          expect(res.code, `${major}: ${res.stderr}`).toBe(0);
          rendered(parseDocuments(res.stdout));
        }
        const lines = printed.map((n) => `${n.path}: ${n.message}`);
        for (const n of notes)
          expect(
            lines.some((l) => l.includes(n)),
            `a note about ${n}`,
          ).toBe(true);
      }),
  );

  it('a copy of the whole upstream values.yaml uses every key the table lists, and no other', async () => {
    const full = yaml.load((await import('node:fs')).readFileSync(fixture('full-copy'), 'utf8')) as Record<
      string,
      unknown
    >;
    const keys: string[] = [];
    for (const [k, v] of Object.entries(full)) {
      if (
        v &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        ['image', 'metricImage', 'service', 'vineyard'].includes(k)
      )
        for (const sub of Object.keys(v)) keys.push(`${k}.${sub}`);
      else keys.push(k);
    }
    expect(keys.sort()).toEqual(MIGRATION_TABLE.map((r) => r.from).sort());
    const { notes } = await migrateValuesFile(fixture('full-copy'), CHART_DIR);
    expect(notes.filter((n) => n.message.includes('not a key'))).toEqual([]);
  });

  it('the CLI: YAML on stdout, notes on stderr naming the file and key, exit 0', async () => {
    const res = await cli(['migrate-values', fixture('pvc-metrics')]);
    expect(res.code, res.stderr).toBe(0);
    expect(yaml.load(res.stdout)).toMatchObject({ vineyardd: { sharedMemorySize: '4Gi' } });
    expect(res.stderr).toContain(`${fixture('pvc-metrics')}: vineyard.syncCRDs: no equivalent`);
  });

  it.each([
    { what: 'a list', text: '- a\n- b\n', says: '(top level): expected a mapping of values' },
    { what: 'not YAML', text: 'a: [b\n', says: 'not valid YAML' },
  ])('the CLI: exit 1 with one line naming the file when the input is $what', ({ text, says }) =>
    withTempDir(async (dir) => {
      const file = path.join(dir, 'upstream.yaml');
      await writeFile(file, text);
      const res = await cli(['migrate-values', file]);
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toContain(`${file}: `);
      expect(res.stderr).toContain(says);
    }),
  );
});
