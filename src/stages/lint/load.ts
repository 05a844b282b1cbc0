/**
 * Lint targets — chart directories or packaged CHART.tgz — read by the shared chart loader
 * (src/helm/chart/load.ts), so every rule family works on the same in-memory files helm would load.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../errors.ts';
import { type ChartFiles, fileText as filesText, readChartFiles } from '../../helm/chart/load.ts';

export interface LoadedChart extends ChartFiles {
  /** Set when the loader refused the chart; lint reports it as a Chart.yaml finding. */
  loadError?: string;
}

/** A directory is a chart when it has a Chart.yaml; `charts-out/repo` and friends are skipped. */
export async function defaultTargets(chartsOut: string): Promise<string[]> {
  if (!existsSync(chartsOut)) return [];
  const entries = await readdir(chartsOut, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && existsSync(path.join(chartsOut, e.name, 'Chart.yaml')))
    .map((e) => path.join(chartsOut, e.name))
    .sort();
}

/** Chart.yaml itself is judged by lint's rules, not here: only what stops helm loading is an error. */
export async function loadTarget(target: string): Promise<LoadedChart> {
  try {
    return await readChartFiles(target);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { root: target.replace(/\/+$/, ''), files: new Map(), loadError: err.message };
  }
}

export function fileText(chart: LoadedChart, rel: string): string | undefined {
  return filesText(chart.files, rel);
}
