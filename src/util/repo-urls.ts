/**
 * Which chart URLs an index may make us read. An index.yaml is input like any other: a target's index
 * (or one given to `lint --against`) can name any URL, and fetching whatever it names turns the tool into
 * a request forwarder (SSRF: cloud metadata endpoints, internal services). So only locations inside the
 * repository are read unless the user explicitly allows others.
 */
import path from 'node:path';

export const OFF_REPO_FLAG = '--allow-off-repo-urls';

const isHttp = (s: string) => /^https?:\/\//i.test(s);

/** True when `location` lies inside the repository whose index.yaml is at `indexLocation`. */
export function withinRepository(indexLocation: string, location: string): boolean {
  if (isHttp(indexLocation)) {
    if (!isHttp(location)) return false;
    const base = new URL('.', indexLocation);
    const url = new URL(location);
    return url.origin === base.origin && url.pathname.startsWith(base.pathname);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(location)) return false;
  const rel = path.relative(path.dirname(path.resolve(indexLocation)), path.resolve(location));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The storage key of an absolute URL under `baseUrl` (the repository's public URL), else undefined. */
export function keyUnderBaseUrl(baseUrl: string | undefined, url: string): string | undefined {
  if (!baseUrl) return undefined;
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  if (!url.startsWith(base)) return undefined;
  const key = decodeURIComponent(url.slice(base.length).split(/[?#]/)[0]);
  return key && !key.split('/').includes('..') ? key : undefined;
}

export function offRepoMessage(indexLocation: string, url: string): string {
  return `${indexLocation} names ${url}, outside the repository; not fetched (pass ${OFF_REPO_FLAG} to allow it)`;
}
