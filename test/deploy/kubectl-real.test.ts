/**
 * What the real kubectl (1.31 and 1.35) can check without a cluster: every invocation deploy/undeploy
 * makes, with the same argv and stdin, fed to kubectl with a kubeconfig whose server is a closed
 * 127.0.0.1 port. kubectl rejects unknown flags and unparsable stdin before it connects, so reaching
 * "connection refused" proves the flags are accepted and the input parses. Even `--dry-run=client`
 * needs API discovery, so kubectl validates nothing more offline (schema, apply itself, rollout status).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  deploy,
  type KubectlStep,
  planRunner,
  type StepRunner,
  undeploy,
} from '../../src/stages/deploy/deploy.ts';
import { recordConfigMap } from '../../src/stages/deploy/objects.ts';
import { renderManifests } from '../../src/stages/render/manifests.ts';
import { ensureTool, PROJECT_ROOT } from '../../src/tools/helm.ts';
import { freePort, run, withTempDir } from '../support/run.ts';

const CHART = path.join(PROJECT_ROOT, 'test', 'fixtures', 'charts', 'deploy-demo');

/** Every kubectl step of a first deploy (with namespace creation and wait) and of an undeploy. */
async function allSteps(): Promise<KubectlStep[]> {
  const steps: KubectlStep[] = [];
  const result = await deploy({
    valuesFiles: [],
    set: [],
    release: 'r1',
    namespace: 'data',
    wait: true,
    timeoutSeconds: 60,
    createNamespace: true,
    forceConflicts: true,
    render: (opts) => renderManifests({ chartDir: CHART, skipTests: true, ...opts }),
    runner: planRunner(steps),
  });
  const record = JSON.stringify(recordConfigMap('r1', 'data', result.applied));
  const withRecord: StepRunner = {
    async run(step) {
      steps.push(step);
      return step.args[0] === 'get' ? record : '';
    },
  };
  await undeploy({ release: 'r1', namespace: 'data', timeoutSeconds: 60, runner: withRecord });
  return steps;
}

describe('real kubectl accepts the exact invocations (offline)', () => {
  for (const major of ['v3', 'v4'] as const) {
    it(`kubectl from the ${major === 'v3' ? '1.31' : '1.35'} layer`, async () => {
      const kubectl = await ensureTool(major, 'kubectl');
      const steps = await allSteps();
      expect(steps.map((s) => s.args[0])).toEqual([
        'apply', 'get', 'apply', 'apply', 'apply', 'rollout', 'rollout', 'get', 'delete', 'delete',
      ]); // biome-ignore format: the sequence reads best on one line
      await withTempDir(async (dir) => {
        const port = await freePort();
        const kubeconfig = path.join(dir, 'kubeconfig');
        await writeFile(
          kubeconfig,
          `apiVersion: v1\nkind: Config\nclusters:\n- name: none\n  cluster:\n    server: http://127.0.0.1:${port}\n` +
            'contexts:\n- name: none\n  context:\n    cluster: none\ncurrent-context: none\n',
        );
        for (const step of steps) {
          const res = await run(kubectl, ['--kubeconfig', kubeconfig, ...step.args], {
            input: step.stdin,
            timeoutMs: 60_000,
            env: { KUBECONFIG: kubeconfig, HOME: dir },
          });
          const what = `kubectl ${step.args.join(' ')}:\n${res.stderr}`;
          expect(res.code, what).not.toBe(0);
          expect(res.stderr, what).not.toMatch(
            /unknown flag|unknown shorthand|error parsing|converting YAML|invalid argument/i,
          );
          expect(res.stderr, what).toContain(`127.0.0.1:${port}`);
          expect(res.stderr, what).toMatch(/connection refused|was refused/);
        }
      });
    });
  }
});
