/**
 * Publish, no-op or refuse one chart version on one target: the decision `release` and `publish` share
 * (src/helm/chart/same-content.ts holds the rule and its wording).
 */
import type { ChartArchive } from '../helm/chart/archive.ts';
import {
  differentPublishedMessage,
  samePublishedMessage,
  sameVersionChanges,
} from '../helm/chart/same-content.ts';
import type { PublishedChart } from './target.ts';

export type ChartAction = 'publish' | 'unchanged' | 'refused';

export interface ChartDecision {
  name: string;
  version: string;
  published: string[];
  action: ChartAction;
  /** Why it is refused (refused only). */
  reason?: string;
  /** unchanged only: that the same content is already there, in the words `publish` uses too. */
  note?: string;
}

/**
 * Same version already published: the same content (see same-content.ts) is a no-op even when the
 * bytes differ; other content is refused, or replaced with `force` (publish --force).
 */
export function decide(
  built: ChartArchive,
  published: PublishedChart | undefined,
  opts: { force?: boolean; canForce?: boolean } = {},
): ChartDecision {
  const { name, version } = built.metadata;
  const versions = published?.versions ?? [];
  const current = published?.current;
  if (!current) return { name, version, published: versions, action: 'publish' };
  const changed = sameVersionChanges(built.files, current.archive.files);
  if (changed.length === 0)
    return {
      name,
      version,
      published: versions,
      action: 'unchanged',
      note: samePublishedMessage(name, version, current.location),
    };
  if (opts.force) return { name, version, published: versions, action: 'publish' };
  const reason = differentPublishedMessage(
    name,
    version,
    current.location,
    changed,
    opts.canForce ? 'can-force' : undefined,
  );
  return { name, version, published: versions, action: 'refused', reason };
}
