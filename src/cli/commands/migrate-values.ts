import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CHART_DIR } from '../../paths.ts';
import { migrateValuesFile } from '../../stages/migrate/run.ts';

export function register(program: Command): void {
  program
    .command('migrate-values')
    .summary('convert a values file of the upstream chart (v6d charts/vineyard 0.8.x) for this chart')
    .description(
      'Print, as YAML on stdout, the values of this chart equivalent to FILE, a values file of the upstream\n' +
        'chart (v6d-io/v6d charts/vineyard 0.8.x). Every upstream key is converted or, when this chart has no\n' +
        "equivalent, named on stderr with the reason. The result passes the chart's values.schema.json.\n" +
        'An upstream release cannot be upgraded in place: see "Migrating from the upstream chart" in the\n' +
        'chart README (helm show readme) for the steps.',
    )
    .argument('<file>', 'values file of the upstream chart')
    .option('--chart <dir>', 'chart directory to convert for', DEFAULT_CHART_DIR)
    .addHelpText(
      'after',
      '\nExample:\n' +
        '  helm get values vineyard -n vineyard -o yaml > upstream.yaml\n' +
        '  vineyard-charts migrate-values upstream.yaml > values.yaml',
    )
    .action(async (file: string, opts: { chart: string }) => {
      const { yaml, notes } = await migrateValuesFile(file, path.resolve(opts.chart));
      for (const n of notes) process.stderr.write(`${file}: ${n.path}: ${n.message}\n`);
      process.stdout.write(yaml);
    });
}
