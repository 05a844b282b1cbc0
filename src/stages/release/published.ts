/**
 * What a release target already holds, per chart: every published version, and the archives of the
 * newest one and of the version about to be released. Chart repositories (file://, s3://) are read
 * through the publish storage layer (index.yaml, then the tarballs it names); OCI registries through
 * their tag list and the chart layer of the tags that matter.
 *
 * `writeSnapshot` turns this into a local index.yaml + tarballs, so `lint --against` can run its
 * version-bump and immutable-field checks the same way for every kind of target.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { PipelineError } from '../../errors.ts';
import { type ChartArchive, readChartArchive } from '../../helm/chart/archive.ts';
import { HELM_CHART_LAYER_MEDIA_TYPE, tagForVersion } from '../../helm/oci/manifest.ts';
import { registryClientFor } from '../../helm/oci/push.ts';
import { parseOciTarget, repositoryFor } from '../../helm/oci/reference.ts';
import { entryFor, type IndexEntry, newIndex, serializeIndex } from '../../helm/repo/index-file.ts';
import type { Storage } from '../../targets/storage.ts';
import { archiveFileName } from '../package/package.ts';
import { readIndex } from '../publish/remote-index.ts';

export interface PublishedVersion {
  version: string;
  /** Where the archive was read from, for messages. */
  location: string;
  archive: ChartArchive;
}

export interface PublishedChart {
  name: string;
  /** Every valid semver version the target lists, ascending. */
  versions: string[];
  newest?: PublishedVersion;
  /** The version being released, when the target already has it. */
  current?: PublishedVersion;
}

export interface LocalChart {
  name: string;
  version: string;
}

function newestOf(versions: string[]): string | undefined {
  return versions.length === 0 ? undefined : semver.rsort([...versions])[0];
}

async function fetchUrl(url: string): Promise<Buffer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok) throw new PipelineError(`GET ${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

async function archiveOfEntry(storage: Storage, entry: IndexEntry): Promise<PublishedVersion> {
  const url = entry.urls?.[0];
  if (!url)
    throw new PipelineError(`${storage.describe('index.yaml')}: ${entry.name} ${entry.version} has no urls`);
  let location: string;
  let bytes: Buffer;
  if (/^https?:\/\//.test(url)) {
    location = url;
    bytes = await fetchUrl(url);
  } else {
    const key = decodeURIComponent(url.replace(/^\.?\//, ''));
    location = storage.describe(key);
    const obj = await storage.get(key);
    if (!obj) throw new PipelineError(`${location} is listed in the index but missing from the repository`);
    bytes = obj.body;
  }
  const archive = await readChartArchive(bytes, location);
  if (entry.digest && entry.digest !== archive.digest) {
    throw new PipelineError(`${location} has sha256 ${archive.digest} but the index says ${entry.digest}`);
  }
  return { version: entry.version, location, archive };
}

/** A chart repository (file:// or s3://) read through the publish storage layer. */
export async function publishedInRepository(
  storage: Storage,
  charts: LocalChart[],
): Promise<PublishedChart[]> {
  const remote = await readIndex(storage);
  const out: PublishedChart[] = [];
  for (const chart of charts) {
    const entries = (remote?.index.entries[chart.name] ?? []).filter(
      (e) => !(e as { removed?: boolean }).removed && semver.valid(e.version),
    );
    const versions = semver.sort(entries.map((e) => e.version));
    const published: PublishedChart = { name: chart.name, versions };
    const newest = newestOf(versions);
    const byVersion = (v: string) => entries.find((e) => e.version === v) as IndexEntry;
    if (newest) published.newest = await archiveOfEntry(storage, byVersion(newest));
    if (versions.includes(chart.version)) {
      published.current =
        chart.version === newest ? published.newest : await archiveOfEntry(storage, byVersion(chart.version));
    }
    out.push(published);
  }
  return out;
}

/** An OCI registry: versions are the tags (`_` back to `+`), archives are the chart layers. */
export async function publishedInRegistry(
  to: string,
  charts: LocalChart[],
  opts: { plainHttp?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<PublishedChart[]> {
  const env = opts.env ?? process.env;
  const target = parseOciTarget(to);
  const out: PublishedChart[] = [];
  for (const chart of charts) {
    const repository = repositoryFor(target, chart.name);
    const client = registryClientFor(target, repository, { plainHttp: opts.plainHttp, env, actions: 'pull' });
    const versions = semver.sort(
      (await client.listTags()).map((t) => t.replaceAll('_', '+')).filter((v) => semver.valid(v)),
    );
    const read = async (version: string): Promise<PublishedVersion | undefined> => {
      const tag = tagForVersion(version);
      const location = `oci://${target.registry}/${repository}:${tag}`;
      const manifest = await client.getManifest(tag);
      if (!manifest) return undefined;
      const doc = JSON.parse(manifest.bytes.toString('utf8')) as {
        layers?: { mediaType?: string; digest?: string }[];
      };
      const digest = doc.layers?.find((l) => l.mediaType === HELM_CHART_LAYER_MEDIA_TYPE)?.digest;
      if (!digest) throw new PipelineError(`${location} is not a helm chart (no chart content layer)`);
      return { version, location, archive: await readChartArchive(await client.getBlob(digest), location) };
    };
    const published: PublishedChart = { name: chart.name, versions };
    const newest = newestOf(versions);
    if (newest) published.newest = await read(newest);
    if (versions.includes(chart.version)) {
      published.current = chart.version === newest ? published.newest : await read(chart.version);
    }
    out.push(published);
  }
  return out;
}

/**
 * Writes `<dir>/index.yaml` listing the newest published version of each chart, with its archive next
 * to it; returns the index path, or undefined when nothing is published yet (no release checks to run).
 */
export async function writeSnapshot(dir: string, charts: PublishedChart[]): Promise<string | undefined> {
  const newest = charts.flatMap((c) => (c.newest ? [c.newest] : []));
  if (newest.length === 0) return undefined;
  await mkdir(dir, { recursive: true });
  const index = newIndex(new Date(0));
  for (const p of newest) {
    const fileName = archiveFileName(p.archive.metadata);
    await writeFile(path.join(dir, fileName), p.archive.bytes);
    index.entries[p.archive.metadata.name] = [entryFor(p.archive, fileName, new Date(0))];
  }
  const file = path.join(dir, 'index.yaml');
  await writeFile(file, serializeIndex(index, 'yaml'));
  return file;
}
