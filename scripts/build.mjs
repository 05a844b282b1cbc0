#!/usr/bin/env node
/**
 * src/ -> dist/: the JavaScript the bin runs, so that no TypeScript is transpiled at start-up.
 *
 * Run by `npm ci` / `npm install` (the `prepare` script), by `npm test`'s global setup, `npm run check`
 * and `npm run bench`, and by hand as `npm run build`. Transpile only, one output file per source file
 * (esbuild, ~0.3 s), plus the commands built into one file each (bundle-commands.mjs: `index`); type
 * checking is `tsc --noEmit`'s job (`npm run check`). The new tree is written
 * beside dist/ and swapped in with renames, so a bin starting meanwhile sees the old tree, none, or the
 * new one, never a half-written one (and without dist/ the bin runs the sources; bin/vineyard-charts.cjs).
 * `dist/.build-stamp` is written last: the bin compares src/'s mtimes with it to notice a stale build.
 *
 * Plain JavaScript, so that it runs before anything is built. `--if-stale` builds only when the stamp is
 * older than a file or directory under src/ or one of the build's own scripts. A failed build leaves
 * dist/ as it was and no temporary tree.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleCommands } from './bundle-commands.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
export const STAMP = '.build-stamp';

/** Every .ts file under dir (not .d.ts), and the newest mtime of those files and their directories. */
function walk(dir, files = [], newest = { ms: statSync(dir).mtimeMs }) {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) walk(full, files, newest);
    else if (d.name.endsWith('.ts') && !d.name.endsWith('.d.ts')) {
      files.push(full);
      newest.ms = Math.max(newest.ms, statSync(full).mtimeMs);
    }
  }
  return { files, newest: newest.ms };
}

/** Relative imports keep their place, `.ts` becoming `.js`; packages stay imports too (no bundling). */
const keepImports = {
  name: 'keep-imports',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: args.path.replace(/\.ts$/, '.js'), external: true },
    );
  },
};

/** The build's own files: a change to them, too, makes dist/ stale. */
const BUILD_FILES = ['build.mjs', 'bundle-commands.mjs', 'bundle-loader.cjs'].map((f) =>
  path.join(ROOT, 'scripts', f),
);

export async function buildDist({ ifStale = false } = {}) {
  const { files, newest: newestSource } = walk(SRC);
  const newest = Math.max(newestSource, ...BUILD_FILES.map((f) => statSync(f).mtimeMs));
  const stamp = path.join(DIST, STAMP);
  if (ifStale && existsSync(stamp) && statSync(stamp).mtimeMs >= newest) return false;
  const tmp = `${DIST}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    await buildTree(files, tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const old = `${DIST}.old-${process.pid}`;
  if (existsSync(DIST)) renameSync(DIST, old);
  renameSync(tmp, DIST);
  rmSync(old, { recursive: true, force: true });
  return true;
}

/** The whole new tree in `tmp`, its build stamp last. */
async function buildTree(files, tmp) {
  await build({
    entryPoints: files,
    outdir: tmp,
    outbase: SRC,
    bundle: true, // with every import external (above): one output file per source file
    packages: 'external',
    plugins: [keepImports],
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  await bundleCommands(ROOT, tmp);
  writeFileSync(path.join(tmp, STAMP), '');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  const built = await buildDist({ ifStale: process.argv.includes('--if-stale') });
  if (built) console.error(`dist/ built in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
}
