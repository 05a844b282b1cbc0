/**
 * Part of scripts/build.mjs: the commands built into one file each, beside the per-file dist/ tree.
 * Plain JavaScript, like build.mjs, so that it runs before anything is built.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

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

/** Builds every BUNDLED_COMMANDS bundle of the project at `root` into the new tree `tmp` (dist/'s). */
export async function bundleCommands(root, tmp) {
  const src = path.join(root, 'src');
  const bundles = path.join(tmp, 'bundles');
  for (const [command, file] of Object.entries(BUNDLED_COMMANDS)) {
    const outfile = path.join(bundles, `${command}.bundle.cjs`);
    /** Path from the bundle to a module's per-file output. */
    const perFile = (source) =>
      path.relative(bundles, path.join(tmp, path.relative(src, source))).replace(/\.ts$/, '.js');
    const result = await build({
      entryPoints: [path.join(src, 'cli', 'main.ts')],
      absWorkingDir: root, // metafile paths relative to the project, for PER_FILE_ONLY
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
    copyFileSync(path.join(root, 'scripts', 'bundle-loader.cjs'), loader);
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
