/**
 * Names of the file target's own files next to the objects: hidden (a leading dot), so `serve` never
 * answers them and nothing lists them as charts.
 *
 * A stage is a complete new version of one object, waiting to be renamed over it. Its name records
 * which version of the object it was built on (`base`: the MD5 of the content read, `none` for "only
 * if absent", `any` for an unconditional write), so that a committer can revoke every stage built on
 * something else (see commit.ts). It ends in `.part`, so no `*.tgz` glob (`index DIR`, helm's) takes a
 * stage of a tarball for a chart.
 */
export const STAGE_PREFIX = '.vineyard-stage.';

export type Base = string; // 32 hex digits | 'none' | 'any'

export interface StageName {
  base: Base;
  token: string;
  /** File name of the object the stage would replace. */
  target: string;
}

const STAGE = /^\.vineyard-stage\.([0-9a-f]{32}|none|any)\.([0-9a-f]{16})\.(.+)\.part$/;

export function stageName(s: StageName): string {
  return `${STAGE_PREFIX}${s.base}.${s.token}.${s.target}.part`;
}

export function parseStageName(name: string): StageName | null {
  const m = STAGE.exec(name);
  return m ? { base: m[1], token: m[2], target: m[3] } : null;
}

/** What earlier versions left after a crash: `<object>.tmp-<pid>-<hex>` and the old lock file. */
const LEGACY = /(\.tmp-\d+-[0-9a-f]{8}$)|(^\.publish\.lock$)/;

export function isLeftover(name: string): boolean {
  return name.startsWith(STAGE_PREFIX) || LEGACY.test(name);
}
