/**
 * Global setup for the shared Ceph RGW: only reserves a state directory. The gateway itself starts
 * lazily on the first `sharedRgw()` call, so test runs that never publish to S3 never pay for it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { missingRgwBinaries, stopSharedRgw } from './rgw.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    rgwStateDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'vineyard-rgw-state-'));
  project.provide('rgwStateDir', stateDir);
  const missing = missingRgwBinaries();
  if (missing.length) {
    const bar = '!'.repeat(100);
    process.stderr.write(
      `\n${bar}\nCeph RGW is NOT installed here (missing: ${missing.join(', ')}).\n` +
        'The publish tests that need a store honouring conditional writes are SKIPPED; the rest run against s3rver.\n' +
        'Install as root: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd ceph-common curl\n' +
        `(.ci/run always installs them, so CI runs the full set.)\n${bar}\n\n`,
    );
  }
  return () => stopSharedRgw(stateDir);
}
