/**
 * A chart's changelog, typed: one entry per chart version, each change of one of Artifact Hub's kinds.
 * It renders the `artifacthub.io/changes` annotation of that version's Chart.yaml (Artifact Hub's
 * structured form), `artifacthub.io/prerelease` for prerelease versions, and the README's "Changes"
 * section; `release` refuses a version without an entry.
 */
import * as yaml from 'js-yaml';
import semver from 'semver';

/** Artifact Hub's kinds (https://artifacthub.io/docs/topics/annotations/helm/). */
export const CHANGE_KINDS = ['added', 'changed', 'deprecated', 'removed', 'fixed', 'security'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface Change {
  kind: ChangeKind;
  description: string;
  links?: { name: string; url: string }[];
}

export interface ChangelogEntry {
  /** The chart version (SemVer 2) this entry describes. */
  version: string;
  changes: Change[];
}

export type Changelog = readonly ChangelogEntry[];

export const CHANGES_ANNOTATION = 'artifacthub.io/changes';
export const PRERELEASE_ANNOTATION = 'artifacthub.io/prerelease';

/** Problems with the changelog itself (empty, duplicate or invalid versions, unknown kinds). */
export function changelogProblems(changelog: Changelog): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of changelog) {
    if (!semver.valid(entry.version))
      problems.push(`version ${JSON.stringify(entry.version)} is not SemVer 2`);
    else if ([...seen].some((v) => semver.eq(v, entry.version)))
      problems.push(`version ${entry.version} has two entries`);
    seen.add(entry.version);
    if (entry.changes.length === 0) problems.push(`version ${entry.version} lists no changes`);
    for (const change of entry.changes) {
      if (!CHANGE_KINDS.includes(change.kind))
        problems.push(
          `version ${entry.version}: kind ${JSON.stringify(change.kind)} is not one of ${CHANGE_KINDS.join(', ')}`,
        );
      if (!change.description.trim()) problems.push(`version ${entry.version}: a change has no description`);
    }
  }
  return problems;
}

export function entryFor(changelog: Changelog, version: string): ChangelogEntry | undefined {
  return changelog.find(
    (e) => semver.valid(e.version) && semver.valid(version) && semver.eq(e.version, version),
  );
}

/** The annotations a version's Chart.yaml gets from the changelog (none when it has no entry). */
export function changelogAnnotations(changelog: Changelog, version: string): Record<string, string> {
  const out: Record<string, string> = {};
  const entry = entryFor(changelog, version);
  if (entry) {
    const changes = entry.changes.map((c) => ({
      kind: c.kind,
      description: c.description,
      ...(c.links?.length ? { links: c.links } : {}),
    }));
    out[CHANGES_ANNOTATION] = yaml.dump(changes, { lineWidth: -1, noRefs: true });
  }
  if (semver.prerelease(version)) out[PRERELEASE_ANNOTATION] = 'true';
  return out;
}

/** The README section: newest version first, each change as "**kind**: description". */
export function changelogMarkdown(changelog: Changelog): string {
  const entries = [...changelog].sort((a, b) => semver.rcompare(a.version, b.version));
  const lines = ['## Changes', ''];
  for (const entry of entries) {
    lines.push(`### ${entry.version}${semver.prerelease(entry.version) ? ' (prerelease)' : ''}`, '');
    for (const c of entry.changes) {
      const links = (c.links ?? []).map((l) => ` ([${l.name}](${l.url}))`).join('');
      lines.push(`- **${c.kind}**: ${c.description}${links}`);
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}
