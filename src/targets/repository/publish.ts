/**
 * The publish protocol of a chart repository (file://, s3://), over any `Storage`. The repository is
 * never wrong, whatever fails or runs at the same time:
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
import { type ProbeResult, probePreconditions } from '../probe.ts';
import type { Storage } from '../storage.ts';
import type { ObjectAction, PublishedObject, RepositoryPublishSummary } from '../summary.ts';
import type { PublishOptions } from '../target.ts';
import type { ChartInput } from './inputs.ts';
import {
  inspectMetadata,
  type MetadataObject,
  type MetadataResult,
  plannedMetadataAction,
  putMetadata,
} from './metadata-objects.ts';
import { type ImmutableObject, inspect, refusal, type StoredState, upload } from './objects.ts';
import { planIndexOnly, readIndex, updateIndex } from './remote-index.ts';
import { checkTombstones } from './tombstones.ts';

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

/** Publishes loaded charts (none is fine when metadata objects are given) into the repository. */
export async function publishToRepository(
  storage: Storage,
  inputs: ChartInput[],
  opts: PublishOptions,
): Promise<RepositoryPublishSummary> {
  const progress = opts.onProgress ?? (() => undefined);
  const extras = opts.metadataObjects ?? [];
  const current = await readIndex(storage);
  const created = new Date();
  const entries = inputs.map((i) => entryFor(i.archive, chartUrl(opts.baseUrl, i.fileName), created));
  const planned: Planned[] = [];
  for (const p of planObjects(inputs)) planned.push({ ...p, state: await inspect(storage, p.obj) });
  for (const p of planned) {
    if (p.state.kind === 'different' && !opts.force) throw refusal(storage, p.obj, p.state.info);
  }
  // a version taken back with `unpublish` comes back only with the same content (or --force); one
  // stored with these very bytes already (e.g. forced back earlier) is past its tombstone
  const stored = new Set(
    planned.filter((p) => p.kind === 'chart' && p.state.kind === 'same').map((p) => p.input),
  );
  await checkTombstones(
    storage,
    inputs
      .filter((i) => !stored.has(i))
      .map((i) => ({
        name: i.archive.metadata.name,
        version: i.archive.metadata.version,
        digest: i.archive.digest,
        files: i.archive.files,
      })),
    Boolean(opts.force),
  );
  // refuses, before anything is written, an index that already has these versions with other digests
  const indexPlan = planIndexOnly(current, entries, opts.force);
  const summary: RepositoryPublishSummary = {
    kind: 'repository',
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
}
