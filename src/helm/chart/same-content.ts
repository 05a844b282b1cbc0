/**
 * The one rule for "is this chart version already published": the same content is the same files after
 * unpacking, with Chart.yaml compared as data (key order, quoting and comments do not count), whatever
 * the archive bytes (file times, compression). `publish` and `release` both decide with it and word the
 * outcome with the same sentences.
 */
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
