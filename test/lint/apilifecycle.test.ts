/**
 * The table of deprecated/removed apiVersions, checked against the lifecycle data compiled into real
 * helm (k8s.io/api's prerelease-lifecycle markers), which `helm lint` prints as
 * "<apiVersion> <Kind> is deprecated in v1.X+, unavailable in v1.Y+".
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_LIFECYCLE } from '../../src/stages/lint/apilifecycle.ts';
import { HELM_MAJORS, helm, withTempDir } from '../support/run.ts';

const entries = API_LIFECYCLE.flatMap((l) => l.kinds.map((kind) => ({ ...l, kind })));

describe('API lifecycle table', () => {
  it.each(HELM_MAJORS)('agrees with helm %s wherever helm knows the API', async (major) => {
    await withTempDir(async (dir) => {
      const chart = path.join(dir, 'apis');
      await mkdir(path.join(chart, 'templates'), { recursive: true });
      await writeFile(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: apis\nversion: 0.1.0\n');
      await Promise.all(
        entries.map((e, i) =>
          writeFile(
            path.join(chart, 'templates', `api-${i}.yaml`),
            `apiVersion: ${e.apiVersion}\nkind: ${e.kind}\nmetadata:\n  name: api-${i}\n`,
          ),
        ),
      );
      const res = await helm(major, ['lint', chart], dir);
      const reported = new Map<string, { deprecated: number; removed: number }>();
      for (const m of (res.stdout + res.stderr).matchAll(
        /(\S+) (\w+) is deprecated in v1\.(\d+)\+, unavailable in v1\.(\d+)\+/g,
      )) {
        reported.set(`${m[1]} ${m[2]}`, { deprecated: Number(m[3]), removed: Number(m[4]) });
      }
      // helm only knows APIs its k8s.io/api still contains (roughly those removed from 1.22 on).
      expect(reported.size).toBeGreaterThanOrEqual(20);
      for (const e of entries) {
        const h = reported.get(`${e.apiVersion} ${e.kind}`);
        if (h) {
          const api = `${e.apiVersion} ${e.kind}`;
          expect({ api, deprecated: e.deprecated, removed: e.removed }).toEqual({ api, ...h });
        }
      }
      // And nothing helm flags is missing from our table.
      for (const key of reported.keys()) {
        expect(
          entries.some((e) => `${e.apiVersion} ${e.kind}` === key),
          key,
        ).toBe(true);
      }
    });
  });
});
