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
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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
 * Node loads as one module instead of ~50 (for `index`, ~30 ms of a ~0.28 s merge into a
 * 20,000-entry index, the run issue 13 measures against helm), CommonJS so that it can run with V8's
 * code cache (scripts/bundle-loader.cjs: ~15 ms more). For each command, dist/bundles/ holds
 * <command>.cjs (the loader, which bin/vineyard-charts.cjs runs when it is there), <command>.bundle.cjs
 * and <command>.bundle.cjs.cache, written by one run of the command here (TRAINING). The per-file tree
 * stays: the helper thread, the tests and every other command load it.
 *
 * A bundle holds its own copy of every module, so it is only for a command whose graph no code loads
 * by its per-file path in the same process (the chart sources' loader hooks do, so render, lint and
 * release stay per-file), and whose packages are small: both are checked here.
 */
export const BUNDLED_COMMANDS = { index: 'repo-index.ts' };
const BUNDLE_MAX_BYTES = 1024 * 1024;
const PER_FILE_ONLY = ['src/model/chart-source.ts'];

/** One helm-layout entry of the training index (the shapes verbatim-entry.ts checks). */
const trainingEntry = (name, version, digest) => `  - annotations:
      artifacthub.io/changes: |
        - a change
      category: Database
    apiVersion: v2
    appVersion: 1.16.0
    created: "2024-01-01T00:00:00Z"
    dependencies:
    - name: common
      repository: https://charts.example.com
      version: 1.x.x
    description: A chart whose description is long enough for go-yaml to fold it over two lines, as
      helm writes long ones
    digest: ${digest.repeat(64)}
    home: https://example.com/${name}
    keywords:
    - db
    maintainers:
    - email: a@example.com
      name: A Maintainer
    name: ${name}
    urls:
    - https://charts.example.com/${name}-${version}.tgz
    version: ${version}
`;

/** Per command: the arguments of the build's run that writes the code cache, and its files. */
const TRAINING = {
  index: {
    files: {
      'old.yaml': `apiVersion: v1\nentries:\n  alpha:\n${trainingEntry('alpha', '1.1.0', 'a')}${trainingEntry('alpha', '1.0.0', 'b')}  beta:\n${trainingEntry('beta', '2.0.0', 'c')}generated: "2024-01-01T00:00:00Z"\n`,
      'repo/.keep': '',
    },
    args: ['index', 'repo', '--url', 'https://charts.example.com', '--merge', 'old.yaml'],
  },
};

async function bundleCommands(tmp) {
  const bundles = path.join(tmp, 'bundles');
  for (const [command, file] of Object.entries(BUNDLED_COMMANDS)) {
    const outfile = path.join(bundles, `${command}.bundle.cjs`);
    /** Path from the bundle to a module's per-file output. */
    const perFile = (source) =>
      path.relative(bundles, path.join(tmp, path.relative(SRC, source))).replace(/\.ts$/, '.js');
    const result = await build({
      entryPoints: [path.join(SRC, 'cli', 'main.ts')],
      outfile,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
      metafile: true,
      banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
      plugins: [
        {
          name: 'one-command',
          setup(b) {
            // main.ts's other commands stay per-file (never loaded when this command runs).
            b.onResolve({ filter: /\/commands\// }, (args) => {
              const source = path.resolve(args.resolveDir, args.path);
              return path.basename(source) === file
                ? undefined
                : { path: `./${perFile(source)}`, external: true };
            });
            // import.meta.url means the module's per-file location, as in dist/cli/main.js's tree
            // (paths.ts's PROJECT_ROOT, the helper thread's worker file); createRequire(...)(pkg) and
            // a module-wide `const require = createRequire(...)` become plain require, so that esbuild
            // bundles the package (src/util/semver.ts's run-time requires took ~4 ms).
            b.onLoad({ filter: /\.ts$/ }, async (args) => {
              const text = await readFile(args.path, 'utf8');
              const url = `new URL(${JSON.stringify(perFile(args.path))}, __bundleUrl).href`;
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
    const loader = path.join(bundles, `${command}.cjs`);
    copyFileSync(path.join(ROOT, 'scripts', 'bundle-loader.cjs'), loader);
    writeCodeCache(tmp, loader, TRAINING[command]);
  }
}

/** Runs the command once through its loader, which then writes the bundle's code cache. */
function writeCodeCache(tmp, loader, training) {
  const dir = path.join(tmp, '.training');
  for (const [name, text] of Object.entries(training.files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  const run = spawnSync(process.execPath, [loader, ...training.args], {
    cwd: dir,
    encoding: 'utf8',
    // The caller's VINEYARD_CHARTS_* settings would change what the run does (a flag from the environment).
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VINEYARD_CHARTS_'))),
      VINEYARD_CHARTS_CODE_CACHE: 'write',
      SOURCE_DATE_EPOCH: '1700000000',
    },
  });
  rmSync(dir, { recursive: true, force: true });
  if (run.status !== 0 || !existsSync(`${loader.replace(/\.cjs$/, '.bundle.cjs')}.cache`))
    throw new Error(
      `${path.basename(loader)} ${training.args.join(' ')} failed (${run.status}): ${run.stderr}`,
    );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  const built = await buildDist({ ifStale: process.argv.includes('--if-stale') });
  if (built) console.error(`dist/ built in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
}
