/** The vineyard chart as helm and our renderer see it, for every fixture values file. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import * as yaml from 'js-yaml';
import type { HelmMajor } from '../../src/tools/helm.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { helm } from './run.ts';

export const CHART_DIR = path.join(PROJECT_ROOT, 'charts-out', 'vineyard');
export const FIXTURES_DIR = path.join(PROJECT_ROOT, 'chart-src', 'vineyard', 'ci');

export const FIXTURES = readdirSync(FIXTURES_DIR)
  .filter((f) => f.endsWith('-values.yaml'))
  .sort()
  .map((f) => ({ name: f.replace(/-values\.yaml$/, ''), file: path.join(FIXTURES_DIR, f) }));

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
};

export function parseDocuments(text: string): K8sObject[] {
  return yaml.loadAll(text).filter((d): d is K8sObject => d !== null && typeof d === 'object');
}

export function keyOf(obj: K8sObject): string {
  return `${obj.kind}/${obj.metadata.name}`;
}

/** Real `helm template` of charts-out/vineyard; throws with helm's stderr on failure. */
export async function helmTemplate(
  major: HelmMajor,
  home: string,
  opts: { release: string; namespace: string; valuesFiles?: string[]; set?: string[] },
): Promise<K8sObject[]> {
  const args = ['template', opts.release, CHART_DIR, '--namespace', opts.namespace];
  for (const f of opts.valuesFiles ?? []) args.push('-f', f);
  for (const s of opts.set ?? []) args.push('--set', s);
  const res = await helm(major, args, home);
  if (res.code !== 0) throw new Error(`helm ${major} template failed: ${res.stderr}`);
  return parseDocuments(res.stdout);
}
