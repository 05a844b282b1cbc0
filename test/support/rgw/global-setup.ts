/**
 * Global setup for the shared Ceph RGW: only reserves a state directory. The gateway itself starts
 * lazily on the first `sharedRgw()` call, so test runs that never publish to S3 never pay for it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { stopSharedRgw } from './rgw.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    rgwStateDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'vineyard-rgw-state-'));
  project.provide('rgwStateDir', stateDir);
  // Whether RGW is installed is checked by the tests that use it (missingRgwBinaries: installed when
  // root, else they fail naming the apt-get command), so runs that never publish to S3 need no Ceph.
  return () => stopSharedRgw(stateDir);
}
