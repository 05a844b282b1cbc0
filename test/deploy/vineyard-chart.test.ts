/**
 * The real Vineyard chart through deploy's checks (a plan only; no cluster): every Service selects a
 * rendered pod template (upstream's Service matched no pod), every object lands in the requested
 * namespace (upstream ignored it), and --wait covers the vineyardd DaemonSet and the etcd StatefulSet.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploy, type KubectlStep, planRunner } from '../../src/stages/deploy/deploy.ts';
import { renderManifests } from '../../src/stages/render/manifests.ts';
import { renderAll } from '../../src/stages/render/render.ts';
import { withTempDir } from '../support/run.ts';

describe('deploy plan for chart-src/vineyard', () => {
  it('passes the selector check, targets the namespace and waits for every workload', async () => {
    await withTempDir(async (out) => {
      const [chartDir] = (await renderAll(undefined, out)).filter((d) => path.basename(d) === 'vineyard');
      const steps: KubectlStep[] = [];
      const result = await deploy({
        valuesFiles: [],
        set: [],
        release: 'v6d',
        namespace: 'vineyard-system',
        wait: true,
        timeoutSeconds: 300,
        createNamespace: false,
        forceConflicts: false,
        render: (opts) => renderManifests({ chartDir, skipTests: true, ...opts }),
        runner: planRunner(steps),
      });
      expect(result.applied.length).toBeGreaterThan(0);
      for (const ref of result.applied)
        expect(ref.namespace, `${ref.kind}/${ref.name}`).toBe('vineyard-system');
      const workloads = result.applied.filter((r) =>
        ['DaemonSet', 'StatefulSet', 'Deployment'].includes(r.kind),
      );
      expect(workloads.map((r) => r.kind)).toContain('DaemonSet');
      expect(result.waitedFor.sort()).toEqual(
        workloads.map((r) => `${r.kind.toLowerCase()}/${r.name}`).sort(),
      );
      expect(steps.filter((s) => s.args[0] === 'rollout')).toHaveLength(workloads.length);
    });
  });
});
