/** `helm lint --strict` is clean on every fixture, helm install prints useful notes, Chart.yaml is complete. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CHART_DIR, FIXTURES } from '../support/chart.ts';
import { HELM_MAJORS, helm, withTempDir } from '../support/run.ts';

describe.each(HELM_MAJORS)('helm %s', (major) => {
  it.each(FIXTURES)('lint --strict is clean with $name', async ({ file }) => {
    await withTempDir(async (home) => {
      const res = await helm(major, ['lint', '--strict', CHART_DIR, '-f', file], home);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    });
  });
});

// helm v3's install needs a reachable cluster even with --dry-run=client; helm v4's does not.
it('install --dry-run prints NOTES that explain the socket, RPC and Pod Security level', async () => {
  await withTempDir(async (home) => {
    const res = await helm(
      'v4',
      ['install', 'vineyard', CHART_DIR, '-n', 'vineyard', '--dry-run=client'],
      home,
    );
    expect(res.code, res.stderr).toBe(0);
    const notes = res.stdout.slice(res.stdout.indexOf('NOTES:'));
    expect(notes).toContain('vineyard-rpc.vineyard.svc:9600');
    expect(notes).toContain('/var/run/vineyard-vineyard-vineyard');
    expect(notes).toContain('pod-security.kubernetes.io/enforce=privileged');
    expect(notes).toContain('mountPath: /var/run/vineyard');
  });
});

describe('Chart.yaml', () => {
  it('has apiVersion v2, kubeVersion, home, sources, keywords, maintainers, icon and Artifact Hub annotations', async () => {
    const chart = yaml.load(await readFile(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(chart.apiVersion).toBe('v2');
    expect(chart.kubeVersion).toMatch(/^>=/);
    for (const k of ['home', 'icon', 'appVersion', 'description']) expect(typeof chart[k], k).toBe('string');
    for (const k of ['sources', 'keywords', 'maintainers'])
      expect((chart[k] as unknown[]).length, k).toBeGreaterThan(0);
    expect(Object.keys(chart.annotations as object)).toEqual(
      expect.arrayContaining(['artifacthub.io/license', 'artifacthub.io/images']),
    );
  });
});
