/** sprig's semver.go (Masterminds/semver) on top of npm's semver, bridging the syntax differences. */
import semver from 'semver';
import type { TemplateFunc } from '../exec.ts';
import { s2, str } from './args.ts';

function semverCompare(constraint: string, version: string): boolean {
  const v = semver.coerce(version, { includePrerelease: true, loose: true });
  const clean = semver.clean(version, { loose: true }) ?? v?.version;
  if (!clean) throw new Error(`Invalid Semantic Version`);
  const range = constraint
    .split('||')
    .map((part) =>
      part
        .replace(/,/g, ' ')
        // npm's parser needs a full x.y.z before a prerelease; Masterminds accepts "1.21-0".
        .replace(/(?<![\d.])(\d+)\.(\d+)(?=-[0-9A-Za-z])/g, '$1.$2.0')
        .replace(/(?<![\d.])(\d+)(?=-[0-9A-Za-z])/g, '$1.0.0'),
    )
    .join('||');
  // Masterminds/semver lets a constraint with a prerelease (">=1.21-0") match any prerelease version.
  return semver.satisfies(clean, range, { loose: true, includePrerelease: constraint.includes('-') });
}

export const SEMVER_FUNCS: Record<string, TemplateFunc> = {
  semverCompare: s2(semverCompare),
  // A *semver.Version's exported fields, so `(semver "1.2.3").Major` works.
  semver: ([s]) => {
    const v = semver.parse(str(s), { loose: true });
    if (!v) throw new Error('Invalid Semantic Version');
    return {
      Major: BigInt(v.major),
      Minor: BigInt(v.minor),
      Patch: BigInt(v.patch),
      Prerelease: v.prerelease.join('.'),
      Metadata: v.build.join('.'),
      Original: str(s),
    };
  },
};
