/** `vineyard-charts publish --to oci://…` as a user runs it, against the real docker-registry. */
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { type RunningRegistry, startRegistry } from '../support/docker-registry.ts';
import { cli, helm, withTempDir } from '../support/run.ts';
import { expectMatchesSchema } from '../support/schemas.ts';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'charts', 'oci-demo');

async function packageFixture(work: string, greeting: string): Promise<string> {
  const src = path.join(work, greeting, 'oci-demo');
  await cp(FIXTURE, src, { recursive: true });
  await writeFile(path.join(src, 'values.yaml'), `greeting: ${greeting}\n`);
  const res = await helm('v3', ['package', src, '-d', path.join(work, greeting)], path.join(work, 'h'));
  expect(res.code, res.stderr).toBe(0);
  return path.join(work, greeting, 'oci-demo-0.1.0.tgz');
}

describe('publish --to oci://', () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('pushes, prints a JSON summary, and refuses a changed chart under the same version (exit 1)', async () => {
    await withTempDir(async (work) => {
      const tgz = await packageFixture(work, 'hello');
      const to = `oci://${reg.registry}/cli`;
      const res = await cli(['publish', tgz, '--to', to, '--plain-http', '--json']);
      expect(res.code, res.stderr).toBe(0);
      const summary = JSON.parse(res.stdout);
      expectMatchesSchema('publish-summary.schema.json', summary);
      expect(summary).toMatchObject({
        target: to,
        dryRun: false,
        charts: [{ status: 'pushed', tag: '0.1.0' }],
      });
      const head = await fetch(`http://${reg.registry}/v2/cli/oci-demo/manifests/0.1.0`, {
        method: 'HEAD',
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(head.headers.get('docker-content-digest')).toBe(summary.charts[0].digest);

      const changed = await packageFixture(work, 'changed');
      const refused = await cli(['publish', changed, '--to', to, '--plain-http']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /error: oci-demo 0\.1\.0 is already published at oci:\/\/.*\/cli\/oci-demo:0\.1\.0 with different content/,
      );
    });
  });
});
