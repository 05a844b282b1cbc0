/**
 * Differential oracle: renders template snippets with real helm (v3 and v4) and with our engine.
 * Each case body becomes a `define` in its own file and is emitted base64-encoded through `include`,
 * so arbitrary text (not just valid YAML) can be compared byte for byte.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { renderTemplates } from '../../src/gotemplate/engine.ts';
import { parseHelmYaml } from '../../src/gotemplate/yaml-load.ts';
import type { HelmMajor } from '../../src/tools/helm.ts';
import { helm, withTempDir } from '../support/run.ts';

export const CHART = 'probe';
const CHART_YAML = `apiVersion: v2\nname: ${CHART}\nversion: 0.1.0\nappVersion: "1.0"\n`;

export interface Case {
  name: string;
  body: string;
}

function fileFor(c: Case): string {
  return `{{ define "case.${c.name}" }}${c.body}{{ end }}out: {{ include "case.${c.name}" . | b64enc | quote }}\n`;
}

async function writeChart(dir: string, cases: Case[], valuesYaml: string, helpers: string): Promise<void> {
  await mkdir(path.join(dir, 'templates'), { recursive: true });
  await writeFile(path.join(dir, 'Chart.yaml'), CHART_YAML);
  await writeFile(path.join(dir, 'values.yaml'), valuesYaml);
  await writeFile(path.join(dir, 'templates', '_helpers.tpl'), helpers);
  for (const c of cases) await writeFile(path.join(dir, 'templates', `${c.name}.yaml`), fileFor(c));
}

function decodeOut(doc: string): string {
  const m = /^out: "([A-Za-z0-9+/=]*)"/m.exec(doc);
  if (!m) throw new Error(`no out: line in ${JSON.stringify(doc)}`);
  return Buffer.from(m[1], 'base64').toString('utf8');
}

export interface HelmResult {
  ok: boolean;
  outputs: Map<string, string>; // case name -> decoded text
  stderr: string;
}

export async function renderWithHelm(
  major: HelmMajor,
  cases: Case[],
  valuesYaml: string,
  helpers = '',
  extraArgs: string[] = [],
): Promise<HelmResult> {
  return withTempDir(async (dir) => {
    const chartDir = path.join(dir, 'chart');
    await writeChart(chartDir, cases, valuesYaml, helpers);
    const r = await helm(major, ['template', 'rel', chartDir, ...extraArgs], path.join(dir, 'home'));
    const outputs = new Map<string, string>();
    if (r.code !== 0) return { ok: false, outputs, stderr: r.stderr };
    for (const part of r.stdout.split(/^---\n/m)) {
      const m = /^# Source: [^/]+\/templates\/(.+)\.yaml\n/.exec(part);
      if (m) outputs.set(m[1], decodeOut(part));
    }
    return { ok: true, outputs, stderr: r.stderr };
  });
}

export function renderWithEngine(
  cases: Case[],
  valuesYaml: string,
  helpers = '',
  overrides: Record<string, unknown> = {},
): Map<string, string> {
  const templates = new Map<string, string>([['templates/_helpers.tpl', helpers]]);
  for (const c of cases) templates.set(`templates/${c.name}.yaml`, fileFor(c));
  const rendered = renderTemplates({
    templates,
    chartName: CHART,
    chart: yaml.load(CHART_YAML) as Record<string, unknown>,
    values: { ...((parseHelmYaml(valuesYaml) ?? {}) as Record<string, unknown>), ...overrides },
    release: { name: 'rel', namespace: 'default' },
  });
  const out = new Map<string, string>();
  for (const c of cases) out.set(c.name, decodeOut(rendered.get(`${CHART}/templates/${c.name}.yaml`) ?? ''));
  return out;
}
