/**
 * Quiet by default (issue 14, item 6): no AWS SDK Node-version notice on S3 runs, and no dependency whose
 * declared engines exclude the Node the project declares (npm ci's EBADENGINE warnings). That is why the
 * newest Kubernetes schema is kubernetes-models 4.5.1 (1.33): 5.x declares Node >= 22.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { cli } from '../support/run.ts';

describe('quiet by default', () => {
  it('every locked dependency admits the Node the project declares', () => {
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8'));
    const declared = semver.minVersion(pkg.engines.node)?.version as string;
    expect(declared).toBe('20.19.0'); // vite 7 (vitest) needs ^20.19: declared honestly
    // npm warns against the running Node; check both the declared floor and this machine's Node
    const excluded = Object.entries(lock.packages as Record<string, { engines?: { node?: string } }>)
      .filter(([, p]) => typeof p.engines?.node === 'string')
      .filter(
        ([, p]) =>
          !semver.satisfies(declared, p.engines?.node as string) ||
          !semver.satisfies(process.version, p.engines?.node as string),
      )
      .map(([name]) => name)
      .sort();
    expect(excluded).toEqual([]);
  });

  it('an S3 run prints no AWS SDK Node-version notice', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vineyard-quiet-'));
    try {
      const pkg = await cli(['package', path.join(PROJECT_ROOT, 'test/fixtures/charts/oci-demo'), '-d', dir]);
      expect(pkg.code, pkg.stderr).toBe(0);
      const env = {
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'y',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
        VINEYARD_CHARTS_S3_CONNECT_TIMEOUT: '1',
      };
      // a closed port: the client is built (where the SDK would warn), the request fails at once
      const res = await cli(
        [
          'publish',
          path.join(dir, 'oci-demo-0.1.0.tgz'),
          '--to',
          's3://bucket',
          '--endpoint',
          'http://127.0.0.1:9',
          '--path-style',
          '--region',
          'us-east-1',
        ],
        { env },
      );
      expect(res.code).toBe(1);
      expect(res.stderr).not.toMatch(/NodeVersionSupportWarning|\(node:\d+\)|Warning/);
      expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
