/** `vineyard-charts lint`: CLI wiring; the rules live in the sibling modules, the driver in lint.ts. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';

interface LintFlags {
  strict?: boolean;
  json?: boolean;
  kubeVersion?: string;
  against?: string;
  values?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  program
    .command('lint')
    .summary("check charts with helm's rules, the Kubernetes API schema and best practices")
    .description(
      'Lint chart directories or packaged CHART.tgz files without helm: Chart.yaml, values.yaml and\n' +
        'values.schema.json, templates rendered with the chart defaults and with every fixture values file,\n' +
        'each rendered manifest validated against the Kubernetes API schema for every Kubernetes version\n' +
        "the chart's kubeVersion admits (1.25-1.36 window; unknown fields and int/string typing included),\n" +
        'removed or deprecated apiVersions, workload best practices, and with --against the release checks\n' +
        '(version bump, fields Kubernetes cannot update in place).\n\n' +
        'Kubernetes schemas: npm kubernetes-models@4.5.1 (Kubernetes 1.33.0; used for 1.25-1.33) and\n' +
        'kubernetes-models@5.1.0 (1.36.0; used for 1.34-1.36). npm has no schema for each minor, so fields\n' +
        'added in a minor are checked against the next schema set; API removals use a per-version table.\n\n' +
        'Best-practice rules can be waived per object with the annotation\n' +
        '  vineyard-charts.lint/exempt-<rule-id>: "<reason>"   (an empty reason is itself an error)\n\n' +
        'Output: one line per finding `file: path: rule-id SEVERITY message`, then a summary line.\n' +
        'Exit status: 0 clean, 1 findings at or above the threshold (ERROR; WARNING with --strict),\n' +
        '2 usage error.\n\n' +
        'Default targets: every chart directory in charts-out/ (directories without Chart.yaml, such as\n' +
        'charts-out/repo, are skipped), with the fixtures in test/fixtures/values/. Explicit targets use\n' +
        'their own ci/*.yaml fixtures plus any --values.',
    )
    .argument('[targets...]', 'chart directories or .tgz archives (default: charts in charts-out/)')
    .option('--strict', 'fail on warnings too (like helm lint --strict)')
    .option('--json', 'print {findings, summary} as JSON instead of text')
    .option('--kube-version <X.Y>', 'check only this Kubernetes version instead of every admitted one')
    .option('--against <INDEX>', 'published index.yaml (file or http(s) URL) for the release checks')
    .option('--values <FILE|DIR>', 'fixture values file or directory of them (repeatable)', collect)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  vineyard-charts lint\n' +
        '  vineyard-charts lint --strict charts-out/vineyard --values test/fixtures/values\n' +
        '  vineyard-charts lint charts-out/packages/vineyard-0.2.0.tgz --kube-version 1.31\n' +
        '  vineyard-charts lint --strict --against https://charts.example.com/index.yaml\n' +
        '  vineyard-charts lint --json > lint.json\n\n' +
        'Rule ids and severities: see scripts/lint/model.ts (RULES).',
    )
    .action(async (targets: string[], flags: LintFlags) => {
      const { defaultTargets } = await import('./load.ts');
      const { lintCharts } = await import('./lint.ts');
      const { formatJson, formatText } = await import('./report.ts');
      if (flags.kubeVersion && !/^v?1\.\d+(\.\d+)?$/.test(flags.kubeVersion)) {
        throw new UsageError(`--kube-version ${flags.kubeVersion}: expected 1.<minor>, e.g. 1.31`);
      }
      let fixtures = flags.values ?? [];
      if (targets.length === 0) {
        targets = await defaultTargets('charts-out');
        if (targets.length === 0)
          throw new UsageError(
            'no chart directories in charts-out/ (run `vineyard-charts render` first) and no targets given',
          );
        if (fixtures.length === 0 && existsSync('test/fixtures/values')) fixtures = ['test/fixtures/values'];
      }
      for (const v of fixtures)
        if (!existsSync(v)) throw new UsageError(`--values ${v}: no such file or directory`);
      const { findings, summary } = await lintCharts(targets, {
        strict: flags.strict,
        kubeVersion: flags.kubeVersion,
        against: flags.against,
        fixtures,
      });
      process.stdout.write(flags.json ? formatJson(findings, summary) : formatText(findings, summary));
      process.exitCode = summary.failed ? 1 : 0;
    });
}
