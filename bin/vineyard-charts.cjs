#!/usr/bin/env node
// CommonJS, not an ES module: Node starts an ES module entry ~5 ms later, and a lone `--version` (what
// CI steps and scripts call most; `helm version` answers in ~40 ms) is answered here from package.json
// without loading anything else.
//
// Everything else runs the compiled JavaScript in dist/, which `npm ci` / `npm install` build (the
// `prepare` script: scripts/build.mjs), so nothing is transpiled at start-up. When dist/ is missing or
// older than a file under src/ (a checkout edited since its last build), the sources run through tsx
// instead: slower to start, never stale. `npm run build` makes it fast again; `npm test`, `npm run
// check` and `npm run bench` build first.
'use strict';
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

/** The newest mtime of src/ (directories and files) is after dist's build stamp, or dist is missing. */
function distIsStale() {
  let stamp;
  try {
    stamp = statSync(path.join(root, 'dist', '.build-stamp')).mtimeMs;
  } catch {
    return true;
  }
  const walk = (dir) => {
    if (statSync(dir).mtimeMs > stamp) return true;
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, d.name);
      if (d.isDirectory() ? walk(full) : statSync(full).mtimeMs > stamp) return true;
    }
    return false;
  };
  try {
    return walk(path.join(root, 'src'));
  } catch {
    return false; // no src/: an installed copy, run what was built
  }
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // One place for the version: package.json (src/cli/version.ts reads it too).
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(141); // a reader that went away, as in src/cli/main.ts
    throw err;
  });
  process.stdout.write(`${typeof version === 'string' ? version : '0.0.0'}\n`);
} else if (distIsStale()) {
  import('tsx/esm/api')
    .then(({ register }) => {
      register();
      return import('../src/cli/main.ts');
    })
    .catch(fail);
} else {
  // A command built into one file (scripts/build.mjs: BUNDLED_COMMANDS) starts from its loader, which
  // runs it with V8's code cache: one module to load instead of ~50, little to compile. The same
  // main.ts, so the same behaviour.
  const bundle = /^[a-z][a-z-]*$/.test(args[0] ?? '') && path.join(root, 'dist', 'bundles', `${args[0]}.cjs`);
  if (bundle && existsSync(bundle)) {
    try {
      require(bundle);
    } catch (err) {
      fail(err);
    }
  } else {
    import('../dist/cli/main.js').catch(fail);
  }
}

function fail(err) {
  process.stderr.write(
    `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
}
