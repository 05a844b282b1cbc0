/** `vineyard-charts unpublish CHART VERSION`: takes a published version back (any target scheme). */
import type { Command } from 'commander';
import { DEFAULT_TARGET } from '../../targets/registry.ts';
import {
  addOutputFlags,
  addTransportFlags,
  formatData,
  type OutputFlags,
  outputFormat,
  type TransportFlags,
  targetTransport,
} from '../flags.ts';

interface UnpublishFlags extends TransportFlags, OutputFlags {
  to: string;
  reason?: string;
  force?: boolean;
  dryRun?: boolean;
  baseUrl?: string;
  singleWriter?: boolean;
}

const HELP_AFTER = `
Order (file://, s3://): a tombstone .tombstones/CHART-VERSION.json (digest, content identity, reason,
time) is written first, then the index entry is removed with a conditional write (a concurrent publish
is never lost), then the tarball and its .prov are deleted. A re-run converges.
oci://: the tombstone is a small manifest under the tag tombstone-VERSION (+ as _) in the chart's
repository, with the same record; helm never lists it (not semver). Then the chart's manifest is
deleted. Where the registry refuses deletes (HTTP 405 UNSUPPORTED) nothing is written, no tombstone
either, and the command says so (exit 1).
Publishing the version again with other content is refused (publish --force overrides); the same
bytes, or the same content in other bytes (publish's same-content rule), restore it, and on oci:// the
tombstone tag is deleted.

Exit codes: 0 unpublished (or already), 1 refused or failed, 2 usage error (e.g. not published).
`;

export function register(program: Command): void {
  addTransportFlags(
    addOutputFlags(
      program
        .command('unpublish')
        .summary('take a published chart version back (index entry, then tarball; leaves a tombstone)')
        .description(
          'Removes CHART VERSION from a repository or registry, safely against concurrent publishers.',
        )
        .argument('<chart>', 'chart name')
        .argument('<version>', 'chart version')
        .option(
          '--to <url>',
          'repository: file://DIR, s3://BUCKET[/PREFIX] or oci://HOST[:PORT]/PATH',
          DEFAULT_TARGET,
        )
        .option('--reason <text>', 'why, recorded in the tombstone')
        .option(
          '--force',
          'also when the stored tarball disagrees with the index or the index lacks it; oci://: also when other tags share the manifest',
        )
        .option('--dry-run', 'print what would be removed and change nothing')
        .option('--base-url <url>', "the repository's public URL (entries with absolute URLs under it)")
        .option(
          '--single-writer',
          'allow stores that ignore conditional writes: you vouch nothing else writes',
        ),
      'what was removed, a line each',
    ),
  )
    .addHelpText('after', HELP_AFTER)
    .action(async (chart: string, version: string, flags: UnpublishFlags) => {
      const format = outputFormat(flags);
      const { unpublish, formatUnpublishReport } = await import('../../stages/repo/unpublish.ts');
      const report = await unpublish(chart, version, {
        ...targetTransport(flags),
        reason: flags.reason,
        force: flags.force,
        dryRun: flags.dryRun,
        singleWriter: flags.singleWriter,
        onProgress: (m) => process.stderr.write(`${m}\n`),
      });
      process.stdout.write(
        format === 'table' ? formatUnpublishReport(report) : await formatData(format, report),
      );
    });
}
