/**
 * Reads and validates the charts to publish, before anything touches the store: a file that is not a
 * chart, or whose name disagrees with its Chart.yaml, stops the run with nothing written.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UsageError } from '../../errors.ts';
import { type ChartArchive, readChartArchive } from '../../helm/chart/archive.ts';
import { archiveFileName } from '../../stages/package/package.ts';

export interface ChartInput {
  file: string;
  fileName: string;
  archive: ChartArchive;
  provenance: Buffer | null;
}

async function readInput(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(file, '', code === 'ENOENT' ? 'file not found' : `cannot read (${code})`);
  }
}

export async function loadChart(file: string): Promise<ChartInput> {
  const archive = await readChartArchive(await readInput(file), file);
  const fileName = path.basename(file);
  const expected = archiveFileName(archive.metadata);
  if (fileName !== expected) {
    throw new InputError(
      file,
      `${archive.metadata.name}/Chart.yaml`,
      `the file name must be ${expected} to match the chart's name and version ` +
        `(${archive.metadata.name} ${archive.metadata.version}); helm and the index rely on it`,
    );
  }
  const provFile = `${file}.prov`;
  const provenance = existsSync(provFile) ? await readInput(provFile) : null;
  return { file, fileName, archive, provenance };
}

/** Loads every file; the same chart version twice is fine if identical, an error otherwise. */
export async function loadCharts(files: string[]): Promise<ChartInput[]> {
  if (files.length === 0) throw new UsageError('nothing to publish: pass one or more packaged charts (.tgz)');
  const byName = new Map<string, ChartInput>();
  for (const file of files) {
    const input = await loadChart(file);
    const seen = byName.get(input.fileName);
    if (seen && seen.archive.digest !== input.archive.digest) {
      throw new UsageError(`${seen.file} and ${file} are both ${input.fileName} but differ`);
    }
    if (!seen) byName.set(input.fileName, input);
  }
  return [...byName.values()];
}
