/**
 * index.yaml: strict parsing, merging and serialisation, all pure (no I/O) so that `index` (local
 * files) and `publish` (an index read from S3) share one implementation.
 */
import { CORE_SCHEMA, load } from 'js-yaml';
import { InputError } from '../../errors.ts';
import * as semver from '../../util/semver.ts';
import { bounded } from '../../util/tree-bounds.ts';
import { type ChartMetadata, isPlainObject, setOwn, validateMetadata } from '../chart/chartfile.ts';
import { emitYaml, fastParseYaml } from './index-yaml.ts';

export interface IndexEntry extends ChartMetadata {
  urls: string[];
  /** RFC 3339, kept verbatim from the index it was read from. */
  created: string;
  digest?: string;
  removed?: boolean;
  /** Fields helm still accepts from very old indexes; preserved, never produced. */
  checksum?: string;
  engine?: string;
  tillerVersion?: string;
  url?: string;
}

export interface IndexFile {
  apiVersion: 'v1';
  entries: Record<string, IndexEntry[]>;
  generated: string;
  serverInfo?: Record<string, unknown>;
  publicKeys?: string[];
  annotations?: Record<string, string>;
}

const ENTRY_EXTRA_FIELDS = new Set([
  'urls',
  'created',
  'removed',
  'digest',
  'checksum',
  'engine',
  'tillerVersion',
  'url',
]);
const TOP_FIELDS = ['apiVersion', 'entries', 'generated', 'serverInfo', 'publicKeys', 'annotations'];
/** What Go's time.Time accepts when decoding JSON: RFC 3339 with optional fractional seconds. */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function str(v: unknown, file: string, where: string): string {
  if (typeof v !== 'string') throw new InputError(file, where, `expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function timestamp(v: unknown, file: string, where: string): string {
  const s = str(v, file, where);
  if (!RFC3339.test(s))
    throw new InputError(file, where, `expected an RFC 3339 timestamp, got ${JSON.stringify(s)}`);
  return s;
}

function validateEntry(raw: unknown, name: string, file: string, where: string): IndexEntry {
  if (!isPlainObject(raw)) throw new InputError(file, where, 'expected a chart version mapping');
  const md = validateMetadata(raw, file, where, ENTRY_EXTRA_FIELDS, { looseVersion: true });
  if (md.name !== name)
    throw new InputError(file, `${where}.name`, `expected ${JSON.stringify(name)} (the entries key)`);
  const entry = md as IndexEntry;
  const urls = raw.urls ?? [];
  if (!Array.isArray(urls)) throw new InputError(file, `${where}.urls`, 'expected a list of URLs');
  entry.urls = urls.map((u, i) => str(u, file, `${where}.urls[${i}]`));
  if (raw.created === undefined) throw new InputError(file, `${where}.created`, 'is required');
  entry.created = timestamp(raw.created, file, `${where}.created`);
  if (raw.digest !== undefined && raw.digest !== null)
    entry.digest = str(raw.digest, file, `${where}.digest`);
  if (raw.removed !== undefined && raw.removed !== null) {
    if (typeof raw.removed !== 'boolean')
      throw new InputError(file, `${where}.removed`, 'expected true or false');
    entry.removed = raw.removed;
  }
  for (const legacy of ['checksum', 'engine', 'tillerVersion', 'url'] as const) {
    if (raw[legacy] !== undefined && raw[legacy] !== null)
      entry[legacy] = str(raw[legacy], file, `${where}.${legacy}`);
  }
  return entry;
}

/** Checks a decoded document against helm's IndexFile structure, rejecting unknown fields. */
export function validateIndex(raw: unknown, file: string): IndexFile {
  if (!isPlainObject(raw))
    throw new InputError(file, '', 'expected a mapping with apiVersion, entries and generated');
  for (const key of Object.keys(raw)) {
    if (!TOP_FIELDS.includes(key))
      throw new InputError(file, key, `unknown field (allowed: ${TOP_FIELDS.join(', ')})`);
  }
  if (raw.apiVersion !== 'v1')
    throw new InputError(file, 'apiVersion', `expected v1, got ${JSON.stringify(raw.apiVersion)}`);
  const index: IndexFile = {
    apiVersion: 'v1',
    entries: {},
    generated: timestamp(raw.generated, file, 'generated'),
  };
  const entries = raw.entries ?? {};
  if (!isPlainObject(entries))
    throw new InputError(file, 'entries', 'expected a mapping of chart name to versions');
  for (const [name, list] of Object.entries(entries)) {
    if (!Array.isArray(list))
      throw new InputError(file, `entries.${name}`, 'expected a list of chart versions');
    index.entries[name] = list.map((e, i) => validateEntry(e, name, file, `entries.${name}[${i}]`));
  }
  if (raw.serverInfo !== undefined && raw.serverInfo !== null) {
    if (!isPlainObject(raw.serverInfo)) throw new InputError(file, 'serverInfo', 'expected a mapping');
    index.serverInfo = raw.serverInfo;
  }
  if (raw.publicKeys !== undefined && raw.publicKeys !== null) {
    if (!Array.isArray(raw.publicKeys))
      throw new InputError(file, 'publicKeys', 'expected a list of strings');
    index.publicKeys = raw.publicKeys.map((k, i) => str(k, file, `publicKeys[${i}]`));
  }
  if (raw.annotations !== undefined && raw.annotations !== null) {
    if (!isPlainObject(raw.annotations))
      throw new InputError(file, 'annotations', 'expected a mapping of strings');
    const ann: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw.annotations)) setOwn(ann, k, str(v, file, `annotations.${k}`));
    index.annotations = ann;
  }
  for (const name of Object.keys(index.entries)) sortVersions(index.entries[name]);
  return index;
}

function boundOrRefuse(parse: () => unknown, file: string): unknown {
  try {
    return bounded(parse);
  } catch (err) {
    throw new InputError(file, '', (err as Error).message);
  }
}

/** Decodes index.yaml (YAML or a JSON body, as helm >= 3.13 accepts) and validates it strictly. */
export function parseIndex(text: string, file: string): IndexFile {
  if (text.trim() === '') throw new InputError(file, '', 'empty index file');
  let raw: unknown;
  if (/^\s*\{/.test(text)) {
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined; // helm, too, falls back to YAML when the body is not valid JSON
    }
    if (raw !== undefined) boundOrRefuse(() => raw, file);
  }
  raw ??= fastParseYaml(text);
  if (raw === undefined) {
    try {
      raw = bounded(() => load(text, { schema: CORE_SCHEMA, filename: file }));
    } catch (err) {
      throw new InputError(
        file,
        '',
        `invalid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      );
    }
  }
  return validateIndex(raw, file);
}

function parseVersion(v: string): semver.SemVer | null {
  try {
    return new semver.SemVer(v.startsWith('v') ? v.slice(1) : v, { loose: true });
  } catch {
    return semver.coerce(v);
  }
}

type Parsed = semver.SemVer | null;
/** Newest first; unparsable versions last. */
const newestFirst = (a: Parsed, b: Parsed) => (a && b ? b.compare(a) : a ? -1 : b ? 1 : 0);

/** Newest semver first, like helm's SortEntries; unparsable versions go last. Stable otherwise. */
export function sortVersions(list: IndexEntry[]): void {
  if (list.length < 2) return;
  const parsed = list.map((e) => parseVersion(e.version));
  let sorted = true;
  for (let i = 1; i < list.length && sorted; i++) sorted = newestFirst(parsed[i - 1], parsed[i]) <= 0;
  if (sorted) return;
  const order = list.map((e, i) => ({ e, v: parsed[i] }));
  order.sort((a, b) => newestFirst(a.v, b.v));
  order.forEach((o, i) => {
    list[i] = o.e;
  });
}

/** Canonical x.y.z, with an optional valid semver pre-release and build: what semver parses as is. */
const PLAIN_TRIPLE =
  /^(0|[1-9]\d{0,14})\.(0|[1-9]\d{0,14})\.(0|[1-9]\d{0,14})(-(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/**
 * Whether sortVersions would leave these versions where they are. Two semver versions whose x.y.z
 * differ are ordered by those three numbers alone (semver's precedence), and equal plain x.y.z are
 * equal; anything else (equal x.y.z with a pre-release, loose forms) goes through semver, exactly as in
 * sortVersions.
 */
export function isNewestFirst(versions: string[]): boolean {
  // Each version matched once: this pair's b is the next pair's a.
  let b = versions.length > 0 ? PLAIN_TRIPLE.exec(versions[0]) : null;
  for (let i = 1; i < versions.length; i++) {
    const a = b;
    b = PLAIN_TRIPLE.exec(versions[i]);
    if (a && b) {
      const d = Number(b[1]) - Number(a[1]) || Number(b[2]) - Number(a[2]) || Number(b[3]) - Number(a[3]);
      if (d > 0) return false;
      if (d < 0 || (a[4] === undefined && b[4] === undefined)) continue;
    }
    if (newestFirst(parseVersion(versions[i - 1]), parseVersion(versions[i])) > 0) return false;
  }
  return true;
}

/** helm's URL rules: base + escaped file name; the bare (escaped) file name when there is no base. */
export function chartUrl(base: string | undefined, fileName: string): string {
  const escaped = fileName.split('/').map(encodeURIComponent).join('/');
  if (base === undefined || base === '') return escaped;
  return `${base.replace(/\/+$/, '')}/${escaped}`;
}

export function entryFor(
  archive: { metadata: ChartMetadata; digest: string },
  url: string,
  created: Date,
): IndexEntry {
  return { ...archive.metadata, urls: [url], created: created.toISOString(), digest: archive.digest };
}

export function newIndex(generated: Date = new Date()): IndexFile {
  return { apiVersion: 'v1', entries: {}, generated: generated.toISOString() };
}

/** 0.1.0, v0.1.0 and 0.1.0+build2 are one version to helm's constraint resolution. */
function samePrecedence(a: string, b: string): boolean {
  const va = semver.parse(a);
  const vb = semver.parse(b);
  return va !== null && vb !== null && semver.compare(va, vb) === 0;
}

/**
 * Adds entries to a copy of `index`. An existing name+version with the same digest is kept as it is
 * (its `created` survives); with a different digest it is an error unless `force`, because a
 * published version must never change under its users.
 */
export function mergeEntries(
  index: IndexFile,
  entries: IndexEntry[],
  opts: { force?: boolean; file?: string; generated?: Date } = {},
): { index: IndexFile; added: IndexEntry[]; unchanged: IndexEntry[] } {
  const out: IndexFile = {
    ...index,
    entries: { ...index.entries },
    generated: (opts.generated ?? new Date()).toISOString(),
  };
  const added: IndexEntry[] = [];
  const unchanged: IndexEntry[] = [];
  const touched = new Set<string>();
  for (const entry of entries) {
    const list = touched.has(entry.name) ? out.entries[entry.name] : [...(out.entries[entry.name] ?? [])];
    out.entries[entry.name] = list;
    touched.add(entry.name);
    const at = list.findIndex((e) => e.version === entry.version);
    const twin = at < 0 && !opts.force ? list.findIndex((e) => samePrecedence(e.version, entry.version)) : -1;
    if (twin >= 0) {
      throw new InputError(
        opts.file ?? 'index.yaml',
        `entries.${entry.name}[${twin}]`,
        `version ${entry.version} has the same semver precedence as published ${list[twin].version} ` +
          '(a leading v and +build metadata do not count), so `helm install --version` cannot tell them ' +
          'apart; bump the chart version instead',
      );
    }
    if (at < 0) {
      list.push(entry);
      added.push(entry);
    } else if (list[at].digest === entry.digest) {
      unchanged.push(list[at]);
    } else if (opts.force) {
      list[at] = entry;
      added.push(entry);
    } else {
      throw new InputError(
        opts.file ?? 'index.yaml',
        `entries.${entry.name}[${at}]`,
        `version ${entry.version} is already published with digest ${list[at].digest ?? '(none)'}, ` +
          `but the new archive has digest ${entry.digest}; bump the chart version instead of replacing it`,
      );
    }
  }
  for (const name of touched) sortVersions(out.entries[name]);
  return { index: out, added, unchanged };
}

export function serializeIndex(index: IndexFile, format: 'yaml' | 'json'): string {
  const names = Object.keys(index.entries).sort();
  const entries: Record<string, IndexEntry[]> = {};
  for (const name of names) entries[name] = index.entries[name];
  const ordered = { ...index, entries };
  if (format === 'json') return `${JSON.stringify(ordered)}\n`;
  const lines = emitYaml(ordered as unknown as Record<string, unknown>);
  return `${lines.join('\n')}\n`;
}
