/**
 * What `lint --against` accepts, like `helm repo add` and our own targets: a repository URL
 * (`https://charts.example.com`, index.yaml appended) or the URL of its index.yaml, a directory or
 * `file://DIR` holding index.yaml, an index file, and the targets `release` publishes to — `oci://HOST/PATH`
 * (the newest semver tag of each chart is the published chart) and `s3://BUCKET[/PREFIX]`, read through the
 * same Target as `release` and turned into a local snapshot index.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.ts';
import { loadChart } from '../../helm/chart/load.ts';
import { openTarget } from '../../targets/registry.ts';
import { writeSnapshot } from '../../targets/snapshot.ts';
import type { OpenOptions } from '../../targets/target.ts';

const INDEX_FILE = /\.(ya?ml|json)$/i;

/** An http(s) repository URL -> the URL of its index.yaml (helm: `<url>/index.yaml`). */
export function indexUrl(url: string): string {
  const u = new URL(url);
  if (INDEX_FILE.test(u.pathname)) return u.href;
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/index.yaml`;
  return u.href;
}

/** A local directory (or file://DIR) -> its index.yaml; an index file stays as it is. */
export function localIndex(location: string): string {
  const p = location.startsWith('file://') ? location.slice('file://'.length) : location;
  if (!p) throw new UsageError(`--against ${location}: expected file://DIR`);
  const isDir = existsSync(p) && statSync(p).isDirectory();
  return isDir || (!INDEX_FILE.test(p) && !existsSync(p)) ? path.join(p, 'index.yaml') : p;
}

/**
 * The index.yaml for lintRelease: a URL or path, or for oci:// and s3:// a snapshot written into
 * `scratch` (undefined when nothing of these charts is published there yet).
 */
export async function resolveAgainst(
  against: string,
  charts: string[],
  scratch: string,
  opts: OpenOptions = {},
): Promise<string | undefined> {
  if (/^https?:\/\//i.test(against)) return indexUrl(against);
  if (/^(oci|s3):\/\//i.test(against)) {
    const local = [];
    for (const c of charts) {
      const { metadata } = await loadChart(c);
      local.push({ name: metadata.name, version: metadata.version });
    }
    const target = await openTarget(against, opts);
    try {
      return await writeSnapshot(scratch, await target.readPublished(local));
    } finally {
      await target.close();
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(against) && !against.startsWith('file://'))
    throw new UsageError(
      `--against ${against}: expected a repository URL (http(s)://…, as for helm repo add), ` +
        'file://DIR, a directory or index.yaml, oci://HOST/PATH or s3://BUCKET[/PREFIX]',
    );
  return localIndex(against);
}
