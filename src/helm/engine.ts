/**
 * The one render path (helm's pkg/engine): a loaded chart, final values and a release become rendered
 * template files. Everything templates see is derived here from the loaded chart the way helm derives
 * it — `.Chart` from Chart.yaml, `.Files` from the files helm's loader keeps as "other" files, the
 * templates from templates/ — so `manifests`, `deploy`, lint and release's checks render alike.
 * The Go-template interpreter itself (and the `.Release`/`.Capabilities`/`.Template` objects) lives in
 * src/gotemplate.
 */
import { type ReleaseInfo, renderTemplates } from '../gotemplate/engine.ts';
import type { ChartMetadata } from './chart/chartfile.ts';
import { helmFiles, templatesOf } from './chart/load.ts';

export type { ReleaseInfo } from '../gotemplate/engine.ts';

/** Chart.yaml as read: the strictly parsed metadata, or lint's leniently read mapping. */
export type ChartYamlData = Partial<Record<keyof ChartMetadata, unknown>>;

export interface RenderableChart {
  files: Map<string, Buffer>;
  metadata: ChartYamlData;
  /** Already split out by the loader; derived from `files` otherwise. */
  templates?: Map<string, string>;
}

export interface RenderOptions {
  values: Record<string, unknown>;
  release: ReleaseInfo;
  /** `.Capabilities.KubeVersion`; default: what `helm template` reports. */
  kubeVersion?: string;
}

/**
 * Renders like `helm template`: name '<chart>/templates/x.yaml' -> text, including files that render
 * empty. Throws the interpreter's TemplateError or FailError on the first failure.
 */
export function renderChart(chart: RenderableChart, opts: RenderOptions): Map<string, string> {
  return renderTemplates({
    templates: chart.templates ?? templatesOf(chart.files),
    chartName: String(chart.metadata.name),
    chart: chart.metadata as Record<string, unknown>,
    values: opts.values,
    release: opts.release,
    capabilities: opts.kubeVersion ? { kubeVersion: opts.kubeVersion } : undefined,
    files: helmFiles(chart.files, chart.metadata.apiVersion),
  });
}
