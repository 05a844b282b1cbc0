/**
 * Public API: render a chart's templates like `helm template` does, and find `.Values` references.
 * See values.ts for how Go's types (int vs float64, nil, maps) are represented.
 */
import path from 'node:path';
import { capabilities, chartObject, filesObject } from './builtins.ts';
import { TemplateError } from './errors.ts';
import { Executor, NO_VALUE_TEXT, type TemplateBody, type TemplateSet } from './exec.ts';
import { builtinFuncs } from './functions/index.ts';
import { type Node, parse } from './parser.ts';

export { TemplateError } from './errors.ts';
export { valueReferences } from './refs.ts';
export { parseHelmYaml } from './yaml-load.ts';

export interface ReleaseInfo {
  name: string;
  namespace: string;
  revision?: number;
  isInstall?: boolean;
  isUpgrade?: boolean;
  service?: string;
}
/** Chart.yaml metadata as parsed; exposed as .Chart with Go-style keys (Name, Version, AppVersion, ...). */
export interface ChartInfo {
  [k: string]: unknown;
}
export interface RenderInput {
  /** path relative to the chart root, e.g. 'templates/daemonset.yaml' -> text */
  templates: Map<string, string>;
  /** template names are '<chartName>/<path>' like helm's */
  chartName: string;
  chart: ChartInfo;
  values: Record<string, unknown>;
  release: ReleaseInfo;
  /** defaults: kubeVersion v1.32.0 (helm v3.17's), a built-in list of core API group/versions */
  capabilities?: { kubeVersion?: string; apiVersions?: string[] };
  files?: Map<string, Buffer>;
}

/** helm's sortTemplates: deepest paths first, then reverse lexical; later parses win duplicate defines. */
function parseOrder(names: string[]): string[] {
  return [...names].sort((a, b) => {
    const da = a.split('/').length;
    const db = b.split('/').length;
    if (da !== db) return db - da;
    return a < b ? 1 : a > b ? -1 : 0;
  });
}

export function buildTemplateSet(sources: Map<string, string>): {
  set: TemplateSet;
  files: Map<string, Node[]>;
} {
  const funcs = builtinFuncs();
  const hasFunc = (n: string) => funcs.has(n);
  const templates = new Map<string, TemplateBody>();
  const files = new Map<string, Node[]>();
  const set: TemplateSet = {
    templates,
    funcs,
    parseInto(name, text) {
      const parsed = parse(name, text, hasFunc);
      for (const [k, v] of parsed.defines) templates.set(k, { nodes: v, file: name });
      return parsed.root;
    },
  };
  for (const name of parseOrder([...sources.keys()])) {
    const parsed = parse(name, sources.get(name) ?? '', hasFunc);
    templates.set(name, { nodes: parsed.root, file: name });
    files.set(name, parsed.root);
    for (const [k, v] of parsed.defines) templates.set(k, { nodes: v, file: name });
  }
  return { set, files };
}

function isRendered(rel: string): boolean {
  const base = path.posix.basename(rel);
  return rel.startsWith('templates/') && !base.startsWith('_') && base !== 'NOTES.txt';
}

/**
 * Renders like `helm template`: every file under templates/ except partials ('_' prefix) and
 * NOTES.txt. Returns name -> text (name '<chartName>/templates/x.yaml'), including files that render
 * empty (helm then leaves those out of its output). Throws TemplateError on the first failure.
 */
export function renderTemplates(input: RenderInput): Map<string, string> {
  const sources = new Map<string, string>();
  for (const [rel, text] of input.templates) sources.set(`${input.chartName}/${rel}`, text);
  const { set, files } = buildTemplateSet(sources);
  const r = input.release;
  const base = {
    Values: input.values,
    Release: {
      Name: r.name,
      Namespace: r.namespace,
      Revision: BigInt(r.revision ?? 1),
      IsInstall: r.isInstall ?? true,
      IsUpgrade: r.isUpgrade ?? false,
      Service: r.service ?? 'Helm',
    },
    Chart: chartObject(input.chart),
    Capabilities: capabilities(input.capabilities?.kubeVersion, input.capabilities?.apiVersions),
    Files: filesObject(input.files ?? new Map()),
    Subcharts: {},
  };
  const out = new Map<string, string>();
  for (const [rel] of [...input.templates].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!isRendered(rel)) continue;
    const name = `${input.chartName}/${rel}`;
    const dot = { ...base, Template: { Name: name, BasePath: `${input.chartName}/templates` } };
    const nodes = files.get(name);
    if (!nodes) throw new TemplateError(name, 0, 'template not parsed');
    const text = new Executor(set, name, name).run(nodes, dot);
    out.set(name, text.replaceAll(NO_VALUE_TEXT, ''));
  }
  return out;
}
