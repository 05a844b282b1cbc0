/**
 * What a chart repository (file://, s3://) already holds: its index.yaml, then the tarballs it names
 * (relative URLs through the storage, absolute http(s) URLs fetched), each checked against the digest
 * the index records.
 */
import { PipelineError } from '../../errors.ts';
import { readChartArchive } from '../../helm/chart/archive.ts';
import type { IndexEntry } from '../../helm/repo/index-file.ts';
import { fetchBounded, LIMITS } from '../../util/bounded-io.ts';
import { keyUnderBaseUrl, offRepoMessage } from '../../util/repo-urls.ts';
import { publishedChart } from '../published.ts';
import type { Storage } from '../storage.ts';
import type { LocalChart, OpenOptions, PublishedChart, PublishedVersion } from '../target.ts';
import { INDEX_KEY, readIndex } from './remote-index.ts';

type UrlPolicy = Pick<OpenOptions, 'baseUrl' | 'allowOffRepoUrls'>;

async function archiveOfEntry(
  storage: Storage,
  entry: IndexEntry,
  urls: UrlPolicy,
): Promise<PublishedVersion> {
  const url = entry.urls?.[0];
  if (!url)
    throw new PipelineError(`${storage.describe(INDEX_KEY)}: ${entry.name} ${entry.version} has no urls`);
  let location: string;
  let bytes: Buffer;
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(url);
  const underBase = absolute ? keyUnderBaseUrl(urls.baseUrl, url) : undefined;
  if (absolute && underBase === undefined) {
    if (!urls.allowOffRepoUrls || !/^https?:\/\//i.test(url))
      throw new PipelineError(offRepoMessage(storage.describe(INDEX_KEY), url));
    location = url;
    bytes = await fetchBounded(url, { maxBytes: LIMITS.chartArchive, timeoutMs: 60_000 });
  } else {
    const key = underBase ?? decodeURIComponent(url.replace(/^\.?\//, ''));
    if (key.split('/').includes('..'))
      throw new PipelineError(offRepoMessage(storage.describe(INDEX_KEY), url));
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

export async function publishedInRepository(
  storage: Storage,
  charts: LocalChart[],
  urls: UrlPolicy = {},
): Promise<PublishedChart[]> {
  const remote = await readIndex(storage);
  const out: PublishedChart[] = [];
  for (const chart of charts) {
    const entries = (remote?.index.entries[chart.name] ?? []).filter(
      (e) => !(e as { removed?: boolean }).removed,
    );
    const read = async (version: string) => {
      const entry = entries.find((e) => e.version === version);
      return entry && archiveOfEntry(storage, entry, urls);
    };
    out.push(
      await publishedChart(
        chart,
        entries.map((e) => e.version),
        read,
      ),
    );
  }
  return out;
}
