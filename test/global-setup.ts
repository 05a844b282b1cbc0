// The suite installs the real helm binaries itself: no test is ever skipped because helm is missing.
// It also (re)builds dist/ when src/ changed since the last build, so the CLI the tests spawn
// (bin/vineyard-charts.cjs) runs the compiled code, exactly as users run it.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ensureAllTools, PROJECT_ROOT } from '../src/tools/helm.ts';

export default async function setup(): Promise<void> {
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build.mjs'), '--if-stale'], {
    stdio: 'inherit',
  });
  await ensureAllTools();
}
