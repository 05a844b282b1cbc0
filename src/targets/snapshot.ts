/**
 * `writeSnapshot` turns what a target already holds (Target.readPublished) into a local index.yaml +
 * tarballs, so the release checks of `lint --against` run the same way for every kind of target.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { entryFor, newIndex, serializeIndex } from '../helm/repo/index-file.ts';
import type { PublishedChart } from './target.ts';

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
    const fileName = `${p.archive.metadata.name}-${p.archive.metadata.version}.tgz`;
    await writeFile(path.join(dir, fileName), p.archive.bytes);
    index.entries[p.archive.metadata.name] = [entryFor(p.archive, fileName, new Date(0))];
  }
  const file = path.join(dir, 'index.yaml');
  await writeFile(file, serializeIndex(index, 'yaml'));
  return file;
}
