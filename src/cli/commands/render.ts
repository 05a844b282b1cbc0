import path from 'node:path';
import type { Command } from 'commander';
import { CHART_SRC, CHARTS_OUT } from '../../paths.ts';
import { renderAll } from '../../stages/render/render.ts';
import { registerManifests } from './manifests.ts';

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
