/**
 * The part of "what does a target already hold" that does not depend on the target: given the versions
 * it lists and a way to read one version's archive, fetch only the two archives release needs (the
 * newest, for the version-bump checks, and the version being released, to decide no-op or refuse).
 */
import semver from 'semver';
import type { LocalChart, PublishedChart, PublishedVersion } from './target.ts';

export async function publishedChart(
  chart: LocalChart,
  listed: string[],
  read: (version: string) => Promise<PublishedVersion | undefined>,
): Promise<PublishedChart> {
  const versions = semver.sort(listed.filter((v) => semver.valid(v)));
  const published: PublishedChart = { name: chart.name, versions };
  const newest = versions.length === 0 ? undefined : semver.rsort([...versions])[0];
  if (newest) published.newest = await read(newest);
  if (versions.includes(chart.version)) {
    published.current = chart.version === newest ? published.newest : await read(chart.version);
  }
  return published;
}
