/**
 * `writeSnapshot` turns what a release target already holds (Target.readPublished, src/targets/) into a
 * local index.yaml + tarballs, so `lint --against` can run its version-bump and immutable-field checks
 * the same way for every kind of target.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { entryFor, newIndex, serializeIndex } from '../../helm/repo/index-file.ts';
import type { PublishedChart } from '../../targets/target.ts';
import { archiveFileName } from '../package/package.ts';

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
