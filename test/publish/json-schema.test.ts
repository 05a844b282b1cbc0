/**
 * `publish --json` is a contract for CI consumers (schemas/publish-summary.schema.json): every shape the
 * command prints for a chart repository (plan, first publish with a .prov, no-op re-run) is validated here without any server; the s3:// and oci:// shapes are validated where
 * those servers run (rgw.test.ts, oci-cli.test.ts), and release's in test/release/.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/run.ts';
import { expectMatchesSchema } from '../support/schemas.ts';
import { makeChart } from './charts.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'vineyard-publish-json-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('publish --json matches schemas/publish-summary.schema.json', () => {
  it('plan, publish (chart + .prov) and no-op re-run to file://', async () => {
    const chart = await makeChart(work, 'shape', '1.0.0');
    // the .prov content is not checked by publish, only carried next to the tarball
    await writeFile(`${chart.file}.prov`, '-----BEGIN PGP SIGNED MESSAGE-----\nnot checked here\n');
    const to = `file://${path.join(work, 'repo')}`;
    const run = async (...extra: string[]) => {
      const res = await cli(['publish', chart.file, '--to', to, '--json', ...extra]);
      expect(res.code, res.stderr).toBe(0);
      const summary = JSON.parse(res.stdout);
      expectMatchesSchema('publish-summary.schema.json', summary);
      return summary;
    };
    const plan = await run('--dry-run');
    expect(plan).toMatchObject({ kind: 'repository', dryRun: true, index: { action: 'would-create' } });
    const first = await run();
    expect(first.objects.map((o: { kind: string }) => o.kind)).toEqual(['chart', 'provenance']);
    expect(first.store.conditionalWrites).toBe('honoured');
    const again = await run();
    expect(again).toMatchObject({
      index: { action: 'unchanged' },
      store: { conditionalWrites: 'not probed' },
    });
  });

  it('the schema is not vacuous: a summary of the other kind, or with a field missing, fails', async () => {
    const chart = await makeChart(work, 'strict', '1.0.0');
    const res = await cli(['publish', chart.file, '--to', `file://${path.join(work, 'r2')}`, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(() => expectMatchesSchema('publish-summary.schema.json', { ...summary, kind: 'oci' })).toThrow();
    const { index: _, ...noIndex } = summary;
    expect(() => expectMatchesSchema('publish-summary.schema.json', noIndex)).toThrow();
  });
});
