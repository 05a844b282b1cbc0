/** `vineyard-charts lint`: CLI wiring; the rules live in the sibling modules, the driver in lint.ts. */
import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { UsageError } from '../../errors.ts';
import type { Finding } from '../../stages/lint/model.ts';
import { RULES } from '../../stages/lint/model.ts';
import { LINT_FORMATS, type LintFormat, type Summary } from '../../stages/lint/report.ts';
import { addTransportFlags, addValuesFlags, type TransportFlags, type ValuesFlags } from '../flags.ts';

interface LintFlags extends ValuesFlags, TransportFlags {
  strict?: boolean;
  json?: boolean;
  format?: (typeof LINT_FORMATS)[number];
  output?: (typeof LINT_FORMATS)[number];
  kubeVersion?: string;
  against?: string;
  allowOffRepoUrls?: boolean;
}

/** --format, -o/--output and --json name one choice; two different ones are a usage error. */
function lintFormat(flags: LintFlags): LintFormat {
  const given = [flags.format, flags.output, flags.json ? 'json' : undefined].filter(
    (f): f is (typeof LINT_FORMATS)[number] => f !== undefined,
  );
  const distinct = [...new Set(given.map((f) => (f === 'table' ? 'text' : f)))];
  if (distinct.length > 1)
    throw new UsageError(`--format/-o/--json disagree (${given.join(', ')}): name one report format`);
  if (distinct.length === 1) return distinct[0] as LintFormat;
  return process.env.GITHUB_ACTIONS === 'true' ? 'github' : 'text';
}

async function formatReport(
  report: typeof import('../../stages/lint/report.ts'),
  format: LintFormat,
  findings: Finding[],
  summary: Summary,
): Promise<string> {
  if (format === 'text') return report.formatText(findings, summary);
  const located = await report.locate(findings);
  switch (format) {
    case 'json':
      return report.formatJson(located, summary);
    case 'yaml': {
      const yaml = await import('js-yaml');
      return yaml.dump({ findings: located, summary }, { lineWidth: -1, noRefs: true });
    }
    case 'sarif': {
      const { version } = await import('../version.ts');
      return report.formatSarif(located, RULES, { version: version() });
    }
    case 'junit':
      return report.formatJunit(located, summary);
    case 'github':
      return report.formatGithub(located, summary);
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('lint')
    .summary("check charts with helm's rules, the Kubernetes API schema and best practices")
    .description(
      [
        'Lint chart directories or packaged CHART.tgz files, with no helm binary:',
        '- helm lint rules with helm severities: Chart.yaml, values.yaml and its',
        '  schema, template extensions, rendering, YAML, indentation, names,',
        '  selectors, deprecated apiVersions, crds/;',
        '- every rendered manifest (chart defaults and every fixture values file)',
        '  validated against the Kubernetes API schema of each Kubernetes version',
        "  the chart's kubeVersion admits (window 1.25-1.36), unknown fields and",
        '  int/string typing included; apiVersions removed in a version: error;',
        '- workload best practices; values documented (`# --`), defaults and',
        '  fixtures valid, values.schema.json valid draft-07 JSON Schema;',
        '- with --against: version bump and fields Kubernetes cannot update in place.',
        '',
        'Kubernetes schemas come from npm: kubernetes-models@4.4.2 (Kubernetes',
        '1.27.1, used for 1.25-1.27) and @4.5.1 (1.33.0, for 1.28-1.36). npm ships',
        'no schema per minor: a field added in 1.30 is only known from the 1.33',
        'schema on, and one added in 1.34+ is a WARNING for a chart whose kubeVersion',
        'admits only 1.34+ (kubernetes-models 5.x, with 1.36, needs Node 22). API',
        'removals come from a table through 1.36.',
        '',
        'A best-practice rule is waived for one object by the annotation',
        '  vineyard-charts.lint/exempt-<rule-id>: "<reason>"',
        'on the object or its pod template; an empty reason is itself an error.',
        '',
        'Output (--format, or -o/--output):',
        '  table   one line per finding `file: path: rule-id SEVERITY message`, then a summary line',
        '  json    {findings, summary} (schemas/lint-report.schema.json); --json is a synonym',
        '  yaml    the same as YAML',
        '  sarif   SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps)',
        '  junit   JUnit XML (Jenkins, GitLab, Azure): a failing testcase per finding that fails the run',
        '  github  GitHub Actions annotations; the default when GITHUB_ACTIONS=true',
        'Findings carry file:line (json, yaml, sarif, junit, github) where they map to a line of a',
        'template, values file or Chart.yaml. Exit 0 clean, 1 findings at or above ERROR (WARNING',
        'with --strict), 2 usage error.',
        '',
        'Default targets: each directory of charts-out/ holding a Chart.yaml',
        '(charts-out/repo is skipped). Every target is rendered with its defaults, with each',
        "of its own ci/*-values.yaml (chart-testing's convention), and with the -f/--set values",
        'given here, merged as helm merges them.',
      ].join('\n'),
    )
    .argument('[targets...]', 'chart directories or .tgz archives (default: charts in charts-out/)')
    .option('--strict', 'fail on warnings too (like helm lint --strict)')
    .addOption(
      new Option(
        '--format <format>',
        'report format (default: github under GitHub Actions, else table)',
      ).choices(LINT_FORMATS),
    )
    .addOption(new Option('-o, --output <format>', "synonym of --format (helm's name)").choices(LINT_FORMATS))
    .option('--json', 'synonym of --format json: {findings, summary} (schemas/lint-report.schema.json)')
    .option('--kube-version <X.Y>', 'check only this Kubernetes version instead of every admitted one')
    .option(
      '--against <REPO>',
      'published repository for the release checks: its URL (as for helm repo add) or index.yaml URL,\n' +
        'file://DIR, a directory or index file, oci://HOST/PATH (newest semver tag), s3://BUCKET[/PREFIX]',
    )
    .option(
      '--allow-off-repo-urls',
      'let --against read chart URLs outside that repository (off: an index must not make us fetch anything)',
    );
  addTransportFlags(addValuesFlags(cmd))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  vineyard-charts lint\n' +
        '  vineyard-charts lint --strict charts-out/vineyard --values my-values.yaml\n' +
        '  vineyard-charts package && vineyard-charts lint charts-out/packages/vineyard-*.tgz --kube-version 1.31\n' +
        '  vineyard-charts lint --strict --against https://charts.example.com\n' +
        '  vineyard-charts lint --strict --against oci://ghcr.io/v6d-io/charts\n' +
        '  vineyard-charts lint --json > lint.json\n' +
        '  vineyard-charts lint --format sarif > lint.sarif\n' +
        '  vineyard-charts lint --format junit > lint-junit.xml\n\n' +
        'Rules (id, default severity, * = also checked by helm lint):\n' +
        Object.entries(RULES)
          .map(([id, r]) => `  ${id.padEnd(30)}${r.severity.padEnd(8)}${r.helm ? '*' : ' '} ${r.summary}`)
          .join('\n'),
    )
    .action(async (targets: string[], flags: LintFlags) => {
      const { defaultTargets } = await import('../../stages/lint/load.ts');
      const { lintCharts } = await import('../../stages/lint/lint.ts');
      const report = await import('../../stages/lint/report.ts');
      const format = lintFormat(flags);
      if (flags.kubeVersion && !/^v?1\.\d+(\.\d+)?$/.test(flags.kubeVersion)) {
        throw new UsageError(`--kube-version ${flags.kubeVersion}: expected 1.<minor>, e.g. 1.31`);
      }
      if (targets.length === 0) {
        targets = await defaultTargets('charts-out');
        if (targets.length === 0)
          throw new UsageError(
            'no chart directories in charts-out/ (run `vineyard-charts render` first) and no targets given',
          );
      }
      for (const v of flags.values)
        if (!existsSync(v)) throw new UsageError(`--values ${v}: no such file or directory`);
      const { makeTempDir } = await import('../../util/temp-dir.ts');
      const scratch = await makeTempDir('vineyard-lint-against-');
      let result: Awaited<ReturnType<typeof lintCharts>>;
      try {
        const { resolveAgainst } = await import('../../stages/lint/against.ts');
        const against = flags.against
          ? await resolveAgainst(flags.against, targets, scratch.path, {
              plainHttp: flags.plainHttp,
              s3: { endpoint: flags.endpoint, pathStyle: flags.pathStyle, region: flags.region },
            })
          : undefined;
        result = await lintCharts(targets, {
          strict: flags.strict,
          kubeVersion: flags.kubeVersion,
          against,
          values: { files: flags.values, set: flags.set },
          allowOffRepoUrls: flags.allowOffRepoUrls,
        });
      } finally {
        await scratch.remove();
      }
      const { findings, summary } = result;
      process.stdout.write(await formatReport(report, format, findings, summary));
      process.exitCode = summary.failed ? 1 : 0;
    });
}
