/** Copies of chart-src/ outside the checkout, for tests that must change a chart without touching ours. */
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';

export const CHART_SRC = path.join(PROJECT_ROOT, 'chart-src');

/**
 * Copies chart-src/ to `root/name`, making its imports of src/ absolute, then lets `edit` change the
 * vineyard chart directory of the copy. Returns the copy's root (a `--src` for render/release).
 */
export async function copyChartSources(
  root: string,
  name: string,
  edit?: (chartDir: string) => Promise<void>,
): Promise<string> {
  const dir = path.join(root, name);
  await cp(CHART_SRC, dir, { recursive: true });
  for (const f of [
    'k8s-schemas.ts',
    ...['index.ts', 'values.ts', 'chart.ts', 'changelog.ts'].map((f) => `vineyard/${f}`),
  ]) {
    const file = path.join(dir, f);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/'(\.\.\/)+src\//g, `'${PROJECT_ROOT}/src/`));
  }
  // Outside the project no package.json says these .ts files are ES modules.
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  if (edit) await edit(path.join(dir, 'vineyard'));
  return dir;
}

/**
 * Sets the version in a copied chart's chart.ts and, unless `changelog` is false, adds an entry for it to
 * changelog.ts (release refuses a version without one).
 */
export async function bumpChartVersion(chartDir: string, to: string, changelog = true): Promise<void> {
  const chartFile = path.join(chartDir, 'chart.ts');
  const text = await readFile(chartFile, 'utf8');
  await writeFile(chartFile, text.replace(/version: '[^']+'/, `version: '${to}'`));
  if (!changelog) return;
  const logFile = path.join(chartDir, 'changelog.ts');
  const log = await readFile(logFile, 'utf8');
  const entry = `{ version: '${to}', changes: [{ kind: 'changed', description: 'test version ${to}' }] },`;
  await writeFile(logFile, log.replace('export const changelog: Changelog = [', `$&\n  ${entry}`));
}
