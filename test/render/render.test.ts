import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { loadChartSource } from '../../src/model/chart-source.ts';
import { chartFiles } from '../../src/stages/render/render.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { cli, withTempDir } from '../support/run.ts';

const SRC = path.join(PROJECT_ROOT, 'chart-src', 'vineyard');
const OUT = path.join(PROJECT_ROOT, 'charts-out', 'vineyard');

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await filesUnder(path.join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe('render', () => {
  it('committed charts-out/vineyard equals a fresh render (no drift)', async () => {
    const fresh = chartFiles(await loadChartSource(SRC));
    expect(await filesUnder(OUT)).toEqual([...fresh.keys()].sort());
    for (const [rel, content] of fresh) {
      expect(
        await readFile(path.join(OUT, rel), 'utf8'),
        `${rel} differs: run \`vineyard-charts render\``,
      ).toBe(content);
    }
  });

  it('writes the files helm expects, with templates following helm create conventions', async () => {
    const files = chartFiles(await loadChartSource(SRC));
    for (const f of [
      'Chart.yaml',
      'values.yaml',
      'values.schema.json',
      'README.md',
      '.helmignore',
      'templates/_helpers.tpl',
      'templates/NOTES.txt',
    ]) {
      expect(files.has(f), f).toBe(true);
    }
    const helpers = files.get('templates/_helpers.tpl') ?? '';
    for (const d of [
      'vineyard.name',
      'vineyard.fullname',
      'vineyard.chart',
      'vineyard.labels',
      'vineyard.selectorLabels',
    ]) {
      expect(helpers).toContain(`define "${d}"`);
    }
    expect(files.get('templates/daemonset.yaml')).toMatch(/include "vineyard.labels" \. \| nindent 4/);
  });

  it('documents every declared value in values.yaml and the README', async () => {
    const src = await loadChartSource(SRC);
    const files = chartFiles(src);
    const valuesYaml = files.get('values.yaml') ?? '';
    const readme = files.get('README.md') ?? '';
    const { walkModel } = await import('../../src/model/model.ts');
    for (const [p, node] of walkModel(src.values)) {
      // an absent leaf (the root `enabled` of parent charts) is documented in the README only
      if (node.kind === 'object' || !node.absent) expect(valuesYaml).toContain(`# -- ${node.doc}`);
      if (node.kind === 'leaf') expect(readme).toContain(`| \`${p.join('.')}\` |`);
    }
  });

  it('fails on a template that refers to an undeclared value, naming the template and the path', async () => {
    const src = await loadChartSource(SRC);
    const broken = {
      ...src,
      templates: new Map([
        ...src.templates,
        ['templates/typo.yaml', 'a: 1\nsize: {{ .Values.vineyardd.sharedMemorySise }}\n'],
      ]),
    };
    expect(() => chartFiles(broken)).toThrow(InputError);
    expect(() => chartFiles(broken)).toThrow(
      /templates\/typo\.yaml: line 2: \.Values\.vineyardd\.sharedMemorySise is not declared/,
    );
  });

  it('`render` CLI exits 1 with a clear message on an undeclared reference and leaves the output alone', async () => {
    await withTempDir(async (dir) => {
      const chartDir = path.join(dir, 'src', 'demo');
      await mkdir(path.join(chartDir, 'templates'), { recursive: true });
      await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
      const model = path.join(PROJECT_ROOT, 'src', 'model', 'model.ts');
      await writeFile(
        path.join(chartDir, 'index.ts'),
        `import { v } from ${JSON.stringify(model)};\nexport default { chart: { apiVersion: 'v2', name: 'demo', version: '0.1.0' }, values: { replicas: v.integer(1, 'Replicas.') } };\n`,
      );
      await writeFile(
        path.join(chartDir, 'templates', 'cm.yaml'),
        'n: {{ .Values.replicas }}\nm: {{ .Values.replica }}\n',
      );
      const res = await cli(['render', '--src', path.join(dir, 'src'), '--out', path.join(dir, 'out')]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('templates/cm.yaml: line 2: .Values.replica is not declared');
      await expect(readdir(path.join(dir, 'out'))).rejects.toThrow();
    });
  });
});
