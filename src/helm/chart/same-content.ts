/**
 * The one rule for "is this chart version already published": the same content is the same files after
 * unpacking, with Chart.yaml compared as data (key order, quoting and comments do not count), whatever
 * the archive bytes (file times, compression). `publish` and `release` both decide with it and word the
 * outcome with the same sentences.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { readChartYamlMapping } from './chartfile.ts';

/**
 * The files that differ between two unpacked charts, sorted. Chart.yaml is compared as data; with
 * `ignoreVersion` (the version-bump check compares two versions) without its `version`.
 */
export function contentChanged(
  local: Map<string, Buffer>,
  published: Map<string, Buffer>,
  opts: { ignoreVersion?: boolean } = { ignoreVersion: true },
): string[] {
  const changed: string[] = [];
  const names = new Set([...local.keys(), ...published.keys()]);
  for (const name of [...names].sort()) {
    const a = local.get(name);
    const b = published.get(name);
    if (!a || !b) {
      changed.push(name);
    } else if (name === 'Chart.yaml') {
      const data = (buf: Buffer) => {
        const mapping = readChartYamlMapping(buf.toString('utf8'), 'Chart.yaml');
        if (!opts.ignoreVersion) return mapping;
        const { version: _v, ...rest } = mapping;
        return rest;
      };
      if (!isDeepStrictEqual(data(a), data(b))) changed.push(name);
    } else if (!a.equals(b)) {
      changed.push(name);
    }
  }
  return changed;
}

/** The files of two archives of the same version that differ (empty: the same content). */
export function sameVersionChanges(local: Map<string, Buffer>, published: Map<string, Buffer>): string[] {
  return contentChanged(local, published, { ignoreVersion: false });
}

/**
 * The same rule as a fingerprint, for when one side is gone (a tombstone keeps it after `unpublish`):
 * two charts of the same version have the same identity exactly when `sameVersionChanges` finds no
 * difference. Every file by its sha256, Chart.yaml as data (a canonical encoding of its mapping).
 */
export function contentIdentity(files: Map<string, Buffer>): string {
  const hash = createHash('sha256');
  for (const name of [...files.keys()].sort()) {
    const bytes = files.get(name) as Buffer;
    const body =
      name === 'Chart.yaml'
        ? `data ${canonical(readChartYamlMapping(bytes.toString('utf8'), 'Chart.yaml'))}`
        : `sha256 ${createHash('sha256').update(bytes).digest('hex')}`;
    hash.update(`${JSON.stringify(name)} ${body}\n`);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** One string per value that `isDeepStrictEqual` tells apart (the YAML core schema's values). */
function canonical(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number') return `n${Object.is(value, -0) ? '-0' : String(value)}`;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
    .join(',')}}`;
}

/** `release` and `publish` word the no-op the same way. */
export function samePublishedMessage(name: string, version: string, location: string): string {
  return `${name} ${version} is already published at ${location} with the same content: nothing to publish`;
}

/** `release` and `publish` word the refusal the same way (publish adds how to override it). */
export function differentPublishedMessage(
  name: string,
  version: string,
  location: string,
  changed: string[],
  force?: 'can-force',
): string {
  const files = `${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', ...' : ''}`;
  return (
    `${name} ${version} is already published at ${location} with different content (${files}); ` +
    `a published version is immutable: bump the chart version${force ? ', or pass --force to replace it' : ''}`
  );
}
