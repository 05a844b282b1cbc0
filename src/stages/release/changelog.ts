/**
 * A version is published with the changes it brings: its Chart.yaml carries `artifacthub.io/changes`,
 * which `render` derives from the chart's typed changelog (src/model/changelog.ts) when it has an entry for
 * that version. `release` refuses to publish a new version without one.
 */
import type { ChartArchive } from '../../helm/chart/archive.ts';
import { CHANGES_ANNOTATION } from '../../model/changelog.ts';

/** Why `archive` may not be published as a new version, or undefined when its changes are stated. */
export function missingChangelog(archive: ChartArchive): string | undefined {
  const { name, version, annotations } = archive.metadata;
  if (annotations?.[CHANGES_ANNOTATION]?.trim()) return undefined;
  return (
    `${name} ${version} has no changelog entry (Chart.yaml has no ${CHANGES_ANNOTATION}): add ` +
    `{ version: '${version}', changes: [...] } to chart-src/${name}/changelog.ts and render again`
  );
}
