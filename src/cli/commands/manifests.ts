import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CHART_DIR } from '../../paths.ts';
import { renderManifests } from '../../stages/render/manifests.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerManifests(program: Command): void {
  program
    .command('manifests')
    .summary('print the Kubernetes YAML for given values, without helm')
    .description(
      'Print the Kubernetes YAML of the chart for the given values, without helm: the same templates,\n' +
        'values merged and validated against values.schema.json exactly as `helm template` does.',
    )
    .option('-f, --values <file>', 'values file (repeatable; later files win)', collect, [])
    .option('--set <key=value>', 'set a value, helm syntax: a.b=1,c={x,y} (repeatable)', collect, [])
    .option('--release <name>', 'release name', 'vineyard')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--chart <dir>', 'chart directory', DEFAULT_CHART_DIR)
    .option('--skip-tests', 'leave out `helm test` hook pods')
    .option('--kube-version <version>', "Kubernetes version for .Capabilities (default: helm template's)")
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  vineyard-charts manifests --release vineyard -n vineyard > vineyard.yaml\n' +
        '  vineyard-charts manifests -f my-values.yaml --set vineyardd.sharedMemorySize=8Gi --skip-tests | kubectl apply -f -',
    )
    .action(
      async (opts: {
        values: string[];
        set: string[];
        release: string;
        namespace: string;
        chart: string;
        skipTests?: boolean;
        kubeVersion?: string;
      }) => {
        const result = await renderManifests({
          chartDir: path.resolve(opts.chart),
          valuesFiles: opts.values,
          set: opts.set,
          release: opts.release,
          namespace: opts.namespace,
          skipTests: opts.skipTests,
          kubeVersion: opts.kubeVersion,
        });
        process.stdout.write(result.yaml);
      },
    );
}
