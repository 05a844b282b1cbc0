import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../errors.ts';
import { CHART_SRC, CHARTS_OUT } from '../../paths.ts';
import { renderAll } from '../../stages/render/render.ts';
import { checkOutputDir } from '../../util/output-dir.ts';
import { registerManifests } from './manifests.ts';

/** --src must be a directory of chart sources; one line naming it otherwise. */
export async function checkSources(src: string): Promise<void> {
  const isDir = await stat(src).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir)
    throw new InputError(src, '', 'no such directory; expected chart sources (<chart>/index.ts directories)');
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
      await checkSources(opts.src);
      await checkOutputDir(opts.out, 'expected a directory for the rendered charts (--out)');
      for (const dir of await renderAll(path.resolve(opts.src), path.resolve(opts.out))) {
        console.log(`rendered ${path.relative(process.cwd(), dir) || dir}`);
      }
    });
  registerManifests(program);
}
