/** `vineyard-charts publish`: CLI wrapper around publishCharts (publish.ts). */
import { type Command, Option } from 'commander';
import { InputError, PipelineError, UsageError } from '../../errors.ts';
import { isOciUrl } from '../../helm/oci/reference.ts';
import { type PublishSummary, publishCharts } from '../../stages/publish/publish.ts';
import { runOciPublishCommand } from '../../targets/oci.ts';
import { redactSecrets } from '../../targets/redact.ts';
import { DEFAULT_TARGET } from '../../targets/registry.ts';

interface PublishFlags {
  to: string;
  endpoint?: string;
  pathStyle?: boolean;
  region?: string;
  baseUrl?: string;
  indexFormat: 'yaml' | 'json';
  dryRun?: boolean;
  force?: boolean;
  singleWriter?: boolean;
  json?: boolean;
  plainHttp?: boolean;
}

const HELP_AFTER = `
Protocol: each tarball (and its .prov) is uploaded first with If-None-Match: *; a version already stored
with the same bytes is a no-op, different bytes are refused (exit 1, nothing changed) unless --force.
The stored object's checksum is verified, and only then index.yaml is merged and written with If-Match,
re-read and retried with backoff when another publisher wins the race. A re-run after any failure
converges. Stores that ignore conditional writes (e.g. s3rver) are refused unless --single-writer.

S3 credentials, region and endpoint come from the AWS SDK's standard chain: AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, AWS_REGION,
AWS_ENDPOINT_URL_S3. Credentials are never printed.

Exit codes: 0 published (or nothing to do), 1 refused or failed, 2 usage error.

Examples:
  vineyard-charts publish charts-out/vineyard-0.1.0.tgz                 # into ${DEFAULT_TARGET}
  vineyard-charts publish vineyard-0.1.0.tgz --to s3://my-charts/stable --dry-run
  AWS_ENDPOINT_URL_S3=http://127.0.0.1:7480 vineyard-charts publish vineyard-0.1.0.tgz \\
      --to s3://charts --path-style --json
`;

function printSummary(s: PublishSummary): string {
  const lines = [`${s.dryRun ? 'plan for' : 'published to'} ${s.target}`];
  for (const o of s.objects)
    lines.push(`  ${o.action.padEnd(13)} ${o.key}${o.digest ? `  sha256:${o.digest}` : ''}`);
  lines.push(`  ${s.index.action.padEnd(13)} ${s.index.key} (${s.index.entries} entries)`);
  for (const a of s.index.added) lines.push(`    + ${a}`);
  if (s.store.conditionalWrites === 'ignored') {
    lines.push(
      '  warning: the store ignores conditional writes; safe only because --single-writer was given',
    );
  }
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('publish')
    .summary('upload packaged charts and merge them into a repository index (S3 or a directory)')
    .description(
      'Upload packaged charts (.tgz, plus a .prov next to them if present) to a chart repository and merge\n' +
        'them into its index.yaml, safely against concurrent publishers and failures.',
    )
    .argument('[tgz...]', 'packaged charts, named NAME-VERSION.tgz')
    .option(
      '--to <url>',
      'repository: file://DIR, s3://BUCKET[/PREFIX] or oci://HOST[:PORT]/PATH',
      DEFAULT_TARGET,
    )
    .option('--plain-http', 'oci:// only: talk HTTP instead of HTTPS to the registry (local registries)')
    .option('--endpoint <url>', 'S3 endpoint for S3-compatible stores (default: AWS_ENDPOINT_URL_S3 or AWS)')
    .option('--path-style', 'path-style S3 addressing (MinIO, Ceph RGW, most S3-compatible stores)')
    .option('--region <region>', 'S3 region (default: AWS_REGION or the profile, else us-east-1)')
    .option('--base-url <url>', 'absolute base URL for chart URLs in the index (default: relative URLs)')
    .addOption(
      new Option('--index-format <format>', 'serialization of index.yaml')
        .choices(['yaml', 'json'])
        .default('yaml'),
    )
    .option('--dry-run', 'print the plan (objects to write, index entries to add) and write nothing')
    .option('--force', 'replace a stored version whose bytes differ (breaks users who already pulled it)')
    .option(
      '--single-writer',
      'allow stores that ignore conditional writes: you vouch no other publisher runs',
    )
    .option('--json', 'print a JSON summary on stdout (progress still goes to stderr)')
    .addHelpText('after', HELP_AFTER)
    .action(async (files: string[], flags: PublishFlags) => {
      // oci://HOST/PATH pushes like `helm push` (src/helm/oci); no index is involved.
      if (isOciUrl(flags.to)) return runOciPublishCommand(files, flags);
      try {
        const summary = await publishCharts(files, {
          to: flags.to,
          endpoint: flags.endpoint,
          pathStyle: flags.pathStyle,
          region: flags.region,
          baseUrl: flags.baseUrl,
          indexFormat: flags.indexFormat,
          dryRun: flags.dryRun,
          force: flags.force,
          singleWriter: flags.singleWriter,
          onProgress: (m) => process.stderr.write(`${redactSecrets(m)}\n`),
        });
        const out = flags.json ? `${JSON.stringify(summary, null, 2)}\n` : printSummary(summary);
        process.stdout.write(redactSecrets(out));
      } catch (err) {
        throw sanitize(err);
      }
    });
}

/** Every error leaves with credentials masked; unexpected ones keep their text but lose nothing secret. */
function sanitize(err: unknown): Error {
  if (err instanceof InputError || err instanceof UsageError || err instanceof PipelineError) {
    err.message = redactSecrets(err.message);
    return err;
  }
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new PipelineError(`publish failed: ${redactSecrets(text)}`);
}
