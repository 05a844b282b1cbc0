/**
 * The one result type of publishing, whatever the target, and its one text form: `publish` prints it,
 * `release` prints it per target, and `--json` of both emits it as is (schemas/publish-summary.schema.json).
 * The two kinds share `kind`, `target` and `dryRun`; the details differ because a chart repository
 * writes objects and an index while a registry moves tags.
 */
import type { OciPushResult } from '../helm/oci/push.ts';
import type { EtagForm } from './probe.ts';
import type { MetadataResult } from './repository/metadata-objects.ts';
import type { UploadAction } from './repository/objects.ts';
import type { IndexUpdate } from './repository/remote-index.ts';
import type { TrafficStats } from './storage.ts';

/** `repository`: index.yaml + tarballs (file://, s3://); `oci`: tags in an OCI registry. */
export type TargetKind = 'repository' | 'oci';

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

export interface RepositoryPublishSummary {
  kind: 'repository';
  target: string;
  dryRun: boolean;
  store: {
    conditionalWrites: 'honoured' | 'ignored' | 'not probed';
    ifMatchForm: EtagForm | null;
    singleWriter: boolean;
  };
  objects: PublishedObject[];
  index: IndexUpdate;
  traffic: TrafficStats;
  /** Only when metadata objects were given. */
  metadata?: MetadataResult[];
}

export interface OciPublishSummary {
  kind: 'oci';
  target: string;
  dryRun: boolean;
  charts: (OciPushResult & { file: string })[];
}

export type PublishSummary = RepositoryPublishSummary | OciPublishSummary;

function ociAction(c: OciPushResult): string {
  if (c.status === 'planned') return c.replaced ? 'would-replace' : 'would-push';
  return c.replaced ? 'replaced' : c.status;
}

/** One line per object, tag or index change, indented under the caller's header. */
export function publishSummaryLines(s: PublishSummary): string[] {
  const row = (action: string, what: string) => `  ${action.padEnd(13)} ${what}`;
  if (s.kind === 'oci')
    return s.charts.map((c) =>
      row(ociAction(c), `${c.ref}  ${c.digest}${c.tombstone ? `  (tombstone ${c.tombstone})` : ''}`),
    );
  const lines = s.objects.map((o) => row(o.action, `${o.location}${o.digest ? `  sha256:${o.digest}` : ''}`));
  lines.push(row(s.index.action, `${s.index.key} (${s.index.entries} entries)`));
  for (const a of s.index.added) lines.push(`    + ${a}`);
  for (const m of s.metadata ?? []) lines.push(row(m.action, m.location));
  if (s.store.conditionalWrites === 'ignored') {
    lines.push(
      '  warning: the store ignores conditional writes; safe only because --single-writer was given',
    );
  }
  return lines;
}

export function publishHeader(dryRun: boolean, target: string): string {
  return `${dryRun ? 'plan for' : 'published to'} ${target}`;
}

export function formatPublishSummary(s: PublishSummary): string {
  return `${[publishHeader(s.dryRun, s.target), ...publishSummaryLines(s)].join('\n')}\n`;
}
