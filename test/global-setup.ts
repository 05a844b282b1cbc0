// The suite installs the real helm binaries itself: no test is ever skipped because helm is missing.
import { ensureAllTools } from '../src/tools/helm.ts';

export default async function setup(): Promise<void> {
  await ensureAllTools();
}
