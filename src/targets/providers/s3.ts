/**
 * `s3://BUCKET[/PREFIX]`: a chart repository in an S3 bucket or an S3-compatible store. The SDK is
 * imported when the storage is first used, never by merely naming or checking an s3:// URL.
 */
import { UsageError } from '../../errors.ts';
import { RepositoryTarget } from '../repository/target.ts';
import type { Provider } from '../target.ts';

// S3 bucket naming rules (lowercase letters, digits, dots, hyphens; 3-63 characters)
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const [bucket, ...parts] = url.slice('s3://'.length).split('/');
  if (!BUCKET.test(bucket)) {
    throw new UsageError(
      `--to ${url}: '${bucket}' is not a valid bucket name (expected s3://BUCKET[/PREFIX])`,
    );
  }
  const prefix = parts.filter((p) => p !== '').join('/');
  if (prefix.split('/').some((p) => p === '.' || p === '..')) {
    throw new UsageError(`--to ${url}: the prefix must not contain . or .. segments`);
  }
  return { bucket, prefix };
}

export const s3Provider: Provider = {
  scheme: 's3',
  kind: 'repository',
  usage: 's3://BUCKET[/PREFIX]',
  check: (url) => void parseS3Url(url),
  async open(url, opts) {
    const loc = parseS3Url(url);
    return new RepositoryTarget(
      `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`,
      async () => {
        const { openS3Storage } = await import('../s3.ts');
        return openS3Storage(loc, opts.s3 ?? {});
      },
      opts,
    );
  },
};
