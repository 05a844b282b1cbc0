/** values.schema.json is enforced by real helm v3 and v4 at template/install time, and by `manifests`. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { renderManifests } from '../../src/stages/render/manifests.ts';
import { CHART_DIR, FIXTURES } from '../support/chart.ts';
import { HELM_MAJORS, helm, withTempDir } from '../support/run.ts';

const REJECTED: { what: string; set: string; mentions: string }[] = [
  { what: 'wrong type', set: 'vineyardd.reserveMemory=yes', mentions: 'reserveMemory' },
  {
    what: 'unknown key in a chart-owned object',
    set: 'vineyardd.sharedMemorySise=1Gi',
    mentions: 'sharedMemorySise',
  },
  { what: 'unknown top-level key', set: 'imagee.tag=v1', mentions: 'imagee' },
  { what: 'out-of-range port', set: 'rpc.service.port=70000', mentions: 'port' },
  { what: 'bad enum value', set: 'vineyardd.socket.volumeType=nfs', mentions: 'volumeType' },
  { what: 'malformed size', set: 'vineyardd.sharedMemorySize=lots', mentions: 'sharedMemorySize' },
  { what: 'malformed quantity', set: 'vineyardd.resources.requests.memory=1Gb', mentions: 'memory' },
  { what: 'empty etcd cluster', set: 'etcd.replicas=0', mentions: 'replicas' },
  { what: 'external etcd without endpoints', set: 'etcd.enabled=false', mentions: 'externalEndpoints' },
  { what: 'latest-style image tag with spaces', set: 'image.tag=a b', mentions: 'tag' },
  {
    what: 'unknown key in a Kubernetes object',
    set: 'vineyardd.securityContext.privilegd=true',
    mentions: 'privilegd',
  },
  // Kubernetes-shaped values: schemas derived from kubernetes-models (src/model/k8s.ts)
  {
    what: 'unknown toleration operator',
    set: 'vineyardd.tolerations[0].operator=Sometimes',
    mentions: 'operator',
  },
  {
    what: 'fractional tolerationSeconds',
    set: 'etcd.tolerations[0].tolerationSeconds=1.5',
    mentions: 'tolerationSeconds',
  },
  {
    what: 'misspelt key deep in an affinity',
    set: 'vineyardd.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operatr=In',
    mentions: 'operatr',
  },
  { what: 'extra container without an image', set: 'vineyardd.extraContainers[0].name=w', mentions: 'image' },
  {
    what: 'malformed quantity in an extra volume',
    set: 'vineyardd.extraVolumes[0].name=v,vineyardd.extraVolumes[0].emptyDir.sizeLimit=lots',
    mentions: 'sizeLimit',
  },
  { what: 'env var without a name', set: 'vineyardd.env[0].value=x', mentions: 'name' },
];

describe.each(HELM_MAJORS)('helm %s enforces the schema', (major) => {
  it.each(REJECTED)('rejects $what ($set)', async ({ set, mentions }) => {
    await withTempDir(async (home) => {
      const res = await helm(major, ['template', 'vineyard', CHART_DIR, '--set', set], home);
      expect(res.code, res.stdout).not.toBe(0);
      expect(res.stderr).toContain(mentions);
    });
  });

  it('accepts `global` and every fixture', async () => {
    await withTempDir(async (home) => {
      const res = await helm(
        major,
        ['template', 'vineyard', CHART_DIR, '--set', 'global.imageRegistry=x'],
        home,
      );
      expect(res.code, res.stderr).toBe(0);
    });
  });
});

describe('manifests enforces the same schema', () => {
  it.each(REJECTED)('rejects $what ($set)', async ({ set, mentions }) => {
    await expect(renderManifests({ chartDir: CHART_DIR, set: [set] })).rejects.toThrow(mentions);
  });
});

describe('values.schema.json', () => {
  it('is self-contained draft-07', async () => {
    const text = await readFile(path.join(CHART_DIR, 'values.schema.json'), 'utf8');
    const schema = JSON.parse(text);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(text).not.toMatch(/"\$ref"\s*:\s*"(?!#)/);
    expect(schema.additionalProperties).toBe(false);
  });

  it('the chart defaults validate', async () => {
    const defaults = yaml.load(await readFile(path.join(CHART_DIR, 'values.yaml'), 'utf8'));
    expect(defaults).toBeTypeOf('object');
    await expect(renderManifests({ chartDir: CHART_DIR })).resolves.toBeDefined();
    expect(FIXTURES.length).toBeGreaterThanOrEqual(10);
  });
});
