/**
 * Rendering the `helm create` chart: our in-process Go-template engine against `helm template`
 * (v3 and v4, whole process), wall time measured in this run. Informational: no target is set.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderTemplates } from '../src/gotemplate/engine.ts';
import { parseHelmYaml } from '../src/gotemplate/yaml-load.ts';
import { ensureTool } from '../src/tools/helm.ts';

const OUR_RUNS = 200;
const HELM_RUNS = 5;

async function readTemplates(chartDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else out.set(path.relative(chartDir, p), await readFile(p, 'utf8'));
    }
  };
  await walk(path.join(chartDir, 'templates'));
  return out;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

const tmp = await mkdtemp(path.join(tmpdir(), 'gotemplate-bench-'));
try {
  const helmV3 = await ensureTool('v3');
  const env = { ...process.env, HELM_CONFIG_HOME: tmp, HELM_CACHE_HOME: tmp, HELM_DATA_HOME: tmp };
  const chartDir = path.join(tmp, 'created');
  spawnSync(helmV3, ['create', chartDir], { env });
  const input = {
    templates: await readTemplates(chartDir),
    chartName: 'created',
    chart: parseHelmYaml(await readFile(path.join(chartDir, 'Chart.yaml'), 'utf8')) as Record<
      string,
      unknown
    >,
    values: parseHelmYaml(await readFile(path.join(chartDir, 'values.yaml'), 'utf8')) as Record<
      string,
      unknown
    >,
    release: { name: 'rel', namespace: 'default' },
  };
  renderTemplates(input); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < OUR_RUNS; i++) renderTemplates(input);
  const ours = Number(process.hrtime.bigint() - t0) / 1e6 / OUR_RUNS;
  console.log(`ours (in-process, mean of ${OUR_RUNS}): ${ours.toFixed(2)} ms per render`);
  for (const major of ['v3', 'v4'] as const) {
    const bin = await ensureTool(major);
    const samples: number[] = [];
    for (let i = 0; i < HELM_RUNS; i++) {
      const s = process.hrtime.bigint();
      const r = spawnSync(bin, ['template', 'rel', chartDir], { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      samples.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    console.log(`helm ${major} template (process, median of ${HELM_RUNS}): ${median(samples).toFixed(1)} ms`);
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
