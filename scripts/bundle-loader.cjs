'use strict';
// Copied by scripts/build.mjs to dist/bundles/<command>.cjs, beside <command>.bundle.cjs (the command's
// whole module graph in one CommonJS file) and <command>.bundle.cjs.cache (V8's code cache for it,
// written by the build's own run of the command). It runs the bundle with that cache, so that Node
// neither parses nor compiles what the cache holds: ~15 ms of the ~0.22 s `index` merge that issue 13
// measures against helm. A cache V8 does not accept (another Node, other V8 flags, a rebuilt bundle) is
// ignored; the bundle then compiles as usual. Nothing is written at run time, except by the build
// (VINEYARD_CHARTS_CODE_CACHE=write).
//
// VINEYARD_CHARTS_DEBUG=startup says on stderr whether the cache was used.
const { readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const file = __filename.replace(/\.cjs$/, '.bundle.cjs');
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined; // built without one: compile as usual
}
const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), {
  filename: file,
  cachedData,
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
if ((process.env.VINEYARD_CHARTS_DEBUG ?? '').split(',').includes('startup')) {
  const how = cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'accepted';
  process.stderr.write(`startup: ${path.basename(file)}, code cache ${how}\n`);
}
if (process.env.VINEYARD_CHARTS_CODE_CACHE === 'write') {
  // After the run, so that the cache holds every function the run compiled, not just the top level.
  process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
}
const bundle = { exports: {} };
script
  .runInThisContext()
  .call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, path.dirname(file));
