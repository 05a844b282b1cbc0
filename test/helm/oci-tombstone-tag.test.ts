/**
 * The OCI tombstone tag (src/helm/oci/tombstone.ts) is a valid tag that no semver parser takes for a
 * version: helm v3/v4 list only tags that parse as semver (`_` read back as `+`), and so do
 * `readPublished` and `repo verify` (semver.valid). A `<version>.tombstone` suffix would not do: for
 * `1.0.0-rc.1` or `1.0.0+b.1` it is a valid version itself.
 */
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { isTombstoneTag, tombstoneTag } from '../../src/helm/oci/tombstone.ts';
import { semverTags } from '../../src/stages/repo/verify.ts';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

describe('tombstoneTag', () => {
  const versions = [
    '0.1.0',
    '1.0.0-rc.1',
    '1.0.0+build.1',
    '2.3.4-alpha.1+sha.5114f85',
    `1.0.0-${'x'.repeat(118)}`,
  ];
  it.each(versions)('%s: a valid tag, never semver (strict or loose), recognised as a tombstone', (v) => {
    const tag = tombstoneTag(v);
    expect(tag).toMatch(TAG);
    expect(isTombstoneTag(tag)).toBe(true);
    const asHelmReadsIt = tag.replaceAll('_', '+');
    expect(semver.valid(asHelmReadsIt)).toBeNull();
    expect(semver.valid(asHelmReadsIt, { loose: true })).toBeNull();
    expect(semverTags([tag, v.replaceAll('+', '_')])).toEqual([v.replaceAll('+', '_')]);
  });
  it('the suffix form would have been read as a version', () => {
    expect(semver.valid('1.0.0-rc.1.tombstone')).not.toBeNull();
    expect(tombstoneTag('0.1.0')).toBe('tombstone-0.1.0');
    expect(tombstoneTag('1.0.0+build.1')).toBe('tombstone-1.0.0_build.1');
    // distinct versions, distinct tags, also past the length limit
    expect(tombstoneTag(`1.0.0-${'x'.repeat(118)}`)).not.toBe(tombstoneTag(`1.0.0-${'x'.repeat(119)}`));
  });
});
