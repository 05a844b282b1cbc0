/** Checks on --to targets that need the file system, shared by publish and release. */
import path from 'node:path';
import { checkOutputDir } from '../util/output-dir.ts';

/** Every file://DIR must be a directory we can write, or be creatable as one (checked before any work). */
export async function checkFileTargets(targets: string[]): Promise<void> {
  for (const to of targets) {
    if (!to.startsWith('file://')) continue;
    const dir = path.resolve(to.slice('file://'.length));
    await checkOutputDir(dir, `expected a chart repository directory for --to ${to}`);
  }
}
