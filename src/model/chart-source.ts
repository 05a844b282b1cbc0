/**
 * A chart as typed sources: `chart-src/<name>/index.ts` (Chart.yaml metadata, the values model,
 * schema rules) plus `templates/` (Go templates, copied verbatim) and `README.intro.md`.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../errors.ts';
import type { Changelog } from './changelog.ts';
import type { Fields } from './model.ts';
import type { SchemaRules } from './schema.ts';

export interface ChartDefinition {
  chart: { name: string; version: string; [key: string]: unknown };
  values: Fields;
  schemaRules?: SchemaRules;
  /** Changes per chart version: Chart.yaml's artifacthub.io/changes and the README's "Changes". */
  changelog?: Changelog;
}

export interface ChartSource extends ChartDefinition {
  dir: string;
  readmeIntro: string;
  /** Path relative to the chart root ('templates/x.yaml') -> text. */
  templates: Map<string, string>;
  /** 'ci/<name>-values.yaml' -> text: the chart's lint fixtures. */
  ciValues: Map<string, string>;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

/** Every file under `<chartDir>/templates`, keyed 'templates/<path>', in sorted order. */
export async function readTemplates(chartDir: string): Promise<Map<string, string>> {
  const templates = new Map<string, string>();
  for (const rel of await listFiles(path.join(chartDir, 'templates'))) {
    templates.set(`templates/${rel}`, await readFile(path.join(chartDir, 'templates', rel), 'utf8'));
  }
  return templates;
}

/**
 * The chart's lint fixtures: `ci/*-values.yaml`, chart-testing's convention. They travel with the
 * rendered chart (so `lint` finds them for any chart) but not into packages (.helmignore).
 */
export async function readCiValues(chartDir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const dir = path.join(chartDir, 'ci');
  if (!existsSync(dir)) return files;
  for (const rel of await listFiles(dir)) {
    if (/^[^/]+\.ya?ml$/.test(rel)) files.set(`ci/${rel}`, await readFile(path.join(dir, rel), 'utf8'));
  }
  return files;
}

let typeScriptImports: Promise<void> | undefined;

/**
 * The chart sources are TypeScript. Run from sources (tsx, vitest) they import as they are; run from the
 * compiled dist/ (the bin), tsx is registered here, on the first render only, and the chart sources'
 * imports of src/ are pointed at dist/ (source-hooks.ts).
 */
function enableTypeScriptImports(): Promise<void> {
  typeScriptImports ??= (async () => {
    if (!import.meta.url.endsWith('.js')) return;
    const { register } = await import('tsx/esm/api');
    register();
    const { register: registerHooks } = await import('node:module');
    const dist = new URL('../', import.meta.url).href;
    const src = new URL('../../src/', import.meta.url).href;
    registerHooks(new URL('./source-hooks.js', import.meta.url), { data: { src, dist } });
  })();
  return typeScriptImports;
}

export async function loadChartSource(dir: string): Promise<ChartSource> {
  const indexFile = path.join(dir, 'index.ts');
  let definition: ChartDefinition;
  await enableTypeScriptImports();
  try {
    definition = (await import(pathToFileURL(indexFile).href)).default as ChartDefinition;
  } catch (err) {
    throw new InputError(indexFile, '', `cannot load chart definition: ${(err as Error).message}`);
  }
  if (!definition?.chart?.name || !definition.values) {
    throw new InputError(indexFile, 'default export', 'expected { chart, values, schemaRules? }');
  }
  const templates = await readTemplates(dir);
  const readmeIntro = await readFile(path.join(dir, 'README.intro.md'), 'utf8').catch(
    () => `# ${definition.chart.name}\n`,
  );
  return { ...definition, dir, readmeIntro, templates, ciValues: await readCiValues(dir) };
}

/** Every chart directory under chart-src/ (one holding an index.ts). */
export async function listChartSources(root: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const files = await readdir(path.join(root, entry.name));
    if (files.includes('index.ts')) dirs.push(path.join(root, entry.name));
  }
  return dirs.sort();
}
