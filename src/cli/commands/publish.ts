/** `vineyard-charts publish`: CLI wrapper around the publish stage, for any target scheme. */
import { type Command, Option } from 'commander';
import { publish } from '../../stages/publish/publish.ts';
import { DEFAULT_TARGET } from '../../targets/registry.ts';
import { checkS3Endpoint } from '../../targets/s3-endpoint.ts';
import { formatPublishSummary } from '../../targets/summary.ts';
import { addOutputFlags, formatData, type OutputFlags, outputFormat, targetTransport } from '../flags.ts';

interface PublishFlags extends OutputFlags {
  to: string;
  endpoint?: string;
  pathStyle?: boolean;
  region?: string;
  baseUrl?: string;
  indexFormat: 'yaml' | 'json';
  dryRun?: boolean;
  force?: boolean;
  singleWriter?: boolean;
  plainHttp?: boolean;
}

const HELP_AFTER = `
A version the target already holds with the same content (the same files after unpacking, Chart.yaml
compared as data, whatever the archive bytes) is a no-op; other content is refused (exit 1, nothing
changed) unless --force. \`release\` decides with the same rule and words it the same way.

Protocol: each tarball (and its .prov) is uploaded first with If-None-Match: *, then verified.
The stored object's checksum is verified, and only then index.yaml is merged and written with If-Match,
re-read and retried with backoff when another publisher wins the race. A re-run after any failure
converges. Stores that ignore conditional writes (e.g. s3rver) are refused unless --single-writer.

S3 credentials, region and endpoint come from the AWS SDK's standard chain: AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, AWS_REGION,
AWS_ENDPOINT_URL_S3. Credentials are never printed.

S3 deadlines, per HTTP attempt (at most 3 attempts): connect 10 s, response 30 s. Override them in seconds with
VINEYARD_CHARTS_S3_CONNECT_TIMEOUT / VINEYARD_CHARTS_S3_REQUEST_TIMEOUT (meant for tests and slow links).

Exit codes: 0 published (or nothing to do), 1 refused or failed, 2 usage error.

Examples:
  vineyard-charts package && vineyard-charts publish charts-out/packages/vineyard-*.tgz   # into ${DEFAULT_TARGET}
  vineyard-charts publish charts-out/packages/vineyard-*.tgz --to s3://my-charts/stable --dry-run
  vineyard-charts publish charts-out/packages/vineyard-*.tgz --to oci://ghcr.io/v6d-io/charts
  AWS_ENDPOINT_URL_S3=http://127.0.0.1:7480 vineyard-charts publish charts-out/packages/vineyard-*.tgz \\
      --to s3://charts --path-style -o json
`;

export function register(program: Command): void {
  const cmd = program
    .command('publish')
    .summary('upload packaged charts to a chart repository (file://, s3://) or an OCI registry (oci://)')
    .description(
      'Upload packaged charts (.tgz, plus a .prov next to them if present) to a chart repository (file://DIR,\n' +
        's3://BUCKET[/PREFIX]) and merge them into its index.yaml, or push them to an OCI registry\n' +
        '(oci://HOST[:PORT]/PATH, like helm push), safely against concurrent publishers and failures.',
    )
    .argument('[tgz...]', 'packaged charts, named NAME-VERSION.tgz')
    .option(
      '--to <url>',
      'repository: file://DIR, s3://BUCKET[/PREFIX] or oci://HOST[:PORT]/PATH',
      DEFAULT_TARGET,
    )
    .option('--plain-http', 'oci:// only: talk HTTP instead of HTTPS to the registry (local registries)')
    .option(
      '--endpoint <url>',
      'S3 endpoint for S3-compatible stores (default: AWS_ENDPOINT_URL_S3 or AWS)',
      (v: string) => checkS3Endpoint(v),
    )
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
    );
  addOutputFlags(cmd, 'one line per object; progress always on stderr')
    .addHelpText('after', HELP_AFTER)
    .action(async (files: string[], flags: PublishFlags) => {
      const { checkFileTargets } = await import('../targets.ts');
      await checkFileTargets([flags.to]);
      // Errors, progress and the summary are already redacted by the target seam (src/targets/redact.ts).
      const summary = await publish(files, {
        ...targetTransport(flags),
        indexFormat: flags.indexFormat,
        dryRun: flags.dryRun,
        force: flags.force,
        singleWriter: flags.singleWriter,
        onProgress: (m) => process.stderr.write(`${m}\n`),
      });
      const format = outputFormat(flags);
      process.stdout.write(
        format === 'table' ? formatPublishSummary(summary) : await formatData(format, summary),
      );
    });
}
