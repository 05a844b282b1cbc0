/**
 * `writeSnapshot` turns what a release target already holds (Target.readPublished, src/targets/) into a
 * local index.yaml + tarballs; it lives in src/targets/snapshot.ts, shared with `lint --against`.
 */
export { writeSnapshot } from '../../targets/snapshot.ts';
