/**
 * `VineyardValues` (inferred from chart-src/vineyard/values.ts) is the type of the values the templates see,
 * with Kubernetes-shaped values typed by kubernetes-models. Checked three ways:
 * - statically, here (`npx tsc --noEmit` checks this file: the expectTypeOf lines and every
 *   `@ts-expect-error`, which fails the build when the line it covers stops being an error);
 * - against the rendered chart: charts-out/vineyard/values.yaml, read as helm reads it, equals the
 *   model's defaults;
 * - against data: every ci/ fixture (as a values file) and the values it produces (fixture merged over the
 *   defaults) are emitted as TypeScript literals with `satisfies` and type-checked by the compiler, and
 *   wrong shapes are refused by it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { IAffinity } from 'kubernetes-models/v1/Affinity';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IToleration } from 'kubernetes-models/v1/Toleration';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { NamedReference, PodContainer } from '../../chart-src/k8s-schemas.ts';
import { type VineyardValues, type VineyardValuesFile, values } from '../../chart-src/vineyard/values.ts';
import { parseYamlMap } from '../../src/helm/values/load.ts';
import { defaultsOf } from '../../src/model/model.ts';
import { valuesFor } from '../../src/stages/lint/values.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { CHART_DIR, FIXTURES } from '../support/chart.ts';

type Vineyardd = VineyardValues['vineyardd'];

describe('VineyardValues, statically', () => {
  it('types Kubernetes-shaped values with kubernetes-models', () => {
    expectTypeOf<Vineyardd['tolerations']>().toEqualTypeOf<IToleration[]>();
    expectTypeOf<Vineyardd['affinity']>().toEqualTypeOf<IAffinity>();
    expectTypeOf<Vineyardd['nodeSelector']>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<Vineyardd['resources']>().toEqualTypeOf<IResourceRequirements>();
    expectTypeOf<Vineyardd['env']>().toEqualTypeOf<IEnvVar[]>();
    expectTypeOf<Vineyardd['extraContainers']>().toEqualTypeOf<PodContainer[]>();
    expectTypeOf<Vineyardd['extraVolumes']>().toEqualTypeOf<IVolume[]>();
    expectTypeOf<Vineyardd['securityContext']>().toEqualTypeOf<ISecurityContext>();
    expectTypeOf<Vineyardd['podSecurityContext']>().toEqualTypeOf<IPodSecurityContext>();
    expectTypeOf<VineyardValues['etcd']['tolerations']>().toEqualTypeOf<IToleration[]>();
    expectTypeOf<VineyardValues['imagePullSecrets']>().toEqualTypeOf<NamedReference[]>();
    expectTypeOf<VineyardValues['etcd']['persistence']['size']>().toEqualTypeOf<number | string>();
  });

  it('types the chart-owned values from their declarations', () => {
    expectTypeOf<VineyardValues['nameOverride']>().toEqualTypeOf<string>();
    expectTypeOf<VineyardValues['image']['pullPolicy']>().toEqualTypeOf<
      'IfNotPresent' | 'Always' | 'Never'
    >();
    expectTypeOf<Vineyardd['socket']['volumeType']>().toEqualTypeOf<
      'hostPath' | 'persistentVolumeClaim' | 'emptyDir'
    >();
    expectTypeOf<Vineyardd['reserveMemory']>().toEqualTypeOf<boolean>();
    expectTypeOf<VineyardValues['etcd']['replicas']>().toEqualTypeOf<number>();
    expectTypeOf<VineyardValues['etcd']['externalEndpoints']>().toEqualTypeOf<string[]>();
    // absent from values.yaml (parent charts' `condition: vineyard.enabled` sets it): optional
    expectTypeOf<VineyardValues['enabled']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<keyof VineyardValues>().toEqualTypeOf<
      | 'enabled'
      | 'nameOverride'
      | 'fullnameOverride'
      | 'image'
      | 'imagePullSecrets'
      | 'serviceAccount'
      | 'vineyardd'
      | 'rpc'
      | 'etcd'
      | 'metrics'
      | 'tests'
    >();
  });

  it('refuses wrong shapes', () => {
    const ok: VineyardValuesFile = {
      vineyardd: {
        tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 60 }],
        resources: { limits: { memory: '2Gi', cpu: 2 } },
        extraContainers: [{ name: 'w', image: 'busybox', volumeMounts: [{ name: 's', mountPath: '/s' }] }],
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
        },
        socket: null,
      },
      etcd: { persistence: { size: '8Gi' } },
    };
    const bad: VineyardValuesFile[] = [
      // @ts-expect-error an operator Kubernetes does not know
      { vineyardd: { tolerations: [{ key: 'a', operator: 'Sometimes' }] } },
      // @ts-expect-error tolerations are a list
      { vineyardd: { tolerations: { key: 'a' } } },
      // @ts-expect-error a misspelt Kubernetes field
      { vineyardd: { securityContext: { privilegd: true } } },
      // @ts-expect-error a container without an image
      { vineyardd: { extraContainers: [{ name: 'w' }] } },
      // @ts-expect-error a quantity is a string or a number
      { vineyardd: { resources: { limits: { memory: true } } } },
      // @ts-expect-error affinity terms are objects
      { vineyardd: { affinity: { nodeAffinity: 'amd64' } } },
      // @ts-expect-error node selectors map to strings
      { etcd: { nodeSelector: { ssd: true } } },
      // @ts-expect-error a misspelt chart value
      { vineyardd: { sharedMemorySise: '1Gi' } },
      // @ts-expect-error not one of the volume types
      { vineyardd: { socket: { volumeType: 'nfs' } } },
      // @ts-expect-error a number is not a boolean
      { etcd: { enabled: 1 } },
    ];
    // @ts-expect-error the merged values have every key: a values file's partial object is not enough
    const partial: VineyardValues = { vineyardd: {} };
    expect([ok, bad, partial]).toHaveLength(3);
  });
});

describe('VineyardValues, against the rendered chart', () => {
  it('the model defaults are exactly charts-out/vineyard/values.yaml, read as helm reads it', async () => {
    const file = path.join(CHART_DIR, 'values.yaml');
    const rendered = parseYamlMap(await readFile(file, 'utf8'), file);
    const defaults: VineyardValues = defaultsOf(values);
    expect(rendered).toEqual(defaults);
  });
});

/** Type-checks `source` as a file of test/model/ with the project's compiler options; its diagnostics. */
function typeCheck(source: string): { line: number; text: string }[] {
  const configFile = path.join(PROJECT_ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configFile, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, PROJECT_ROOT);
  const virtual = path.join(PROJECT_ROOT, 'test', 'model', '__typed-fixtures__.ts');
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile: read } = host;
  host.getSourceFile = (name, ...rest) =>
    name === virtual
      ? ts.createSourceFile(name, source, ts.ScriptTarget.Latest)
      : getSourceFile(name, ...rest);
  host.fileExists = (name) => name === virtual || fileExists(name);
  host.readFile = (name) => (name === virtual ? source : read(name));
  const program = ts.createProgram([virtual], { ...options, noEmit: true }, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === virtual)
    .map((d) => ({
      line: d.file?.getLineAndCharacterOfPosition(d.start ?? 0).line ?? -1,
      text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    }));
}

const HEADER =
  "import type { VineyardValues, VineyardValuesFile } from '../../chart-src/vineyard/values.ts';";

describe('VineyardValues, against data (the TypeScript compiler on literals)', () => {
  it('every ci/ fixture is a VineyardValuesFile, the values it produces and the defaults VineyardValues', async () => {
    const defaultsFile = path.join(CHART_DIR, 'values.yaml');
    const defaults = parseYamlMap(await readFile(defaultsFile, 'utf8'), defaultsFile);
    const lines = [HEADER, `export const defaults = ${JSON.stringify(defaults)} satisfies VineyardValues;`];
    for (const [i, fx] of FIXTURES.entries()) {
      const fixture = parseYamlMap(await readFile(fx.file, 'utf8'), fx.file);
      lines.push(`// ${fx.name}`);
      lines.push(`export const fixture${i} = ${JSON.stringify(fixture)} satisfies VineyardValuesFile;`);
      lines.push(
        `export const merged${i} = ${JSON.stringify(valuesFor(defaults, fixture))} satisfies VineyardValues;`,
      );
    }
    expect(FIXTURES.length).toBeGreaterThanOrEqual(10);
    expect(typeCheck(lines.join('\n'))).toEqual([]);
  });

  it('refuses wrong shapes in data, naming each', () => {
    const bad = [
      { vineyardd: { tolerations: [{ key: 'a', operator: 'Sometimes' }] } },
      { vineyardd: { extraContainers: [{ name: 'w', command: ['sleep'] }] } },
      { vineyardd: { extraVolumes: [{ name: 'v', emptyDir: { sizeLimit: true } }] } },
      {
        vineyardd: {
          affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{}] } },
        },
      },
      { etcd: { podSecurityContext: { runAsUser: '65532' } } },
      { imagePullSecrets: [{}] },
      { rpc: { service: { type: 'ExternalName' } } },
      { metrics: { enabled: 'true' } },
    ];
    const source = [
      HEADER,
      ...bad.map((b, i) => `export const bad${i} = ${JSON.stringify(b)} satisfies VineyardValuesFile;`),
    ];
    const diagnostics = typeCheck(source.join('\n'));
    const refused = new Set(diagnostics.map((d) => d.line));
    expect([...refused].sort((a, b) => a - b)).toEqual(bad.map((_, i) => i + 1));
  });
});
