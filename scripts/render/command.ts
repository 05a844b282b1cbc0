import path from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../tools/helm.ts';
import { listChartSources, loadChartSource } from './chart-source.ts';
import { registerManifests } from './manifests-command.ts';
import { chartFiles, writeChartDir } from './render.ts';

export const CHART_SRC = path.join(PROJECT_ROOT, 'chart-src');
export const CHARTS_OUT = path.join(PROJECT_ROOT, 'charts-out');

/** Renders every chart under `srcRoot` into `outRoot/<chart>/`; returns the written chart dirs. */
export async function renderAll(srcRoot = CHART_SRC, outRoot = CHARTS_OUT): Promise<string[]> {
  const written: string[] = [];
  for (const dir of await listChartSources(srcRoot)) {
    const src = await loadChartSource(dir);
    const outDir = path.join(outRoot, src.chart.name);
    await writeChartDir(outDir, chartFiles(src));
    written.push(outDir);
  }
  return written;
}

export function register(program: Command): void {
  program
    .command('render')
    .summary('write every chart in chart-src/ to charts-out/<chart>/')
    .description(
      'Write every chart in chart-src/ to charts-out/<chart>/: Chart.yaml, values.yaml, values.schema.json,\n' +
        'README.md, .helmignore and templates/. Fails if a template refers to an undeclared value.',
    )
    .option('--src <dir>', 'chart sources', CHART_SRC)
    .option('--out <dir>', 'output root', CHARTS_OUT)
    .addHelpText('after', '\nExample:\n  vineyard-charts render && helm lint --strict charts-out/vineyard')
    .action(async (opts: { src: string; out: string }) => {
      for (const dir of await renderAll(path.resolve(opts.src), path.resolve(opts.out))) {
        console.log(`rendered ${path.relative(process.cwd(), dir) || dir}`);
      }
    });
  registerManifests(program);
}
