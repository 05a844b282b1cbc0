/**
 * `publish`: packaged charts -> the target named by `--to`, whatever its scheme. The target (registry.ts)
 * does the work: chart repositories run the conditional-write protocol of src/targets/repository/, OCI
 * registries push like `helm push`.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError, InputError, PipelineError, UsageError } from '../../errors.ts';
import { type ChartArchive, readChartArchive } from '../../helm/chart/archive.ts';
import { decide } from '../../targets/decide.ts';
import { openTarget, providerFor } from '../../targets/registry.ts';
import type { PublishSummary, RepositoryPublishSummary } from '../../targets/summary.ts';
import type { OpenOptions, PublishOptions, S3Options, Target } from '../../targets/target.ts';
import { LIMITS, readRegularFile } from '../../util/bounded-io.ts';
import { makeTempDir } from '../../util/temp-dir.ts';

export interface PublishChartsOptions extends S3Options, PublishOptions {
  /** file://DIR, s3://BUCKET[/PREFIX] or oci://HOST[:PORT]/PATH */
  to: string;
  plainHttp?: boolean;
  env?: OpenOptions['env'];
}

/** Opens `opts.to`, publishes `files` there and closes it again. */
export async function publish(files: string[], opts: PublishChartsOptions): Promise<PublishSummary> {
  const { endpoint, pathStyle, region, maxAttempts } = opts;
  const target = await openTarget(opts.to, {
    s3: { endpoint, pathStyle, region, maxAttempts },
    plainHttp: opts.plainHttp,
    env: opts.env,
  });
  try {
    return await publishDecided(target, files, opts);
  } finally {
    await target.close();
  }
}

/**
 * What `release` does per target, for the given packages: a version the target already holds with the
 * same content (src/helm/chart/same-content.ts: the same files unpacked, whatever the archive bytes) is a
 * no-op, other content is refused before anything is written (unless --force); the rest is published.
 * A package with the same content but other bytes is swapped for the published archive, so the target
 * sees identical bytes: nothing is written, and the summary says `unchanged`.
 */
async function publishDecided(
  target: Target,
  files: string[],
  opts: PublishOptions,
): Promise<PublishSummary> {
  const progress = opts.onProgress ?? (() => undefined);
  const local: { file: string; archive: ChartArchive }[] = [];
  for (const file of files)
    local.push({ file, archive: await readChartArchive(await readPackage(file), file) });
  const published =
    local.length === 0
      ? []
      : await target.readPublished(
          local.map((l) => ({ name: l.archive.metadata.name, version: l.archive.metadata.version })),
        );
  const decided = local.map((l, i) => ({
    ...l,
    current: published[i]?.current,
    ...decide(l.archive, published[i], { force: opts.force, canForce: true }),
  }));
  const refused = decided.filter((d) => d.action === 'refused');
  if (refused.length > 0) throw new PipelineError(refused.map((d) => d.reason).join('\n'));
  const scratch = await makeTempDir('vineyard-publish-');
  try {
    const paths: string[] = [];
    for (const d of decided) {
      if (d.action === 'unchanged') progress(d.note ?? '');
      if (d.action === 'unchanged' && d.current && d.current.archive.digest !== d.archive.digest) {
        const copy = path.join(scratch.path, path.basename(d.file));
        await writeFile(copy, d.current.archive.bytes);
        paths.push(copy);
      } else paths.push(d.file);
    }
    return await target.publish(paths, opts);
  } finally {
    await scratch.remove();
  }
}

async function readPackage(file: string): Promise<Buffer> {
  try {
    return await readRegularFile(file, LIMITS.chartArchive, 'packaged chart');
  } catch (err) {
    if (err instanceof CliError || !existsSync(file))
      throw existsSync(file) ? err : new InputError(file, '', 'file not found');
    throw err;
  }
}

/** `publish` for chart repositories only, whose summary always has objects and an index. */
export async function publishCharts(
  files: string[],
  opts: PublishChartsOptions,
): Promise<RepositoryPublishSummary> {
  if (providerFor(opts.to).kind !== 'repository')
    throw new UsageError(`${opts.to}: not a chart repository (file:// or s3://)`);
  const summary = await publish(files, opts);
  if (summary.kind !== 'repository') throw new UsageError(`${opts.to}: not a chart repository`);
  return summary;
}
