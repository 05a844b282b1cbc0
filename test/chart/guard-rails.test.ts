/**
 * Guard rails at install time (issue 11, item 3): values that render valid objects which cannot work are
 * refused by helm itself (a template `fail`), with a message saying what to change and never a regular
 * expression. Each one under real helm v3 and v4 and through `manifests` (what `deploy` uses).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderManifests } from '../../src/stages/render/manifests.ts';
import { CHART_DIR } from '../support/chart.ts';
import { fakeApiServer } from '../support/fake-apiserver.ts';
import { HELM_MAJORS, helm, withTempDir } from '../support/run.ts';

const PERSISTENT = 'etcd.persistence.enabled=true';

const REFUSED: { what: string; set: string[]; says: string[] }[] = [
  {
    what: 'shared memory above the memory limit',
    set: ['vineyardd.sharedMemorySize=8Gi'],
    says: [
      'vineyardd.resources.limits.memory "1Gi" is not above vineyardd.sharedMemorySize "8Gi"',
      'at least 8704Mi',
    ],
  },
  {
    what: 'shared memory equal to the memory limit',
    set: ['vineyardd.sharedMemorySize=2Gi', 'vineyardd.resources.limits.memory=2048Mi'],
    says: ['is not above vineyardd.sharedMemorySize "2Gi"'],
  },
  {
    what: 'a decimal memory limit below the shared memory (1G < 1Gi)',
    set: ['vineyardd.sharedMemorySize=1Gi', 'vineyardd.resources.limits.memory=1G'],
    says: ['vineyardd.resources.limits.memory "1G" is not above', 'at least 1536Mi'],
  },
  {
    what: "vineyard's G (2^30) where Kubernetes reads 10^9",
    set: ['vineyardd.sharedMemorySize=8G', 'vineyardd.resources.limits.memory=10Gi'],
    says: ['vineyardd.sharedMemorySize "8G"', 'Write a size like 8Gi', 'here 8Gi'],
  },
  {
    what: 'decimal k and M too',
    set: ['vineyardd.sharedMemorySize=512M'],
    says: ['reads M as 2^20 bytes while Kubernetes reads it as 10^6', 'here 512Mi'],
  },
  {
    what: 'something that is not a size',
    set: ['vineyardd.sharedMemorySize=lots'],
    says: ['vineyardd.sharedMemorySize "lots" is not a size: write a size like 8Gi'],
  },
  {
    what: 'a size Kubernetes does not know (8gi)',
    set: ['vineyardd.sharedMemorySize=8gi'],
    says: ['is not a size: write a size like 8Gi'],
  },
  {
    what: 'an even etcd cluster',
    set: ['etcd.replicas=4', PERSISTENT],
    says: ['etcd.replicas=4 is even', 'Use an odd number: 1, 3, 5 or 7'],
  },
  {
    what: 'an even etcd cluster of 2, even without persistence',
    set: ['etcd.replicas=2'],
    says: ['etcd.replicas=2 is even'],
  },
  {
    what: 'more than 7 etcd members',
    set: ['etcd.replicas=9', PERSISTENT],
    says: ['etcd.replicas=9: more than 7 etcd members', 'Use 3, 5 or 7'],
  },
];

const ACCEPTED: { what: string; set: string[]; values?: string }[] = [
  {
    what: 'a binary size under the limit',
    set: ['vineyardd.sharedMemorySize=8Gi', 'vineyardd.resources.limits.memory=9Gi'],
  },
  {
    what: 'a fractional binary size',
    set: ['vineyardd.sharedMemorySize=1.5Gi', 'vineyardd.resources.limits.memory=2G'],
  },
  {
    what: 'a number of bytes (from a values file: --set would make it an integer)',
    set: ['vineyardd.resources.limits.memory=2Gi'],
    values: 'vineyardd:\n  sharedMemorySize: "1073741824"\n',
  },
  {
    what: 'a limit as a plain number',
    set: ['vineyardd.sharedMemorySize=1Gi', 'vineyardd.resources.limits.memory=2147483648'],
  },
  {
    what: 'a limit in exponent form',
    set: ['vineyardd.sharedMemorySize=1Gi', 'vineyardd.resources.limits.memory=2e9'],
  },
  {
    what: 'no memory limit at all',
    set: ['vineyardd.sharedMemorySize=64Gi', 'vineyardd.resources.limits=null'],
  },
  { what: '7 etcd members', set: ['etcd.replicas=7', PERSISTENT] },
  { what: '5 etcd members', set: ['etcd.replicas=5', PERSISTENT] },
];

/** No message shows a regular expression (the old schema pattern did). */
const REGEX = /\[0-9\]|\\\.|\^\[|\)\?\$|pattern/;

describe.each(HELM_MAJORS)('helm %s refuses at install time', (major) => {
  it.each(REFUSED)('$what', ({ set, says }) =>
    withTempDir(async (home) => {
      const args = ['template', 'vineyard', CHART_DIR, '--namespace', 'vineyard'];
      for (const s of set) args.push('--set', s);
      const res = await helm(major, args, home);
      expect(res.code, res.stdout).not.toBe(0);
      for (const s of says) expect(res.stderr).toContain(s);
      expect(res.stderr).not.toMatch(REGEX);
      // helm install reaches the same check (helm v3 asks a cluster for its version even in a dry run)
      const api = await fakeApiServer(home);
      try {
        const install = await helm(major, ['install', ...args.slice(1), '--dry-run=client'], home, {
          env: { KUBECONFIG: api.kubeconfig },
        });
        expect(install.code).not.toBe(0);
        expect(install.stderr).toContain(says[0]);
      } finally {
        await api.close();
      }
    }),
  );

  it.each(ACCEPTED)('accepts $what', ({ set, values }) =>
    withTempDir(async (home) => {
      const args = ['template', 'vineyard', CHART_DIR];
      for (const s of set) args.push('--set', s);
      if (values) {
        await writeFile(path.join(home, 'v.yaml'), values);
        args.push('-f', path.join(home, 'v.yaml'));
      }
      const res = await helm(major, args, home);
      expect(res.code, res.stderr).toBe(0);
    }),
  );
});

describe('manifests refuses the same values with the same messages', () => {
  it.each(REFUSED)('$what', async ({ set, says }) => {
    const err = await renderManifests({ chartDir: CHART_DIR, set }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    for (const s of says) expect(err?.message).toContain(s);
  });

  it.each(ACCEPTED)('accepts $what', ({ set, values }) =>
    withTempDir(async (dir) => {
      const valuesFiles = values ? [path.join(dir, 'v.yaml')] : [];
      if (values) await writeFile(valuesFiles[0], values);
      await expect(renderManifests({ chartDir: CHART_DIR, set, valuesFiles })).resolves.toBeDefined();
    }),
  );
});
