#!/usr/bin/env node
// Runs the compiled JavaScript in dist/, which `npm ci` / `npm install` build (the `prepare` script:
// scripts/build.mjs), so nothing is transpiled at start-up. When dist/ is missing or older than a file
// under src/ (a checkout edited since its last build), the sources run through tsx instead: slower to
// start, never stale. `npm run build` makes it fast again; `npm test`, `npm run check` and `npm run bench`
// build first.
import { readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

/** The newest mtime of src/ (directories and .ts files) is after dist's build stamp, or dist is missing. */
function distIsStale() {
  let stamp;
  try {
    stamp = statSync(new URL('dist/.build-stamp', root)).mtimeMs;
  } catch {
    return true;
  }
  const walk = (dir) => {
    if (statSync(dir).mtimeMs > stamp) return true;
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (d.isDirectory() ? walk(new URL(`${d.name}/`, dir)) : statSync(new URL(d.name, dir)).mtimeMs > stamp)
        return true;
    }
    return false;
  };
  try {
    return walk(new URL('src/', root));
  } catch {
    return false; // no src/: an installed copy, run what was built
  }
}

if (distIsStale()) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  await import('../dist/cli/main.js');
}
