/**
 * `repo verify`: is a published repository consistent? Every finding has a stable code (FINDING_CODES)
 * so that scripts can act on it. Chart repositories (file://, s3://): the index parses; every entry's
 * URL resolves to a stored tarball whose sha256 is the entry's digest and whose Chart.yaml is the
 * entry's metadata; every .prov names the archive's sha256 (and verifies against --keyring); no stored
 * tarball is left out of the index. OCI registries: every semver tag's manifest, config and layers exist
 * with the digests that name them, and the chart layer is the chart the tag says.
 *
 * Memory: the index (and one set of keys of its size); tarballs are read a few at a time
 * (`concurrency`) and the listing is walked one page at a time, whatever the number of charts.
 */
import { isUtf8 } from 'node:buffer';
import type * as openpgp from 'openpgp';
import semver from 'semver';
import { readChartArchive, sha256Hex } from '../../helm/chart/archive.ts';
import { provenanceProblem, readPublicKeys } from '../../helm/provenance.ts';
import type { IndexEntry, IndexFile } from '../../helm/repo/index-file.ts';
import { parseIndex } from '../../helm/repo/index-file.ts';
import { redactSecrets } from '../../targets/redact.ts';
import { formatOf, INDEX_KEY, type IndexFormat } from '../../targets/repository/remote-index.ts';
import type { Storage, TrafficStats } from '../../targets/storage.ts';
import { LIMITS } from '../../util/bounded-io.ts';
import {
  DEFAULT_CONCURRENCY,
  isOci,
  isTarballKey,
  keyOfUrl,
  mapLimit,
  type RepoOptions,
  withStorage,
} from './common.ts';

export const FINDING_CODES = [
  'index-missing',
  'index-malformed',
  'missing-tarball',
  'digest-mismatch',
  'tarball-malformed',
  'orphan-tarball',
  'orphan-prov',
  'metadata-mismatch',
  'prov-invalid',
  'prov-missing',
  'url-unresolvable',
  // OCI
  'manifest-missing',
  'manifest-malformed',
  'missing-blob',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export interface Finding {
  code: FindingCode;
  chart?: string;
  version?: string;
  /** the object, URL or reference concerned */
  location: string;
  message: string;
}

export interface VerifyReport {
  target: string;
  kind: 'repository' | 'oci';
  /** index entries (repositories) or semver tags (OCI) checked */
  checked: number;
  /** tarballs listed in the store (repositories) */
  stored?: number;
  /** OCI: tombstone tags (versions taken back with `unpublish`), listed for information, never checked as charts */
  tombstones?: number;
  /** whether signatures were checked (--keyring), or only the .prov checksums */
  signatures: boolean;
  findings: Finding[];
  traffic?: TrafficStats;
}

export interface VerifyOptions extends RepoOptions {
  /** public keyring contents, to check .prov signatures like `helm verify` */
  keyring?: { bytes: Buffer; file: string };
  /** oci:// only: the charts to check when the registry offers no catalog */
  charts?: string[];
}

const ENTRY_ONLY = new Set([
  'urls',
  'created',
  'digest',
  'removed',
  'checksum',
  'engine',
  'tillerVersion',
  'url',
]);

function canon(value: unknown): string {
  if (value === undefined || value === null || value === '' || value === false) return '';
  if (Array.isArray(value)) return value.length === 0 ? '' : `[${value.map(canon).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    const parts = keys
      .map((k) => [k, canon((value as Record<string, unknown>)[k])])
      .filter(([, v]) => v !== '');
    return parts.length === 0 ? '' : `{${parts.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Fields whose values differ between an index entry and the archive's Chart.yaml. */
export function metadataDiff(entry: object, metadata: object): string[] {
  const e = entry as Record<string, unknown>;
  const m = metadata as Record<string, unknown>;
  const keys = new Set([...Object.keys(e), ...Object.keys(m)]);
  return [...keys].filter((k) => !ENTRY_ONLY.has(k) && canon(e[k]) !== canon(m[k])).sort();
}

function redactFindings(report: VerifyReport): VerifyReport {
  return {
    ...report,
    target: redactSecrets(report.target),
    findings: report.findings.map((f) => ({
      ...f,
      location: redactSecrets(f.location),
      message: redactSecrets(f.message),
    })),
  };
}

export async function verifyRepository(opts: VerifyOptions): Promise<VerifyReport> {
  const keys = opts.keyring ? await readPublicKeys(opts.keyring.bytes, opts.keyring.file) : undefined;
  if (isOci(opts.to)) {
    const { verifyOci } = await import('./oci.ts');
    return redactFindings(await verifyOci(opts, keys));
  }
  return redactFindings(await withStorage(opts, (storage) => verifyStorage(storage, opts, keys)));
}

/** The index, parsed; a finding instead when it is missing or malformed. */
export async function readIndexOrFinding(
  storage: Storage,
): Promise<{ index: IndexFile; etag: string; format: IndexFormat } | { finding: Finding; etag?: string }> {
  const obj = await storage.get(INDEX_KEY);
  const location = storage.describe(INDEX_KEY);
  if (!obj) return { finding: { code: 'index-missing', location, message: `${location} does not exist` } };
  try {
    if (!isUtf8(obj.body)) throw new Error(`${location} is not valid UTF-8`);
    return {
      index: parseIndex(obj.body.toString('utf8'), location),
      etag: obj.etag,
      format: formatOf(obj.body),
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { finding: { code: 'index-malformed', location, message }, etag: obj.etag };
  }
}

interface EntryCheck {
  findings: Finding[];
  hasProv: boolean;
}

export async function verifyStorage(
  storage: Storage,
  opts: VerifyOptions,
  keys: openpgp.Key[] | undefined,
): Promise<VerifyReport> {
  const progress = opts.onProgress ?? (() => undefined);
  const findings: Finding[] = [];
  const read = await readIndexOrFinding(storage);
  const entries: IndexEntry[] = 'index' in read ? Object.values(read.index.entries).flat() : [];
  if ('finding' in read) findings.push(read.finding);
  // where each entry points: the one per-entry structure kept (the size of the index)
  const referenced = new Set<string>();
  const keyOf = entries.map((e) => {
    const r = keyOfUrl(e.urls?.[0], opts.baseUrl);
    if ('key' in r) referenced.add(r.key);
    return r;
  });
  // 1. the listing, a page at a time: orphans now, and which .prov files exist (no GET of absent ones)
  const provs = new Set<string>();
  /** stored tarball -> its size in the listing (the size of the index, like `referenced`) */
  const tarballs = new Map<string, number | undefined>();
  let stored = 0;
  for await (const page of storage.listPages('')) {
    for (const o of page) {
      if (isTarballKey(o.key)) {
        stored++;
        tarballs.set(o.key, o.size);
        if (!referenced.has(o.key) && 'index' in read)
          findings.push({
            code: 'orphan-tarball',
            location: storage.describe(o.key),
            message: `${storage.describe(o.key)} is stored but no index entry names it (repo reindex adds it)`,
          });
      } else if (o.key.endsWith('.tgz.prov') && !o.key.includes('/')) provs.add(o.key);
    }
  }
  for (const p of provs) {
    const tgz = p.slice(0, -'.prov'.length);
    if (!tarballs.has(tgz))
      findings.push({
        code: 'orphan-prov',
        location: storage.describe(p),
        message: `${storage.describe(p)} is stored without its chart ${tgz}`,
      });
  }
  progress(
    `listed ${stored} tarball(s); checking ${entries.length} index entr${entries.length === 1 ? 'y' : 'ies'}`,
  );
  // 2. every entry, a few at a time
  let done = 0;
  const checks = await mapLimit(
    entries.map((e, i) => ({ e, r: keyOf[i] })),
    opts.concurrency ?? DEFAULT_CONCURRENCY,
    async ({ e, r }) => {
      const out: EntryCheck = { findings: [], hasProv: false };
      const at = { chart: e.name, version: e.version };
      if ('problem' in r) {
        out.findings.push({
          ...at,
          code: 'url-unresolvable',
          location: storage.describe(INDEX_KEY),
          message: `${e.name} ${e.version} ${r.problem}`,
        });
        return out;
      }
      const location = storage.describe(r.key);
      const size = tarballs.get(r.key);
      if (size !== undefined && size > LIMITS.chartArchive) {
        out.findings.push({
          ...at,
          code: 'tarball-malformed',
          location,
          message: `${location} is ${size} bytes, more than a chart archive may be (${LIMITS.chartArchive}); not read`,
        });
        return out;
      }
      const obj = await storage.get(r.key);
      if (++done % 1000 === 0) progress(`  ${done}/${entries.length}`);
      if (!obj) {
        out.findings.push({
          ...at,
          code: 'missing-tarball',
          location,
          message: `${e.name} ${e.version}: ${location} is listed in the index but missing`,
        });
        return out;
      }
      const digest = sha256Hex(obj.body);
      if (e.digest !== undefined && e.digest !== digest)
        out.findings.push({
          ...at,
          code: 'digest-mismatch',
          location,
          message: `${location} has sha256 ${digest} but the index says ${e.digest}`,
        });
      try {
        const archive = await readChartArchive(obj.body, location);
        const diff = metadataDiff(e, archive.metadata);
        if (diff.length > 0)
          out.findings.push({
            ...at,
            code: 'metadata-mismatch',
            location,
            message: `${e.name} ${e.version}: the index entry differs from ${location}'s Chart.yaml in ${diff.join(', ')}`,
          });
      } catch (err) {
        out.findings.push({
          ...at,
          code: 'tarball-malformed',
          location,
          message: err instanceof Error ? err.message : String(err),
        });
      }
      const provKey = `${r.key}.prov`;
      const prov = provs.has(provKey) || r.key.includes('/') ? await storage.get(provKey) : null;
      if (prov) {
        out.hasProv = true;
        const fileName = r.key.split('/').pop() ?? r.key;
        const problem = await provenanceProblem(prov.body, obj.body, fileName, keys);
        if (problem)
          out.findings.push({
            ...at,
            code: 'prov-invalid',
            location: storage.describe(provKey),
            message: `${storage.describe(provKey)} ${problem}`,
          });
      }
      return out;
    },
  );
  const anyProv = checks.some((c) => c.hasProv);
  checks.forEach((c, i) => {
    findings.push(...c.findings);
    const e = entries[i];
    const missingTarball = c.findings.some(
      (f) => f.code === 'missing-tarball' || f.code === 'url-unresolvable',
    );
    if (anyProv && !c.hasProv && !missingTarball)
      findings.push({
        code: 'prov-missing',
        chart: e.name,
        version: e.version,
        location: storage.describe(`${'key' in keyOf[i] ? (keyOf[i] as { key: string }).key : e.name}.prov`),
        message: `${e.name} ${e.version} has no .prov, while other charts in the repository are signed`,
      });
  });
  return {
    target: storage.location,
    kind: 'repository',
    checked: entries.length,
    stored,
    signatures: keys !== undefined,
    findings,
    traffic: { ...storage.stats },
  };
}

/** semver tags only: what helm resolves versions from (`_` stands for `+`). */
export function semverTags(tags: string[]): string[] {
  return tags.filter((t) => semver.valid(t.replaceAll('_', '+')) !== null);
}

export function formatVerifyReport(r: VerifyReport): string {
  const lines = r.findings.map((f) => `${f.code}: ${f.message}`);
  const what = r.kind === 'oci' ? 'tag(s)' : 'index entr(ies)';
  lines.push(
    `${r.target}: ${r.checked} ${what} checked${r.stored !== undefined ? `, ${r.stored} tarball(s) stored` : ''}` +
      `${r.tombstones ? `, ${r.tombstones} tombstone(s) of unpublished versions` : ''}, ` +
      `${r.signatures ? 'signatures verified' : 'signatures not checked (no --keyring)'}: ` +
      (r.findings.length === 0 ? 'clean' : `${r.findings.length} finding(s)`),
  );
  if (r.traffic)
    lines.push(`traffic: ${r.traffic.requests} request(s), ${r.traffic.bytesReceived} bytes received`);
  return `${lines.join('\n')}\n`;
}
