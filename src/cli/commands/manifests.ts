import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { DEFAULT_CHART_DIR } from '../../paths.ts';
import { renderManifests } from '../../stages/render/manifests.ts';
import { addValuesFlags } from '../flags.ts';

const KUBE_VERSION = /^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export function registerManifests(program: Command): void {
  const cmd = program
    .command('manifests')
    .summary('print the Kubernetes YAML for given values, without helm')
    .description(
      'Print the Kubernetes YAML of the chart for the given values, without helm: the same templates,\n' +
        'values merged and validated against values.schema.json exactly as `helm template` does.',
    );
  addValuesFlags(cmd)
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
        // helm parses --kube-version as a semantic version and refuses anything else.
        if (opts.kubeVersion !== undefined && !KUBE_VERSION.test(opts.kubeVersion))
          throw new UsageError(
            `--kube-version ${opts.kubeVersion}: expected a Kubernetes version like 1.31 or v1.31.0`,
          );
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
