/**
 * `publish`: packaged charts -> the target named by `--to`, whatever its scheme. The target (registry.ts)
 * does the work: chart repositories run the conditional-write protocol of src/targets/repository/, OCI
 * registries push like `helm push`.
 */
import { UsageError } from '../../errors.ts';
import { openTarget, providerFor } from '../../targets/registry.ts';
import type { PublishSummary, RepositoryPublishSummary } from '../../targets/summary.ts';
import type { OpenOptions, PublishOptions, S3Options } from '../../targets/target.ts';

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
    return await target.publish(files, opts);
  } finally {
    await target.close();
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
