/**
 * What a chart repository (file://, s3://) already holds: its index.yaml, then the tarballs it names
 * (relative URLs through the storage, absolute http(s) URLs fetched), each checked against the digest
 * the index records.
 */
import { PipelineError } from '../../errors.ts';
import { readChartArchive } from '../../helm/chart/archive.ts';
import type { IndexEntry } from '../../helm/repo/index-file.ts';
import { publishedChart } from '../published.ts';
import type { Storage } from '../storage.ts';
import type { LocalChart, PublishedChart, PublishedVersion } from '../target.ts';
import { INDEX_KEY, readIndex } from './remote-index.ts';

async function fetchUrl(url: string): Promise<Buffer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok) throw new PipelineError(`GET ${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

async function archiveOfEntry(storage: Storage, entry: IndexEntry): Promise<PublishedVersion> {
  const url = entry.urls?.[0];
  if (!url)
    throw new PipelineError(`${storage.describe(INDEX_KEY)}: ${entry.name} ${entry.version} has no urls`);
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

export async function publishedInRepository(
  storage: Storage,
  charts: LocalChart[],
): Promise<PublishedChart[]> {
  const remote = await readIndex(storage);
  const out: PublishedChart[] = [];
  for (const chart of charts) {
    const entries = (remote?.index.entries[chart.name] ?? []).filter(
      (e) => !(e as { removed?: boolean }).removed,
    );
    const read = async (version: string) => {
      const entry = entries.find((e) => e.version === version);
      return entry && archiveOfEntry(storage, entry);
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
