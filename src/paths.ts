/**
 * Default locations, all from one root: the checkout this module lives in. Commands take these as
 * defaults only; every one of them can be overridden on the command line.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Typed chart sources: one directory per chart. */
export const CHART_SRC = path.join(PROJECT_ROOT, 'chart-src');
/** Rendered charts (`charts-out/<chart>/`), packages and the local repository. */
export const CHARTS_OUT = path.join(PROJECT_ROOT, 'charts-out');
export const DEFAULT_CHART_DIR = path.join(CHARTS_OUT, 'vineyard');
export const DEFAULT_PACKAGES_DIR = path.join(CHARTS_OUT, 'packages');
export const DEFAULT_REPO_DIR = path.join(CHARTS_OUT, 'repo');
/** helm's own `helm serve` port (helm 2), so `helm repo add` lines from old docs keep working. */
export const DEFAULT_PORT = 8879;
/** Cache of extracted helper binaries (helm, kubectl), kept with the installed node modules. */
export const TOOLS_CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'vineyard-charts', 'tools');
