/**
 * `publishCharts`: the publish protocol. The repository is never wrong, whatever fails or runs at the
 * same time:
 *  1. read and strictly parse the current index (a corrupt one stops everything, nothing written);
 *  2. inspect every tarball/.prov already stored (a different one is refused unless --force);
 *  3. probe the store's conditional writes once (refuse stores that ignore them unless --single-writer);
 *  4. upload tarballs (+ .prov) with If-None-Match: *, verifying what was stored;
 *  5. only then merge the index and write it with If-Match (If-None-Match: * when creating), re-reading
 *     and merging again after a lost race, with bounded backoff. The index so never names a tarball
 *     that is not there, and a re-run after any failure converges.
 */
import { PipelineError } from '../../errors.ts';
import { chartUrl, entryFor } from '../../helm/repo/index-file.ts';
import { type EtagForm, type ProbeResult, probePreconditions } from '../../targets/probe.ts';
import { openStorage, parseTarget } from '../../targets/registry.ts';
import type { S3Options } from '../../targets/s3.ts';
import type { Storage } from '../../targets/storage.ts';
import { type ChartInput, loadCharts } from './inputs.ts';
import {
  inspectMetadata,
  type MetadataObject,
  type MetadataResult,
  plannedMetadataAction,
  putMetadata,
} from './metadata-objects.ts';
import {
  type ImmutableObject,
  inspect,
  refusal,
  type StoredState,
  type UploadAction,
  upload,
} from './objects.ts';
import { type IndexFormat, type IndexUpdate, planIndexOnly, readIndex, updateIndex } from './remote-index.ts';

export interface PublishOptions extends S3Options {
  /** file://DIR or s3://BUCKET[/PREFIX] */
  to: string;
  dryRun?: boolean;
  force?: boolean;
  singleWriter?: boolean;
  /** Absolute base URL for chart URLs in the index; default: URLs relative to the repository. */
  baseUrl?: string;
  indexFormat?: IndexFormat;
  maxIndexAttempts?: number;
  onProgress?: (message: string) => void;
  /** Use this store instead of opening `to` (tests, benchmarks). */
  storage?: Storage;
  /** Mutable files written next to index.yaml after it (artifacthub-repo.yml); replaced when different. */
  metadataObjects?: MetadataObject[];
}

export type ObjectAction = UploadAction | 'would-upload' | 'would-replace';

export interface PublishedObject {
  key: string;
  location: string;
  kind: 'chart' | 'provenance';
  chart: string;
  version: string;
  bytes: number;
  /** sha256 of the tarball (charts only), as written to the index */
  digest?: string;
  action: ObjectAction;
}

export interface PublishSummary {
  target: string;
  dryRun: boolean;
  store: {
    conditionalWrites: 'honoured' | 'ignored' | 'not probed';
    ifMatchForm: EtagForm | null;
    singleWriter: boolean;
  };
  objects: PublishedObject[];
  index: IndexUpdate;
  traffic: { requests: number; bytesSent: number; bytesReceived: number };
  /** Only when `metadataObjects` were given. */
  metadata?: MetadataResult[];
}

interface Planned {
  input: ChartInput;
  obj: ImmutableObject;
  kind: 'chart' | 'provenance';
  state: StoredState;
}

function planObjects(inputs: ChartInput[]): Omit<Planned, 'state'>[] {
  return inputs.flatMap((input) => {
    const chart = {
      input,
      kind: 'chart' as const,
      obj: { key: input.fileName, body: input.archive.bytes, contentType: 'application/gzip' },
    };
    if (!input.provenance) return [chart];
    const prov = {
      key: `${input.fileName}.prov`,
      body: input.provenance,
      contentType: 'application/pgp-signature',
    };
    return [chart, { input, kind: 'provenance' as const, obj: prov }];
  });
}

function describeObject(p: Planned, action: ObjectAction, storage: Storage): PublishedObject {
  const { metadata, digest } = p.input.archive;
  return {
    key: p.obj.key,
    location: storage.describe(p.obj.key),
    kind: p.kind,
    chart: metadata.name,
    version: metadata.version,
    bytes: p.obj.body.length,
    ...(p.kind === 'chart' ? { digest } : {}),
    action,
  };
}

function plannedAction(state: StoredState): ObjectAction {
  if (state.kind === 'same') return 'unchanged';
  return state.kind === 'absent' ? 'would-upload' : 'would-replace';
}

function refuseUnsafeStore(storage: Storage, probe: ProbeResult): never {
  const ignored = [!probe.ifNoneMatch && 'If-None-Match', probe.ifMatch === null && 'If-Match'].filter(
    Boolean,
  );
  throw new PipelineError(
    `${storage.location} ignores conditional writes (${ignored.join(' and ')} had no effect on a test object), ` +
      'so two publishers running at once could silently lose index entries. Refusing to publish. ' +
      'Pass --single-writer if you guarantee that no other publisher writes to this repository at the same time.',
  );
}

function kb(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
}

export async function publishCharts(tgzFiles: string[], opts: PublishOptions): Promise<PublishSummary> {
  const progress = opts.onProgress ?? (() => undefined);
  const target = opts.storage ? null : parseTarget(opts.to); // usage errors before any file is read
  const extras = opts.metadataObjects ?? [];
  // with metadata to publish, no chart is fine (a release whose charts are all already there)
  const inputs = tgzFiles.length === 0 && extras.length > 0 ? [] : await loadCharts(tgzFiles);
  const storage = opts.storage ?? (await openStorage(target ?? parseTarget(opts.to), opts));
  try {
    const current = await readIndex(storage);
    const created = new Date();
    const entries = inputs.map((i) => entryFor(i.archive, chartUrl(opts.baseUrl, i.fileName), created));
    const planned: Planned[] = [];
    for (const p of planObjects(inputs)) planned.push({ ...p, state: await inspect(storage, p.obj) });
    for (const p of planned) {
      if (p.state.kind === 'different' && !opts.force) throw refusal(storage, p.obj, p.state.info);
    }
    // refuses, before anything is written, an index that already has these versions with other digests
    const indexPlan = planIndexOnly(current, entries, opts.force);
    const summary: PublishSummary = {
      target: storage.location,
      dryRun: Boolean(opts.dryRun),
      store: { conditionalWrites: 'not probed', ifMatchForm: null, singleWriter: Boolean(opts.singleWriter) },
      objects: [],
      index: { key: 'index.yaml', action: 'unchanged', added: [], unchanged: [], entries: 0, attempts: 0 },
      traffic: storage.stats,
    };
    const extrasSeen = [];
    for (const obj of extras) extrasSeen.push({ obj, seen: await inspectMetadata(storage, obj) });
    const describeExtra = (obj: MetadataObject, action: MetadataResult['action']): MetadataResult => ({
      key: obj.key,
      location: storage.describe(obj.key),
      bytes: obj.body.length,
      action,
    });
    if (extras.length > 0)
      summary.metadata = extrasSeen.map((e) => describeExtra(e.obj, plannedMetadataAction(e.seen)));
    const nothingToWrite =
      planned.every((p) => p.state.kind === 'same') &&
      indexPlan.action === 'unchanged' &&
      extrasSeen.every((e) => e.seen.kind === 'same');
    // A no-op run writes nothing at all, not even the probe's scratch key.
    if (opts.dryRun || nothingToWrite) {
      summary.objects = planned.map((p) => describeObject(p, plannedAction(p.state), storage));
      summary.index = indexPlan;
      return summary;
    }
    const probe = await probePreconditions(storage);
    const honoured = probe.ifNoneMatch && probe.ifMatch !== null;
    summary.store.conditionalWrites = honoured ? 'honoured' : 'ignored';
    summary.store.ifMatchForm = probe.ifMatch;
    if (!honoured && !opts.singleWriter) refuseUnsafeStore(storage, probe);
    const ifMatchForm = honoured ? probe.ifMatch : null;
    for (const p of planned) {
      progress(`uploading ${p.obj.key} (${kb(p.obj.body.length)}) to ${storage.describe(p.obj.key)}`);
      const action = await upload(storage, p.obj, p.state, { force: Boolean(opts.force), ifMatchForm });
      progress(`  ${action}`);
      summary.objects.push(describeObject(p, action, storage));
    }
    progress(`updating ${storage.describe('index.yaml')}`);
    summary.index = await updateIndex(storage, current, entries, {
      force: Boolean(opts.force),
      ifMatchForm,
      format: opts.indexFormat ?? 'yaml',
      maxAttempts: opts.maxIndexAttempts,
    });
    progress(
      `  ${summary.index.action} (${summary.index.entries} entries, ${summary.index.attempts} attempt(s))`,
    );
    if (extras.length > 0) summary.metadata = [];
    for (const { obj, seen } of extrasSeen) {
      progress(`writing ${storage.describe(obj.key)}`);
      const action = await putMetadata(storage, obj, seen, ifMatchForm);
      progress(`  ${action}`);
      summary.metadata?.push(describeExtra(obj, action));
    }
    return summary;
  } finally {
    if (!opts.storage && 'destroy' in storage) (storage as { destroy(): void }).destroy();
  }
}
