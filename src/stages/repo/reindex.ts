/**
 * `repo reindex`: rebuilds index.yaml from the tarballs stored in a chart repository (file://, s3://).
 * The listing is walked a page at a time and tarballs are read a few at a time, so memory is the index
 * itself. The result is written with the same conditional-write loop as publish (rewriteIndex): the
 * rebuild is applied to the index as it is at write time, so an entry a concurrent publish adds is
 * kept, and after a lost race the rebuild is applied again to what the winner wrote.
 *
 *  - a stored tarball the index lacks is added (`created`: the object's last modification);
 *  - an entry whose digest still matches its tarball keeps `created` and `urls`; its metadata is
 *    refreshed from Chart.yaml if it differs;
 *  - an entry whose tarball has other bytes is replaced (the tarball is what users download);
 *  - an entry whose tarball is missing is kept (reported) unless --drop-missing;
 *  - a malformed index is replaced by the rebuild (its `created` dates are lost; reported).
 */
import { PipelineError } from '../../errors.ts';
import { readChartArchive } from '../../helm/chart/archive.ts';
import {
  chartUrl,
  entryFor,
  type IndexEntry,
  type IndexFile,
  newIndex,
  sortVersions,
} from '../../helm/repo/index-file.ts';
import { probePreconditions } from '../../targets/probe.ts';
import { redactSecrets } from '../../targets/redact.ts';
import { type IndexFormat, type RemoteIndex, rewriteIndex } from '../../targets/repository/remote-index.ts';
import type { Storage, TrafficStats } from '../../targets/storage.ts';
import { LIMITS } from '../../util/bounded-io.ts';
import {
  DEFAULT_CONCURRENCY,
  isTarballKey,
  keyOfUrl,
  mapLimit,
  type RepoOptions,
  withStorage,
} from './common.ts';
import { metadataDiff, readIndexOrFinding } from './verify.ts';

export interface ReindexOptions extends RepoOptions {
  dryRun?: boolean;
  dropMissing?: boolean;
  indexFormat?: IndexFormat;
  /** stores that ignore conditional writes: the caller vouches no other writer runs */
  singleWriter?: boolean;
}

export interface ReindexReport {
  target: string;
  dryRun: boolean;
  /** tarballs read from the store */
  tarballs: number;
  /** name@version */
  added: string[];
  /** entries whose digest differed from their tarball: replaced */
  replaced: string[];
  /** entries whose metadata differed from Chart.yaml: refreshed (created kept) */
  refreshed: string[];
  /** entries whose tarball is missing: dropped (--drop-missing) or kept */
  dropped: string[];
  missingKept: string[];
  /** stored tarballs that are not charts (skipped, reported) */
  unreadable: { key: string; message: string }[];
  indexWasMalformed: boolean;
  index: {
    action: 'created' | 'updated' | 'unchanged' | 'would-create' | 'would-update';
    entries: number;
    attempts: number;
  };
  traffic: TrafficStats;
}

const label = (e: { name: string; version: string }) => `${e.name}@${e.version}`;

interface Scanned {
  key: string;
  entry: IndexEntry;
}

/** Reads every stored tarball, one listing page at a time, `concurrency` reads in flight. */
async function scan(storage: Storage, opts: ReindexOptions, report: ReindexReport): Promise<Scanned[]> {
  const out: Scanned[] = [];
  const progress = opts.onProgress ?? (() => undefined);
  for await (const page of storage.listPages('')) {
    const keys = page.filter((o) => isTarballKey(o.key));
    const got = await mapLimit(keys, opts.concurrency ?? DEFAULT_CONCURRENCY, async (o) => {
      if (o.size !== undefined && o.size > LIMITS.chartArchive) {
        report.unreadable.push({
          key: o.key,
          message: `${o.size} bytes, more than a chart archive may be; not read`,
        });
        return null;
      }
      const obj = await storage.get(o.key);
      if (!obj) return null; // deleted since the listing
      try {
        const archive = await readChartArchive(obj.body, storage.describe(o.key));
        const expected = `${archive.metadata.name}-${archive.metadata.version}.tgz`;
        if (o.key !== expected)
          throw new Error(
            `holds ${archive.metadata.name} ${archive.metadata.version}, whose file name must be ${expected}`,
          );
        return { key: o.key, entry: entryFor(archive, chartUrl(opts.baseUrl, o.key), o.lastModified) };
      } catch (err) {
        report.unreadable.push({ key: o.key, message: err instanceof Error ? err.message : String(err) });
        return null;
      }
    });
    for (const s of got) if (s) out.push(s);
    report.tarballs += keys.length;
    progress(`  read ${report.tarballs} tarball(s)`);
  }
  return out;
}

/** The rebuild applied to `current` (null: nothing changes). Pure, so it can run again after a lost race. */
function rebuild(
  current: IndexFile,
  scanned: Scanned[],
  drop: Set<string>,
  report: ReindexReport,
): IndexFile | null {
  const out: IndexFile = { ...current, entries: { ...current.entries }, generated: new Date().toISOString() };
  const touched = new Set<string>();
  const edit = (name: string) => {
    if (!touched.has(name)) out.entries[name] = [...(out.entries[name] ?? [])];
    touched.add(name);
    return out.entries[name];
  };
  report.added = [];
  report.replaced = [];
  report.refreshed = [];
  report.dropped = [];
  for (const { entry } of scanned) {
    const existing = out.entries[entry.name]?.find((e) => e.version === entry.version);
    if (!existing) {
      edit(entry.name).push(entry);
      report.added.push(label(entry));
    } else if (existing.digest !== entry.digest) {
      const list = edit(entry.name);
      list[list.findIndex((e) => e.version === entry.version)] = entry;
      report.replaced.push(label(entry));
    } else if (metadataDiff(existing, entry).length > 0) {
      const list = edit(entry.name);
      list[list.findIndex((e) => e.version === entry.version)] = {
        ...entry,
        created: existing.created,
        urls: existing.urls,
      };
      report.refreshed.push(label(entry));
    }
  }
  for (const [name, list] of Object.entries(out.entries)) {
    if (!list.some((e) => drop.has(label(e)))) continue;
    const kept = edit(name).filter((e) => !drop.has(label(e)));
    report.dropped.push(...list.filter((e) => drop.has(label(e))).map(label));
    if (kept.length === 0) delete out.entries[name];
    else out.entries[name] = kept;
  }
  for (const name of touched) if (out.entries[name]) sortVersions(out.entries[name]);
  const changed =
    report.added.length + report.replaced.length + report.refreshed.length + report.dropped.length;
  return changed > 0 ? out : null;
}

export async function reindexRepository(opts: ReindexOptions): Promise<ReindexReport> {
  const report = await withStorage(opts, (storage) => reindexStorage(storage, opts));
  return {
    ...report,
    target: redactSecrets(report.target),
    unreadable: report.unreadable.map((u) => ({ ...u, message: redactSecrets(u.message) })),
  };
}

export async function reindexStorage(storage: Storage, opts: ReindexOptions): Promise<ReindexReport> {
  const progress = opts.onProgress ?? (() => undefined);
  const report: ReindexReport = {
    target: storage.location,
    dryRun: Boolean(opts.dryRun),
    tarballs: 0,
    added: [],
    replaced: [],
    refreshed: [],
    dropped: [],
    missingKept: [],
    unreadable: [],
    indexWasMalformed: false,
    index: { action: 'unchanged', entries: 0, attempts: 0 },
    traffic: storage.stats,
  };
  const read = await readIndexOrFinding(storage);
  let first: RemoteIndex | null = null;
  if ('index' in read) first = read;
  else if (read.etag !== undefined) {
    // malformed: replaced by the rebuild, still conditionally on the bytes we judged
    report.indexWasMalformed = true;
    first = { index: newIndex(), etag: read.etag };
    progress(
      `${storage.describe('index.yaml')} is malformed (${read.finding.message}); rebuilding it from the tarballs`,
    );
  }
  progress(`listing ${storage.location}`);
  const scanned = await scan(storage, opts, report);
  // entries of the index we read whose tarball is not stored
  const stored = new Set(scanned.map((s) => s.key));
  const missing: IndexEntry[] = [];
  for (const e of Object.values(first?.index.entries ?? {}).flat()) {
    const r = keyOfUrl(e.urls?.[0], opts.baseUrl);
    if ('key' in r && !stored.has(r.key) && !report.unreadable.some((u) => u.key === r.key)) missing.push(e);
  }
  const drop = new Set<string>();
  if (opts.dropMissing) {
    // checked again just before writing: a publisher may have re-uploaded one since the listing
    await mapLimit(missing, opts.concurrency ?? DEFAULT_CONCURRENCY, async (e) => {
      const r = keyOfUrl(e.urls?.[0], opts.baseUrl);
      if ('key' in r && !(await storage.head(r.key))) drop.add(label(e));
    });
  }
  report.missingKept = missing.map(label).filter((l) => !drop.has(l));
  // the stored serialisation is kept unless asked otherwise
  const format = opts.indexFormat ?? first?.format ?? 'yaml';
  const planned = rebuild(first?.index ?? newIndex(), scanned, drop, report);
  const count = Object.values((planned ?? first?.index ?? newIndex()).entries).flat().length;
  // a dry run, or nothing to change: nothing is written, not even the probe's scratch object
  if (opts.dryRun || (planned === null && !report.indexWasMalformed)) {
    report.index = {
      action: planned === null ? 'unchanged' : first ? 'would-update' : 'would-create',
      entries: count,
      attempts: 0,
    };
    return report;
  }
  const probe = await probePreconditions(storage);
  const honoured = probe.ifNoneMatch && probe.ifMatch !== null;
  if (!honoured && !opts.singleWriter)
    throw new PipelineError(
      `${storage.location} ignores conditional writes, so a publish running at the same time could be lost; ` +
        'refusing to reindex (pass --single-writer if nothing else writes to it meanwhile)',
    );
  let isFirst = true;
  const outcome = await rewriteIndex(
    storage,
    first,
    (current) => {
      // after a lost race the index is whatever the winner wrote: rebuild on top of it
      const base = isFirst && report.indexWasMalformed ? newIndex() : (current?.index ?? newIndex());
      isFirst = false;
      return rebuild(base, scanned, drop, report);
    },
    { format, ifMatchForm: honoured ? probe.ifMatch : null, maxAttempts: opts.maxAttempts },
  );
  const final = outcome.index;
  report.index = {
    action: outcome.action,
    entries: final ? Object.values(final.entries).flat().length : 0,
    attempts: outcome.attempts,
  };
  return report;
}

export function formatReindexReport(r: ReindexReport): string {
  const lines: string[] = [];
  const list = (what: string, items: string[]) => {
    if (items.length > 0)
      lines.push(
        `${what} (${items.length}): ${items.slice(0, 20).join(', ')}${items.length > 20 ? ', …' : ''}`,
      );
  };
  if (r.indexWasMalformed) lines.push('index.yaml was malformed: rebuilt from the stored tarballs');
  list(r.dryRun ? 'would add' : 'added', r.added);
  list(r.dryRun ? 'would replace (digest differed)' : 'replaced (digest differed)', r.replaced);
  list(r.dryRun ? 'would refresh metadata' : 'refreshed metadata', r.refreshed);
  list(r.dryRun ? 'would drop (tarball missing)' : 'dropped (tarball missing)', r.dropped);
  list('tarball missing, entry kept (pass --drop-missing to drop)', r.missingKept);
  for (const u of r.unreadable) lines.push(`skipped ${u.key}: ${u.message}`);
  lines.push(
    `${r.target}: ${r.tarballs} tarball(s) read; index.yaml ${r.index.action} (${r.index.entries} entries, ` +
      `${r.index.attempts} attempt(s)); ${r.traffic.requests} request(s)`,
  );
  return `${lines.join('\n')}\n`;
}
