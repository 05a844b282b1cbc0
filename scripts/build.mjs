#!/usr/bin/env node
/**
 * src/ -> dist/: the JavaScript the bin runs, so that no TypeScript is transpiled at start-up.
 *
 * Run by `npm ci` / `npm install` (the `prepare` script), by `npm test`'s global setup, `npm run check`
 * and `npm run bench`, and by hand as `npm run build`. Transpile only, one output file per source file
 * (esbuild, ~0.3 s); type checking is `tsc --noEmit`'s job (`npm run check`). The new tree is written
 * beside dist/ and swapped in with renames, so a bin starting meanwhile sees the old tree, none, or the
 * new one, never a half-written one (and without dist/ the bin runs the sources; bin/vineyard-charts.cjs).
 * `dist/.build-stamp` is written last: the bin compares src/'s mtimes with it to notice a stale build.
 *
 * Plain JavaScript, so that it runs before anything is built. `--if-stale` builds only when the stamp is
 * older than a file or directory under src/.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

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

export async function buildDist({ ifStale = false } = {}) {
  const { files, newest } = walk(SRC);
  const stamp = path.join(DIST, STAMP);
  if (ifStale && existsSync(stamp) && statSync(stamp).mtimeMs >= newest) return false;
  const tmp = `${DIST}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
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
  await bundleCommands(tmp);
  writeFileSync(path.join(tmp, STAMP), '');
  const old = `${DIST}.old-${process.pid}`;
  if (existsSync(DIST)) renameSync(DIST, old);
  renameSync(tmp, DIST);
  rmSync(old, { recursive: true, force: true });
  return true;
}

/**
 * Commands run from one file: main.ts with that command's whole module graph and its packages, which
 * Node loads as one ES module instead of ~50 (for `index`, ~30 ms of a ~0.28 s merge into a
 * 20,000-entry index, the run issue 13 measures against helm). bin/vineyard-charts.cjs runs
 * dist/bundles/<command>.js when there is one, dist/cli/main.js otherwise; the per-file tree stays
 * (the helper thread, tests and every other command load it).
 *
 * A bundle holds its own copy of every module, so it is only for a command whose graph no code loads
 * by its per-file path in the same process (the chart sources' loader hooks do, so render, lint and
 * release stay per-file), and whose packages are small: both are checked here.
 */
export const BUNDLED_COMMANDS = { index: 'repo-index.ts' };
const BUNDLE_MAX_BYTES = 1024 * 1024;
const PER_FILE_ONLY = ['src/model/chart-source.ts'];

async function bundleCommands(tmp) {
  const bundles = path.join(tmp, 'bundles');
  for (const [command, file] of Object.entries(BUNDLED_COMMANDS)) {
    const outfile = path.join(bundles, `${command}.js`);
    /** Path from the bundle to a module's per-file output, as an import specifier. */
    const perFile = (source) => {
      const rel = path.relative(bundles, path.join(tmp, path.relative(SRC, source))).replace(/\.ts$/, '.js');
      return rel.startsWith('.') ? rel : `./${rel}`;
    };
    const result = await build({
      entryPoints: [path.join(SRC, 'cli', 'main.ts')],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
      metafile: true,
      // CommonJS packages in an ES module bundle call require() (esbuild's __require looks for it).
      banner: {
        js: "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);",
      },
      plugins: [
        {
          name: 'one-command',
          setup(b) {
            // main.ts's other commands stay per-file (never loaded when this command runs).
            b.onResolve({ filter: /\/commands\// }, (args) => {
              const source = path.resolve(args.resolveDir, args.path);
              return path.basename(source) === file ? undefined : { path: perFile(source), external: true };
            });
            // import.meta.url means the module's per-file location, as in dist/cli/main.js's tree
            // (paths.ts's PROJECT_ROOT, the helper thread's worker file); createRequire(...)(pkg) and
            // a module-wide `const require = createRequire(...)` become plain require, so that esbuild
            // bundles the package (src/util/semver.ts's run-time requires took ~4 ms).
            b.onLoad({ filter: /\.ts$/ }, async (args) => {
              const text = await readFile(args.path, 'utf8');
              const url = `new URL(${JSON.stringify(perFile(args.path))}, import.meta.url).href`;
              return {
                contents: text
                  .replace(/^const require = createRequire\(import\.meta\.url\);$/m, '')
                  .replaceAll('createRequire(import.meta.url)(', 'require(')
                  .replaceAll('import.meta.url', url),
                loader: 'ts',
              };
            });
          },
        },
      ],
    });
    const inputs = Object.keys(result.metafile.inputs);
    const shared = inputs.filter((input) => PER_FILE_ONLY.includes(input));
    if (shared.length > 0)
      throw new Error(`bundle ${command}: holds ${shared.join(', ')}, which must stay per-file`);
    const bytes = statSync(outfile).size;
    if (bytes > BUNDLE_MAX_BYTES)
      throw new Error(`bundle ${command}: ${bytes} bytes; keep its packages small`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  const built = await buildDist({ ifStale: process.argv.includes('--if-stale') });
  if (built) console.error(`dist/ built in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
}
