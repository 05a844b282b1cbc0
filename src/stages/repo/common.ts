/**
 * What the repository maintenance stages (repo verify, repo reindex, unpublish) share: opening the
 * target's storage, bounded parallelism, and where an index entry's URL points in the store.
 */
import { UsageError } from '../../errors.ts';
import { openTarget, providerFor } from '../../targets/registry.ts';
import type { Storage } from '../../targets/storage.ts';
import type { OpenOptions, S3Options, Target } from '../../targets/target.ts';
import { keyUnderBaseUrl } from '../../util/repo-urls.ts';

export interface RepoOptions extends S3Options {
  /** file://DIR, s3://BUCKET[/PREFIX] or oci://HOST[:PORT]/PATH */
  to: string;
  plainHttp?: boolean;
  env?: OpenOptions['env'];
  /** The repository's public URL: entries with absolute URLs under it are read from the storage. */
  baseUrl?: string;
  /** Reads in flight at once (default 8). */
  concurrency?: number;
  onProgress?: (message: string) => void;
}

export const DEFAULT_CONCURRENCY = 8;

export function isOci(to: string): boolean {
  return providerFor(to).kind === 'oci';
}

/** Opens the chart repository at `opts.to`, runs `fn` on its storage and closes it. */
export async function withStorage<T>(opts: RepoOptions, fn: (storage: Storage) => Promise<T>): Promise<T> {
  const target: Target = await openTarget(opts.to, {
    s3: {
      endpoint: opts.endpoint,
      pathStyle: opts.pathStyle,
      region: opts.region,
      maxAttempts: opts.maxAttempts,
    },
    plainHttp: opts.plainHttp,
    env: opts.env,
    baseUrl: opts.baseUrl,
  });
  try {
    if (!target.storage) throw new UsageError(`${opts.to}: not a chart repository (file:// or s3://)`);
    return await fn(await target.storage());
  } finally {
    await target.close();
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** Top-level chart tarballs only: what publish writes (no hidden files, no subdirectories). */
export function isTarballKey(key: string): boolean {
  return key.endsWith('.tgz') && !key.includes('/') && !key.startsWith('.');
}

/** The storage key an entry URL names, or why it names none inside the repository. */
export function keyOfUrl(
  url: string | undefined,
  baseUrl: string | undefined,
): { key: string } | { problem: string } {
  if (!url) return { problem: 'has no urls' };
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    const key = keyUnderBaseUrl(baseUrl, url);
    return key !== undefined
      ? { key }
      : { problem: `names ${url}, outside the repository (pass --base-url if that is its public URL)` };
  }
  let key: string;
  try {
    key = decodeURIComponent(url.replace(/^\.?\//, '').split(/[?#]/)[0]);
  } catch {
    return { problem: `names ${url}, which is not a valid URL path` };
  }
  if (key === '' || key.split('/').some((p) => p === '..' || p === ''))
    return { problem: `names ${url}, which does not resolve to an object inside the repository` };
  return { key };
}
