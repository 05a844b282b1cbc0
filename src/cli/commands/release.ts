/** `vineyard-charts release`: CLI wiring and output; the orchestration is in src/stages/release/. */
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { CHART_SRC, CHARTS_OUT, DEFAULT_PORT } from '../../paths.ts';
import type { ReleaseSummary } from '../../stages/release/release.ts';
import { redactSecrets } from '../../targets/redact.ts';
import { publishHeader, publishSummaryLines } from '../../targets/summary.ts';
import {
  addOutputFlags,
  addSigningFlags,
  addTransportFlags,
  addValuesFlags,
  collect,
  formatData,
  type OutputFlags,
  outputFormat,
  type SigningFlags,
  signingMaterial,
  type TransportFlags,
  type ValuesFlags,
} from '../flags.ts';

interface ReleaseFlags extends ValuesFlags, SigningFlags, TransportFlags, OutputFlags {
  to?: string[];
  local?: boolean;
  src: string;
  out: string;
  dryRun?: boolean;
  strict: boolean;
  baseUrl?: string;
  allowOffRepoUrls?: boolean;
  singleWriter?: boolean;
}

/** `helm repo add` needs an HTTP URL: for a local directory that is `serve`. */
export function tryItText(repoDir: string, chartNames: string[]): string {
  const rel = path.relative(process.cwd(), repoDir);
  const dir = rel.startsWith('..') || path.isAbsolute(rel) ? repoDir : rel || '.';
  return [
    'Try it:',
    `  npx vineyard-charts serve ${dir} --port ${DEFAULT_PORT}   # in another terminal; Ctrl-C stops it`,
    `  helm repo add vineyard http://127.0.0.1:${DEFAULT_PORT}`,
    ...chartNames.map((n) => `  helm install ${n} vineyard/${n}`),
    '',
  ].join('\n');
}

export function formatRelease(s: ReleaseSummary): string {
  const lines: string[] = [];
  for (const c of s.charts) lines.push(`${c.name} ${c.version}  ${c.file}  sha256:${c.digest}`);
  if (!s.ok) {
    lines.push('release refused, nothing was published:', ...s.refusals.map((r) => `  ${r}`));
    return `${lines.join('\n')}\n`;
  }
  for (const plan of s.targets) {
    lines.push(publishHeader(s.dryRun, plan.to));
    for (const c of plan.charts) if (c.action === 'unchanged') lines.push(`  unchanged     ${c.note}`);
    lines.push(...(plan.result ? publishSummaryLines(plan.result) : ['  nothing to publish']));
  }
  return `${lines.join('\n')}\n`;
}

async function runRelease(flags: ReleaseFlags): Promise<void> {
  const signing = await signingMaterial(flags);
  const outRoot = path.resolve(flags.out);
  const localRepo = path.join(outRoot, 'repo');
  const targets = flags.to ?? (flags.local ? [`file://${localRepo}`] : []);
  if (targets.length === 0) throw new UsageError('release: name a target with --to URL, or use --local');
  // Paths that cannot be written fail here, in one line, before anything is rendered or published.
  const { checkFileTargets } = await import('../targets.ts');
  await checkFileTargets(targets);
  const { checkSources } = await import('./render.ts');
  await checkSources(flags.src);
  if (!flags.dryRun) {
    const { checkOutputDir } = await import('../../util/output-dir.ts');
    await checkOutputDir(outRoot, 'expected a directory for the build output (--out)');
  }
  const { release } = await import('../../stages/release/release.ts');
  const summary = await release({
    srcRoot: path.resolve(flags.src),
    outRoot,
    targets,
    dryRun: flags.dryRun,
    strict: flags.strict,
    values: { files: flags.values, set: flags.set },
    sign: signing && { key: signing.key, keyringFile: signing.keyringFile, passphrase: signing.passphrase },
    s3: { endpoint: flags.endpoint, pathStyle: flags.pathStyle, region: flags.region },
    plainHttp: flags.plainHttp,
    singleWriter: flags.singleWriter,
    baseUrl: flags.baseUrl,
    allowOffRepoUrls: flags.allowOffRepoUrls,
    onProgress: (m) => process.stderr.write(`${redactSecrets(m)}\n`),
  });
  const format = outputFormat(flags);
  const out = format === 'table' ? formatRelease(summary) : await formatData(format, summary);
  process.stdout.write(redactSecrets(out));
  const fileTargets = targets.filter((t) => t.startsWith('file://'));
  if (summary.ok && !summary.dryRun && flags.local && fileTargets.length === 1) {
    const hint = tryItText(
      path.resolve(fileTargets[0].slice('file://'.length)),
      summary.charts.map((c) => c.name),
    );
    (format === 'table' ? process.stdout : process.stderr).write(`\n${hint}`);
  }
  if (!summary.ok) process.exitCode = 1;
}

export function register(program: Command): void {
  const cmd = program
    .command('release')
    .summary('render, lint, package (sign) and publish every chart, refusing unsafe releases')
    .description(
      [
        'Run, for every chart in chart-src/, with progress on stderr: [1/5] render -> [2/5] package',
        '(-> sign) -> [3/5] lint against what each target already publishes -> [4/5] write the',
        'packages to <out>/packages -> [5/5] publish (tarballs first, then index.yaml). Targets:',
        'file://DIR, s3://BUCKET[/PREFIX] (index.yaml, the charts and artifacthub-repo.yml) and',
        'oci://HOST[:PORT]/PATH (helm push layout), any number of --to.',
        '',
        'Refused (exit 1, nothing written to any target) when lint fails (--strict by default,',
        'with the release checks against what each target already publishes: version bump,',
        'fields Kubernetes cannot update in place), or when a version already published holds',
        'different content. The same version with the same content is a no-op, so a re-run after',
        'a failure converges.',
      ].join('\n'),
    )
    .option(
      '--to <url>',
      'target repository (repeatable): file://DIR, s3://BUCKET[/PREFIX], oci://HOST/PATH',
      collect,
    )
    .option('--local', 'publish into file://<out>/repo (unless --to is given) and print how to try it')
    .option('--src <dir>', 'chart sources', CHART_SRC)
    .option('--out <dir>', 'build output: <out>/<chart>/ and <out>/packages/', CHARTS_OUT)
    .option('--dry-run', 'print the plan (objects, index entries, OCI tags) and write nothing')
    .option('--no-strict', 'let lint warnings through (errors still block)')
    .option('--base-url <url>', 'absolute base URL for chart URLs in index.yaml (default: relative)')
    .option(
      '--allow-off-repo-urls',
      'read published charts whose index URL lies outside the target (off: an index must not make us fetch)',
    )
    .option(
      '--single-writer',
      'allow stores that ignore conditional writes: you vouch no other publisher runs',
    );
  addOutputFlags(
    addTransportFlags(addSigningFlags(addValuesFlags(cmd))),
    'the plan / result; progress on stderr',
  )
    .addHelpText(
      'after',
      '\nExit codes: 0 released (or nothing to do), 1 refused or failed, 2 usage error.\n\n' +
        'Examples:\n' +
        '  npm start                                        # = release --local: charts-out/repo\n' +
        '  vineyard-charts release --to s3://my-charts/stable --dry-run\n' +
        '  vineyard-charts release --to s3://my-charts/stable --to oci://ghcr.io/v6d-io/charts -o json\n' +
        '  vineyard-charts release --to file://dist/repo --sign --key "Release Bot" --keyring secring.gpg\n',
    )
    .action((flags: ReleaseFlags) => runRelease(flags));
}
