/**
 * `publish --to oci://…` for several charts, and its CLI output: the entry point the publish command
 * (and `release`) call for OCI targets. Charts are pushed one after the other; the run stops at the
 * first refusal, and charts already pushed stay pushed (each push is idempotent, so a re-run converges).
 */
import { UsageError } from '../errors.ts';
import { type OciPushResult, pushChartToOci } from '../helm/oci/push.ts';
import { parseOciTarget } from '../helm/oci/reference.ts';

export interface OciPublishOptions {
  to: string;
  plainHttp?: boolean;
  force?: boolean;
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  onProgress?: (message: string) => void;
}

export interface OciPublishSummary {
  target: string;
  dryRun: boolean;
  charts: (OciPushResult & { file: string })[];
}

export async function publishChartsToOci(
  files: string[],
  opts: OciPublishOptions,
): Promise<OciPublishSummary> {
  parseOciTarget(opts.to); // usage errors before any network traffic
  if (files.length === 0)
    throw new UsageError('publish --to oci://…: name at least one packaged chart (.tgz)');
  const charts: OciPublishSummary['charts'] = [];
  for (const file of files) {
    const result = await pushChartToOci(file, opts.to, {
      plainHttp: opts.plainHttp,
      force: opts.force,
      dryRun: opts.dryRun,
      env: opts.env,
      onProgress: opts.onProgress,
    });
    charts.push({ file, ...result });
  }
  return { target: opts.to, dryRun: Boolean(opts.dryRun), charts };
}

export function formatOciSummary(summary: OciPublishSummary): string {
  const lines = [`${summary.dryRun ? 'plan for' : 'pushed to'} ${summary.target}`];
  for (const c of summary.charts) {
    const action =
      c.status === 'planned'
        ? c.replaced
          ? 'would-replace'
          : 'would-push'
        : c.replaced
          ? 'replaced'
          : c.status;
    lines.push(`  ${action.padEnd(13)} ${c.ref}  ${c.digest}`);
  }
  return `${lines.join('\n')}\n`;
}

/** What the publish command's action runs for an oci:// target. */
export async function runOciPublishCommand(
  files: string[],
  flags: { to: string; plainHttp?: boolean; force?: boolean; dryRun?: boolean; json?: boolean },
): Promise<void> {
  const summary = await publishChartsToOci(files, {
    to: flags.to,
    plainHttp: flags.plainHttp,
    force: flags.force,
    dryRun: flags.dryRun,
    onProgress: (m) => process.stderr.write(`${m}\n`),
  });
  process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : formatOciSummary(summary));
}
