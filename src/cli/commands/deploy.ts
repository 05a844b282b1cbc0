/** `vineyard-charts deploy` / `undeploy`: the chart on a cluster with kubectl only, no helm. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { PipelineError } from '../../errors.ts';
import { DEFAULT_CHART_DIR, PROJECT_ROOT } from '../../paths.ts';
import {
  deploy,
  type KubectlStep,
  kubectlRunner,
  parseTimeout,
  planRunner,
  type RenderFn,
  type StepRunner,
  undeploy,
} from '../../stages/deploy/deploy.ts';
import type { KubectlConnection } from '../../stages/deploy/kubectl.ts';
import { globalArgs } from '../../stages/deploy/kubectl.ts';
import { recordName } from '../../stages/deploy/objects.ts';
import { ensureTool } from '../../tools/helm.ts';
import { addOutputFlags, addValuesFlags, formatData, type OutputFlags, outputFormat } from '../flags.ts';

const DEFAULT_CHART = DEFAULT_CHART_DIR;

interface CommonFlags extends OutputFlags {
  release: string;
  namespace: string;
  timeout: string;
  kubectl?: string;
  kubeconfig?: string;
  kubeContext?: string;
  /** --context: the old name of --kube-context. */
  context?: string;
  dryRun?: boolean;
}

async function connection(flags: CommonFlags): Promise<KubectlConnection> {
  return {
    kubectl: flags.kubectl ?? (await ensureTool('v4', 'kubectl')),
    kubeconfig: flags.kubeconfig,
    context: flags.kubeContext ?? flags.context,
  };
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

function printPlan(conn: KubectlConnection, steps: KubectlStep[]): void {
  for (const step of steps) {
    const cmd = ['kubectl', ...globalArgs(conn), ...step.args].map(shellQuote).join(' ');
    process.stdout.write(step.stdin ? `# ${cmd} <<'EOF'\n${step.stdin}EOF\n` : `# ${cmd}\n`);
  }
}

/** Renders from --chart, rendering chart-src into charts-out first when the default is missing. */
function renderFrom(chartDir: string | undefined): RenderFn {
  return async (opts) => {
    const dir = chartDir ?? DEFAULT_CHART;
    if (chartDir === undefined && !existsSync(path.join(dir, 'Chart.yaml'))) {
      const { renderAll } = await import('../../stages/render/render.ts');
      await renderAll();
    }
    const { renderManifests } = await import('../../stages/render/manifests.ts');
    return renderManifests({ chartDir: dir, skipTests: true, ...opts });
  };
}

function withConnectionFlags(cmd: Command): Command {
  return addOutputFlags(cmd, 'progress lines on stderr')
    .option('--release <name>', 'release name', 'vineyard')
    .option('-n, --namespace <ns>', 'namespace of the release (also HELM_NAMESPACE)', 'default')
    .option('--timeout <duration>', 'bound for waiting and deleting (e.g. 300s, 5m)', '300s')
    .option('--kubectl <path>', 'kubectl binary (default: the pinned kubectl 1.35 from node_modules)')
    .option(
      '--kubeconfig <file>',
      "kubeconfig passed to kubectl (default: kubectl's own: $KUBECONFIG, ~/.kube/config)",
    )
    .option(
      '--kube-context <name>',
      "kubeconfig context passed to kubectl (helm's name; also HELM_KUBECONTEXT)",
    )
    .addOption(new Option('--context <name>', 'synonym of --kube-context').hideHelp())
    .option('--dry-run', 'print the kubectl commands and their input; run nothing');
}

export function register(program: Command): void {
  withConnectionFlags(
    addValuesFlags(
      program
        .command('deploy')
        .summary('apply the manifests with kubectl (no helm), recording what was applied')
        .description(
          'Deploy the chart without helm: render it for the values (like `manifests`), apply with ' +
            'kubectl server-side apply (field manager vineyard-charts) into --namespace, record the applied ' +
            `objects in ConfigMap ${recordName('<release>')} so \`undeploy\` deletes exactly them, delete ` +
            'objects a previous deploy of the release had and this one does not, and with --wait wait for ' +
            'DaemonSets/StatefulSets/Deployments to roll out within --timeout. helm test hooks are not applied.',
        ),
    )
      .option(
        '--chart <dir>',
        `rendered chart directory (default: ${path.relative(PROJECT_ROOT, DEFAULT_CHART)}, rendered if missing)`,
      )
      .option('--wait', 'wait for the workloads to become ready, bounded by --timeout')
      .option('--create-namespace', 'create the namespace if missing (it is not deleted by undeploy)')
      .option('--force-conflicts', 'take over fields owned by another field manager'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  vineyard-charts deploy -n vineyard --create-namespace --wait\n' +
        '  vineyard-charts deploy -f prod.yaml --set vineyardd.sharedMemorySize=8Gi --release v6d -n data --timeout 10m\n' +
        '  vineyard-charts deploy --dry-run            # show the kubectl commands and YAML only',
    )
    .action(
      async (
        flags: CommonFlags & {
          values: string[];
          set: string[];
          chart?: string;
          wait?: boolean;
          createNamespace?: boolean;
          forceConflicts?: boolean;
        },
      ) => {
        const timeoutSeconds = parseTimeout(flags.timeout);
        const format = outputFormat(flags);
        const data = format !== 'table';
        const conn = await connection(flags);
        const steps: KubectlStep[] = [];
        const runner: StepRunner = flags.dryRun ? planRunner(steps) : kubectlRunner(conn);
        const result = await deploy({
          valuesFiles: flags.values,
          set: flags.set,
          release: flags.release,
          namespace: flags.namespace,
          wait: flags.wait ?? false,
          timeoutSeconds,
          createNamespace: flags.createNamespace ?? false,
          forceConflicts: flags.forceConflicts ?? false,
          render: renderFrom(flags.chart ? path.resolve(flags.chart) : undefined),
          runner,
          log: data || flags.dryRun ? undefined : (line) => process.stderr.write(`${line}\n`),
        });
        if (flags.dryRun && !data) printPlan(conn, steps);
        if (format === 'json')
          process.stdout.write(`${JSON.stringify({ ...result, dryRun: flags.dryRun ?? false })}\n`);
        else if (format === 'yaml')
          process.stdout.write(await formatData('yaml', { ...result, dryRun: flags.dryRun ?? false }));
        else if (!flags.dryRun)
          process.stderr.write(
            `deployed release ${result.release} (${result.applied.length} objects) to namespace ${result.namespace}\n`,
          );
      },
    );

  withConnectionFlags(
    program
      .command('undeploy')
      .summary('delete exactly what `deploy` applied for a release')
      .description(
        `Delete exactly the objects \`deploy\` recorded for the release (ConfigMap ${recordName('<release>')} ` +
          'in --namespace), workloads first, waiting up to --timeout, then the record itself. Objects that ' +
          'are already gone are skipped, so a re-run after a failure converges.',
      )
      .option('--ignore-not-found', 'exit 0 when no deployment of the release is recorded'),
  )
    .addHelpText('after', '\nExample:\n  vineyard-charts undeploy --release vineyard -n vineyard')
    .action(async (flags: CommonFlags & { ignoreNotFound?: boolean }) => {
      const timeoutSeconds = parseTimeout(flags.timeout);
      const format = outputFormat(flags);
      const conn = await connection(flags);
      if (flags.dryRun) {
        process.stdout.write(
          `# would read ConfigMap ${recordName(flags.release)} -n ${flags.namespace}, delete the objects listed there\n` +
            '# (kubectl delete --ignore-not-found --wait=true -f -), then delete the ConfigMap\n',
        );
        return;
      }
      const result = await undeploy({
        release: flags.release,
        namespace: flags.namespace,
        timeoutSeconds,
        runner: kubectlRunner(conn),
        log: format !== 'table' ? undefined : (line) => process.stderr.write(`${line}\n`),
      });
      if (!result.found && !flags.ignoreNotFound) {
        throw new PipelineError(
          `no deployment of release "${flags.release}" is recorded in namespace "${flags.namespace}" ` +
            `(ConfigMap ${recordName(flags.release)} not found); pass --ignore-not-found to accept that`,
        );
      }
      if (format === 'json') process.stdout.write(`${JSON.stringify(result)}\n`);
      else if (format === 'yaml') process.stdout.write(await formatData('yaml', result));
      else
        process.stderr.write(
          `undeployed release ${result.release}: ${result.deleted.length} objects deleted\n`,
        );
    });
}
