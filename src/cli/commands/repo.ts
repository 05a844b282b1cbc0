/** `vineyard-charts repo verify|reindex`: checks and repairs a published repository (any target scheme). */
import type { Command } from 'commander';
import { DEFAULT_TARGET } from '../../targets/registry.ts';
import { LIMITS, readRegularFile } from '../../util/bounded-io.ts';
import {
  addOutputFlags,
  addTransportFlags,
  collect,
  formatData,
  type OutputFlags,
  outputFormat,
  type TransportFlags,
  targetTransport,
} from '../flags.ts';

interface RepoFlags extends TransportFlags, OutputFlags {
  to: string;
  baseUrl?: string;
  concurrency?: string;
}

const TARGET_HELP = 'repository: file://DIR, s3://BUCKET[/PREFIX] or oci://HOST[:PORT]/PATH';

const VERIFY_HELP = `
Finding codes (stable; -o json|yaml lists them as "code"):
  index-missing      the repository has no index.yaml
  index-malformed    index.yaml does not parse as a helm index
  missing-tarball    an index entry's tarball is not stored
  digest-mismatch    a stored tarball (or OCI blob) does not have the digest that names it
  tarball-malformed  a stored tarball (or OCI chart layer) is not a readable chart
  orphan-tarball     a stored tarball no index entry names (repo reindex adds it)
  orphan-prov        a stored .prov without its tarball
  metadata-mismatch  an index entry (or OCI config) differs from the tarball's Chart.yaml
  prov-invalid       a .prov (or provenance layer) that does not match its archive or signature
  prov-missing       a version without .prov while others in the repository have one
  url-unresolvable   an entry URL outside the repository (pass --base-url for its public URL)
  manifest-missing, manifest-malformed, missing-blob   (oci://) a semver tag's manifest or blobs

Exit codes: 0 clean, 1 findings (or the check failed), 2 usage error.
`;

const REINDEX_HELP = `
Rebuilds index.yaml from the stored tarballs: entries whose digest still matches keep their created
date and URLs; stored tarballs the index lacks are added; an entry whose tarball differs is replaced;
one whose tarball is missing is kept unless --drop-missing. The index is written with the same
conditional-write loop as publish, so a publish running at the same time is never lost.

Exit codes: 0 done, 1 failed, 2 usage error (oci:// registries have no index to rebuild).
`;

function common(cmd: Command): Command {
  return addTransportFlags(
    addOutputFlags(
      cmd
        .option('--to <url>', TARGET_HELP, DEFAULT_TARGET)
        .option('--base-url <url>', "the repository's public URL (entries with absolute URLs under it)")
        .option('--concurrency <n>', 'tarballs read at once', '8'),
      'a line per finding',
    ),
  );
}

function transport(flags: RepoFlags) {
  const concurrency = Number(flags.concurrency ?? 8);
  return {
    ...targetTransport(flags),
    concurrency: Number.isInteger(concurrency) && concurrency > 0 ? Math.min(concurrency, 64) : 8,
    onProgress: (m: string) => process.stderr.write(`${m}\n`),
  };
}

export function register(program: Command): void {
  const repo = program
    .command('repo')
    .summary('check (verify) or repair (reindex) a published chart repository')
    .description('Maintenance of a published repository: `repo verify` and `repo reindex`.');

  common(
    repo
      .command('verify')
      .summary('report every inconsistency of a published repository, each with a stable code')
      .description(
        'Checks a published repository: index entries against stored tarballs (digest, Chart.yaml), orphans,\n' +
          '.prov files (signatures with --keyring), entry URLs; oci://: every semver tag, config and layer.',
      ),
  )
    .option('--keyring <file>', 'public keyring to verify .prov signatures with (like helm verify)')
    .option(
      '--chart <name>',
      'oci:// only: a chart to check, when the registry offers no catalog (repeatable)',
      collect,
    )
    .addHelpText('after', VERIFY_HELP)
    .action(async (flags: RepoFlags & { keyring?: string; chart?: string[] }) => {
      const { verifyRepository, formatVerifyReport } = await import('../../stages/repo/verify.ts');
      const keyring = flags.keyring
        ? { file: flags.keyring, bytes: await readRegularFile(flags.keyring, LIMITS.valuesFile, 'keyring') }
        : undefined;
      const format = outputFormat(flags);
      const report = await verifyRepository({ ...transport(flags), keyring, charts: flags.chart });
      process.stdout.write(
        format === 'table' ? formatVerifyReport(report) : await formatData(format, report),
      );
      if (report.findings.length > 0) process.exitCode = 1;
    });

  common(
    repo
      .command('reindex')
      .summary('rebuild index.yaml from the stored tarballs, safely against concurrent publishers')
      .description('Rebuilds index.yaml of a chart repository (file://, s3://) from the tarballs it stores.'),
  )
    .option('--dry-run', 'print what would change and write nothing')
    .option('--drop-missing', 'drop index entries whose tarball is missing (kept by default)')
    .option('--single-writer', 'allow stores that ignore conditional writes: you vouch nothing else writes')
    .addHelpText('after', REINDEX_HELP)
    .action(
      async (flags: RepoFlags & { dryRun?: boolean; dropMissing?: boolean; singleWriter?: boolean }) => {
        const { isOci } = await import('../../stages/repo/common.ts');
        if (isOci(flags.to)) {
          const { UsageError } = await import('../../errors.ts');
          throw new UsageError(
            `--to ${flags.to}: an OCI registry has no index to rebuild (repo verify checks its tags)`,
          );
        }
        const format = outputFormat(flags);
        const { reindexRepository, formatReindexReport } = await import('../../stages/repo/reindex.ts');
        const report = await reindexRepository({
          ...transport(flags),
          dryRun: flags.dryRun,
          dropMissing: flags.dropMissing,
          singleWriter: flags.singleWriter,
        });
        process.stdout.write(
          format === 'table' ? formatReindexReport(report) : await formatData(format, report),
        );
      },
    );
}
