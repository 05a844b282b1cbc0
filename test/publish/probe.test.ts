/**
 * The precondition probe against a store whose scratch key vanishes mid-probe, as when another
 * publisher sweeps it as stale while this one was stopped longer than the stale age.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStorage } from '../../src/targets/file.ts';
import { PROBE_PREFIX, probePreconditions } from '../../src/targets/probe.ts';
import type { PutOptions, Storage } from '../../src/targets/storage.ts';

/** Deletes the probe's key right before its second write, `times` times. */
function sweptOnce(store: FileStorage, times = 1): Storage {
  let writes = 0;
  let left = times;
  return Object.assign(Object.create(store) as FileStorage, {
    async put(key: string, body: Buffer, opts: PutOptions) {
      if (key.startsWith(PROBE_PREFIX) && ++writes % 2 === 0 && left > 0) {
        left--;
        await store.delete(key);
      }
      return store.put(key, body, opts);
    },
  });
}

describe('precondition probe', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'vineyard-probe-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a scratch key swept away mid-probe does not make a safe store look unsafe', async () => {
    const store = new FileStorage(path.join(work, 'repo'));
    expect(await probePreconditions(sweptOnce(store))).toEqual({ ifNoneMatch: true, ifMatch: 'quoted' });
    expect(await store.list(PROBE_PREFIX)).toEqual([]);
  });
});
