/**
 * `lintCharts`: runs every rule family on each target and returns deduplicated findings plus a verdict.
 * Shared by the `lint` command and by `release`, which refuses to publish a chart that fails it.
 */
import { userValues } from '../../helm/values/load.ts';
import { type ChartInfo, lintChartYaml } from './chartfile.ts';
import { admittedMinors, lintKubeSchema, MAX_MINOR, MIN_MINOR } from './kubeschema.ts';
import { type LoadedChart, loadTarget } from './load.ts';
import { type Finding, finding } from './model.ts';
import { lintPractices } from './practices.ts';
import { lintRelease, type ValueSet } from './release.ts';
import { dedupe, type Summary, sortFindings, summarize } from './report.ts';
import { lintCrds, lintObject, lintTemplateFiles, type RenderedDoc, renderChart } from './templates.ts';
import { checkFixture, type Fixture, lintValues, parseValuesText, type Tree } from './values.ts';

export interface LintOptions {
  strict?: boolean;
  /** Only this Kubernetes version (`1.31`) instead of every version the chart admits. */
  kubeVersion?: string;
  /** Published index.yaml (file path or http(s) URL) for the release checks. */
  against?: string;
  /** Read chart URLs the --against index names outside its own repository (off by default: SSRF). */
  allowOffRepoUrls?: boolean;
  /**
   * Values to lint with besides the chart's defaults and its own ci/*-values.yaml: helm's `-f` files
   * (merged in order) and `--set` expressions, as one more values set.
   */
  values?: { files: string[]; set: string[] };
}

export interface LintResult {
  findings: Finding[];
  summary: Summary;
}

export interface RenderedSet {
  fixture: string;
  docs: RenderedDoc[];
}

async function commandLineFixtures(values: LintOptions['values']): Promise<Fixture[]> {
  if (!values || (values.files.length === 0 && values.set.length === 0)) return [];
  const tree = await userValues(values.files, values.set);
  const name = [...values.files.map((f) => `-f ${f}`), ...values.set.map((s) => `--set ${s}`)].join(' ');
  return [{ name, text: '', tree }];
}

function chartCiFixtures(chart: LoadedChart): Fixture[] {
  return [...chart.files.keys()]
    .filter((rel) => /^ci\/[^/]+\.ya?ml$/.test(rel))
    .sort()
    .map((rel) => ({ name: `${chart.root}/${rel}`, text: chart.files.get(rel)?.toString('utf8') ?? '' }));
}

export interface VersionGroup {
  /** Admitted minors whose rendering is identical (all of them unless templates read .Capabilities). */
  minors: number[];
  findings: Finding[];
  docs: RenderedDoc[];
}

/**
 * Renders one values set. Templates that read .Capabilities may differ per Kubernetes version, so those
 * charts are rendered once per admitted minor and minors with identical output are grouped; others
 * render once, as the newest admitted version.
 */
export function renderForVersions(
  chart: LoadedChart,
  info: ChartInfo,
  values: Tree,
  minors: number[],
): VersionGroup[] {
  const usesCapabilities = [...chart.files].some(
    ([rel, buf]) => rel.startsWith('templates/') && buf.includes('.Capabilities'),
  );
  const renderAt = usesCapabilities ? minors : [minors[minors.length - 1]];
  const groups = new Map<string, VersionGroup>();
  for (const minor of renderAt) {
    const res = renderChart(chart, info.meta ?? {}, info.name, values, `v1.${minor}.0`);
    const key = JSON.stringify([res.docs.map((d) => [d.file, d.obj]), res.findings]);
    const group = groups.get(key);
    if (group) group.minors.push(minor);
    else groups.set(key, { minors: [minor], ...res });
  }
  const list = [...groups.values()];
  if (!usesCapabilities) list[0].minors = [...minors];
  return list;
}

async function lintOne(target: string, opts: LintOptions, extraFixtures: Fixture[]): Promise<Finding[]> {
  const chart = await loadTarget(target);
  const { info, findings: out } = lintChartYaml(chart);
  // helm refuses to load a chart whose Chart.yaml has errors, so nothing past it can be judged.
  if (!info.meta || out.some((f) => f.severity === 'ERROR')) return out;
  const values = lintValues(chart);
  out.push(...values.findings);
  out.push(...lintTemplateFiles(chart), ...lintCrds(chart));
  const minors = admittedMinors(info.kubeVersion, opts.kubeVersion);
  if (minors.length === 0) {
    out.push(
      finding(
        'chart-kube-version',
        `${chart.root}/Chart.yaml`,
        'kubeVersion',
        `kubeVersion ${JSON.stringify(info.kubeVersion)} admits none of Kubernetes 1.${MIN_MINOR}–1.${MAX_MINOR}`,
      ),
    );
    return out;
  }
  const maxMinor = minors[minors.length - 1];
  if (values.findings.some((f) => f.rule === 'values-parse')) return out;
  const sets: ValueSet[] = [];
  if (!values.findings.some((f) => f.rule === 'values-schema-defaults'))
    sets.push({ name: 'values.yaml', values: values.defaults });
  for (const fx of [...chartCiFixtures(chart), ...extraFixtures]) {
    const merged = checkFixture(fx, values, out);
    if (merged)
      sets.push({ name: fx.name, values: merged, raw: fx.tree ?? parseValuesText(fx.text, fx.name) });
  }
  const rendered: RenderedSet[] = [];
  for (const set of sets) {
    for (const group of renderForVersions(chart, info, set.values, minors)) {
      const newest = group.minors[group.minors.length - 1];
      if (newest === maxMinor) rendered.push({ fixture: set.name, docs: group.docs });
      const found = [...group.findings];
      for (const doc of group.docs) {
        found.push(
          ...lintObject(doc, newest),
          ...(await lintKubeSchema(doc, group.minors)),
          ...lintPractices(doc),
        );
      }
      for (const f of found) out.push({ ...f, fixtures: [set.name] });
    }
  }
  if (opts.against)
    out.push(
      ...(await lintRelease(chart, info, sets, rendered, opts.against, maxMinor, opts.allowOffRepoUrls)),
    );
  return out;
}

export async function lintCharts(targets: string[], opts: LintOptions = {}): Promise<LintResult> {
  const extraFixtures = await commandLineFixtures(opts.values);
  const all: Finding[] = [];
  for (const target of targets) all.push(...(await lintOne(target, opts, extraFixtures)));
  const findings = sortFindings(dedupe(all));
  return { findings, summary: summarize(findings, targets.length, opts.strict ?? false) };
}
