/**
 * Chart.yaml rules, with helm lint's severities. Chart.yaml is read by the one parser
 * (src/helm/chart/chartfile.ts `readChartYamlMapping`); where `parseChartYaml` then refuses the first bad
 * field, as packaging must, lint validates the same mapping leniently and reports every defect it sees.
 */
import semver from 'semver';
import { ChartYamlError, readChartYamlMapping } from '../../helm/chart/chartfile.ts';
import { fileText, type LoadedChart } from './load.ts';
import { type Finding, finding } from './model.ts';

export interface ChartInfo {
  /** Raw Chart.yaml mapping (possibly incomplete); undefined when missing or unparsable. */
  meta?: Record<string, unknown>;
  name: string;
  version?: string;
  kubeVersion?: string;
  apiVersion?: string;
}

/** helm accepts what Masterminds/semver parses: optional `v`, one to three numbers. */
const LENIENT_SEMVER = /^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function goType(v: unknown): string {
  // helm converts YAML to JSON before decoding, so every number reaches Go as float64.
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (v === null) return 'nil';
  if (Array.isArray(v)) return '[]interface {}';
  return typeof v === 'object' ? 'map[string]interface {}' : typeof v;
}

export function isUrl(v: unknown): boolean {
  if (typeof v !== 'string' || /\s/.test(v)) return false;
  try {
    const u = new URL(v);
    return /^[a-z][a-z0-9+.-]*:$/.test(u.protocol) && (u.host !== '' || u.protocol === 'file:');
  } catch {
    return false;
  }
}

/** helm's first complaint about one maintainer, as [field suffix, message]; undefined when fine. */
function maintainerProblem(rec: Record<string, unknown>): [string, string] | undefined {
  if (typeof rec.name !== 'string' || rec.name === '') return ['', 'each maintainer requires a name'];
  if (rec.email !== undefined && !EMAIL.test(String(rec.email)))
    return ['.email', `invalid email '${rec.email}' for maintainer '${rec.name}'`];
  if (rec.url !== undefined && !isUrl(rec.url))
    return ['.url', `invalid url '${rec.url}' for maintainer '${rec.name}'`];
  return undefined;
}

function checkMaintainers(list: unknown, file: string, out: Finding[]): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) {
    out.push(finding('chart-maintainer', file, 'maintainers', 'maintainers must be a list'));
    return;
  }
  list.forEach((m: unknown, i) => {
    const problem = maintainerProblem((m && typeof m === 'object' ? m : {}) as Record<string, unknown>);
    if (problem) out.push(finding('chart-maintainer', file, `maintainers[${i}]${problem[0]}`, problem[1]));
  });
}

function checkVersion(meta: Record<string, unknown>, file: string, out: Finding[]): void {
  const v = meta.version;
  if (v === undefined || v === null || v === '') {
    out.push(finding('chart-version-semver', file, 'version', 'version is required'));
    return;
  }
  if (typeof v !== 'string') {
    out.push(
      finding(
        'chart-version-type',
        file,
        'version',
        `version should be of type string but it's of type ${goType(v)}`,
      ),
    );
    return;
  }
  if (semver.valid(v) !== null && !v.startsWith('v')) return;
  if (LENIENT_SEMVER.test(v)) {
    // helm v3 accepts it, helm v4 warns: chart repositories and OCI tags need strict SemVer 2.
    out.push(
      finding('chart-version-semver', file, 'version', `version '${v}' is not a valid SemVerV2`, 'WARNING'),
    );
  } else {
    out.push(finding('chart-version-semver', file, 'version', `version '${v}' is not a valid SemVer`));
  }
}

function checkApiAndType(meta: Record<string, unknown>, file: string, out: Finding[]): void {
  const api = meta.apiVersion;
  if (api === undefined || api === '') {
    out.push(
      finding(
        'chart-api-version',
        file,
        'apiVersion',
        'apiVersion is required. The value must be either "v1" or "v2"',
      ),
    );
  } else if (api !== 'v1' && api !== 'v2') {
    out.push(
      finding(
        'chart-api-version',
        file,
        'apiVersion',
        `apiVersion '${api}' is not valid. The value must be either "v1" or "v2"`,
      ),
    );
  }
  const type = meta.type;
  if (type === undefined || type === '') return;
  if (api !== 'v2') {
    out.push(
      finding(
        'chart-type',
        file,
        'type',
        `chart type is not valid in apiVersion '${api}'. It is valid in apiVersion 'v2'`,
      ),
    );
  } else if (type !== 'application' && type !== 'library') {
    out.push(
      finding('chart-type', file, 'type', `chart type '${type}' is invalid: must be application or library`),
    );
  }
}

function checkDependencies(
  meta: Record<string, unknown>,
  chart: LoadedChart,
  file: string,
  out: Finding[],
): void {
  const deps = meta.dependencies;
  if (!Array.isArray(deps) || deps.length === 0) return;
  const present = new Set<string>();
  for (const rel of chart.files.keys()) {
    const m = /^charts\/([^/]+)\/Chart\.yaml$/.exec(rel) ?? /^charts\/(.+)-\d[^/]*\.tgz$/.exec(rel);
    if (m) present.add(m[1]);
  }
  const missing = deps
    .map((d) => (d && typeof d === 'object' ? (d as Record<string, unknown>).name : undefined))
    .filter((n): n is string => typeof n === 'string' && !present.has(n));
  if (missing.length > 0) {
    out.push(
      finding(
        'chart-dependencies-missing',
        chart.root,
        'dependencies',
        `chart directory is missing these dependencies: ${missing.join(',')}`,
      ),
    );
  }
  if (meta.apiVersion === 'v1') {
    out.push(
      finding(
        'chart-api-version',
        file,
        'dependencies',
        "dependencies are not valid in the Chart file with apiVersion 'v1'. They are valid in apiVersion 'v2'",
      ),
    );
  }
}

function checkKubeVersion(meta: Record<string, unknown>, file: string, out: Finding[]): void {
  const kv = meta.kubeVersion;
  if (kv === undefined) {
    out.push(
      finding(
        'chart-kube-version-missing',
        file,
        'kubeVersion',
        'kubeVersion is not set: Kubernetes API checks use every version from the schema table',
      ),
    );
  } else if (typeof kv !== 'string' || semver.validRange(kv, { includePrerelease: true }) === null) {
    out.push(
      finding(
        'chart-kube-version',
        file,
        'kubeVersion',
        `kubeVersion ${JSON.stringify(kv)} is not a valid SemVer range`,
      ),
    );
  }
}

/** The Chart.yaml mapping, or undefined after a finding saying why there is none. */
function readMapping(chart: LoadedChart, file: string, out: Finding[]): Record<string, unknown> | undefined {
  if (chart.loadError) {
    out.push(finding('chart-yaml-parse', chart.root, '', `unable to load chart: ${chart.loadError}`));
    return undefined;
  }
  const text = fileText(chart, 'Chart.yaml');
  if (text === undefined) {
    out.push(finding('chart-yaml-missing', file, '', 'Chart.yaml file does not exist'));
    return undefined;
  }
  try {
    return readChartYamlMapping(text, file);
  } catch (err) {
    if (!(err instanceof ChartYamlError)) throw err;
    const message =
      err.reason === 'yaml' ? `unable to parse YAML: ${err.detail}` : 'Chart.yaml must be a YAML mapping';
    out.push(finding('chart-yaml-parse', file, '', message));
    return undefined;
  }
}

export function lintChartYaml(chart: LoadedChart): { info: ChartInfo; findings: Finding[] } {
  const file = `${chart.root}/Chart.yaml`;
  const fallbackName = chart.root.split(/[/:]/).pop() ?? 'chart';
  const out: Finding[] = [];
  const m = readMapping(chart, file, out);
  if (m === undefined) return { info: { name: fallbackName }, findings: out };
  if (typeof m.name !== 'string' || m.name === '') {
    out.push(finding('chart-name', file, 'name', 'name is required'));
  } else if (/[/\\]/.test(m.name) || m.name === '.' || m.name === '..') {
    out.push(finding('chart-name', file, 'name', `chart name "${m.name}" is invalid`));
  }
  checkVersion(m, file, out);
  if (m.appVersion !== undefined && typeof m.appVersion !== 'string') {
    out.push(
      finding(
        'chart-app-version-type',
        file,
        'appVersion',
        `appVersion should be of type string but it's of type ${goType(m.appVersion)}`,
      ),
    );
  }
  checkApiAndType(m, file, out);
  checkMaintainers(m.maintainers, file, out);
  if (Array.isArray(m.sources)) {
    m.sources.forEach((s: unknown, i) => {
      if (!isUrl(s))
        out.push(finding('chart-source-url', file, `sources[${i}]`, `invalid source URL '${s}'`));
    });
  }
  if (m.icon === undefined || m.icon === '')
    out.push(finding('chart-icon-recommended', file, 'icon', 'icon is recommended'));
  else if (!isUrl(m.icon)) out.push(finding('chart-icon-url', file, 'icon', `invalid icon URL '${m.icon}'`));
  checkDependencies(m, chart, file, out);
  checkKubeVersion(m, file, out);
  const info: ChartInfo = {
    meta: m,
    name: typeof m.name === 'string' && m.name ? m.name : fallbackName,
    version:
      typeof m.version === 'string' ? m.version : m.version === undefined ? undefined : String(m.version),
    kubeVersion: typeof m.kubeVersion === 'string' ? m.kubeVersion : undefined,
    apiVersion: typeof m.apiVersion === 'string' ? m.apiVersion : undefined,
  };
  return { info, findings: out };
}
