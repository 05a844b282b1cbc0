/**
 * Reads the top-level Chart.yaml out of a packaged chart (.tgz) without unpacking it to disk: the OCI
 * push needs the chart's metadata for the config blob, the annotations and the tag.
 */

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { load as loadYaml } from 'js-yaml';
import tar from 'tar-stream';
import { InputError } from '../../errors.ts';

const MAX_CHART_YAML_BYTES = 1024 * 1024;

/** The raw text of `<chart>/Chart.yaml`, the one Chart.yaml at depth one of the archive. */
export async function readChartYamlText(tgzPath: string, tgz: Buffer): Promise<string> {
  const extract = tar.extract();
  let found: string | undefined;
  extract.on('entry', (header, stream, next) => {
    const parts = header.name.replace(/^\.\//, '').split('/');
    const wanted = found === undefined && parts.length === 2 && parts[1] === 'Chart.yaml';
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: unknown) => {
      if (!Buffer.isBuffer(chunk)) return;
      if (!wanted) return;
      size += chunk.length;
      if (size <= MAX_CHART_YAML_BYTES) chunks.push(chunk);
    });
    stream.on('end', () => {
      if (wanted && size <= MAX_CHART_YAML_BYTES) found = Buffer.concat(chunks).toString('utf8');
      next();
    });
    stream.resume();
  });
  try {
    await pipeline(Readable.from([tgz]), createGunzip(), extract);
  } catch (err) {
    throw new InputError(
      tgzPath,
      '',
      `expected a gzip-compressed tar archive of a chart (${(err as Error).message})`,
    );
  }
  if (found === undefined) {
    throw new InputError(
      tgzPath,
      '<chart>/Chart.yaml',
      'expected a Chart.yaml in the archive top-level directory',
    );
  }
  return found;
}

export type ChartYaml = Record<string, unknown> & { name: string; version: string };

/** Parses Chart.yaml strictly enough for a push: it must be a mapping with string name and version. */
export function parseChartYaml(tgzPath: string, text: string): ChartYaml {
  let doc: unknown;
  try {
    doc = loadYaml(text, { filename: `${tgzPath}:Chart.yaml` });
  } catch (err) {
    throw new InputError(tgzPath, 'Chart.yaml', `expected valid YAML (${(err as Error).message})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError(tgzPath, 'Chart.yaml', 'expected a mapping');
  }
  const meta = doc as Record<string, unknown>;
  for (const key of ['name', 'version'] as const) {
    if (typeof meta[key] !== 'string' || meta[key] === '') {
      throw new InputError(tgzPath, `Chart.yaml: ${key}`, 'expected a non-empty string');
    }
  }
  return meta as ChartYaml;
}

export async function readChartYaml(tgzPath: string, tgz: Buffer): Promise<ChartYaml> {
  return parseChartYaml(tgzPath, await readChartYamlText(tgzPath, tgz));
}
