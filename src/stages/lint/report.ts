/** Turns findings into the one-line-per-finding text report, the JSON report and the verdict. */
import { type Finding, SEVERITY_RANK, type Severity } from './model.ts';

export interface Summary {
  charts: number;
  errors: number;
  warnings: number;
  infos: number;
  /** Lowest severity that fails the run: ERROR, or WARNING with --strict. */
  threshold: Severity;
  failed: boolean;
}

export function summarize(findings: Finding[], charts: number, strict: boolean): Summary {
  const threshold: Severity = strict ? 'WARNING' : 'ERROR';
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return {
    charts,
    errors: count('ERROR'),
    warnings: count('WARNING'),
    infos: count('INFO'),
    threshold,
    failed: findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]),
  };
}

/** Merges the same finding seen under several fixtures into one line that lists them. */
export function dedupe(findings: Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const f of findings) {
    const key = [f.file, f.path, f.rule, f.severity, f.message].join('\u0000');
    const prev = byKey.get(key);
    if (!prev) byKey.set(key, { ...f, fixtures: f.fixtures ? [...f.fixtures] : undefined });
    else if (f.fixtures) prev.fixtures = [...new Set([...(prev.fixtures ?? []), ...f.fixtures])];
  }
  return [...byKey.values()];
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      a.rule.localeCompare(b.rule) ||
      a.path.localeCompare(b.path),
  );
}

export function formatFinding(f: Finding): string {
  const fx =
    f.fixtures && !(f.fixtures.length === 1 && f.fixtures[0] === 'values.yaml')
      ? ` [values: ${f.fixtures.join(', ')}]`
      : '';
  return `${f.file}: ${f.path || '-'}: ${f.rule} ${f.severity} ${f.message}${fx}`;
}

export function formatSummary(s: Summary): string {
  const verdict = s.failed ? `FAILED (findings at or above ${s.threshold})` : 'passed';
  return `lint: ${s.charts} chart(s), ${s.errors} error(s), ${s.warnings} warning(s), ${s.infos} info(s): ${verdict}`;
}

export function formatText(findings: Finding[], s: Summary): string {
  return `${[...findings.map(formatFinding), formatSummary(s)].join('\n')}\n`;
}

export function formatJson(findings: Finding[], s: Summary): string {
  return `${JSON.stringify({ findings, summary: s }, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------------
// Locations: file:line where a finding maps to a line of a file we can read (a template, values.yaml,
// Chart.yaml, a -f file). Archives are not opened again: their findings keep the dotted path only.

/** Reads `file`, or undefined (archives `x.tgz:chart/...`, missing files). */
export type ReadText = (file: string) => Promise<string | undefined>;

const readIfThere: ReadText = async (file) => {
  const { readFile } = await import('node:fs/promises');
  return readFile(file, 'utf8').catch(() => undefined);
};

/** The file on disk a finding names: `-f my.yaml` -> `my.yaml`; `chart.tgz:chart/x` -> undefined. */
export function diskFile(file: string): string | undefined {
  const f = file.replace(/^-f /, '');
  return /\.(tgz|tar\.gz):/.test(f) ? undefined : f;
}

const KEY_LINE = /^(\s*)((?:-\s+)*)(["']?)([^\s:#"'{][^:"']*?)\3\s*:(?:\s|$)/;

/**
 * The 1-based line of a dotted path (`spec.template.spec.containers[0].image`) in a YAML file or a
 * template producing YAML: each key is looked for below the previous one, inside its block. Falls
 * back to the last key when it occurs exactly once; undefined when neither finds it.
 */
export function lineOfPath(text: string, dotted: string): number | undefined {
  const keys = dotted
    .replace(/\[\d+\]/g, '')
    .split('.')
    .filter((k) => k.length > 0);
  if (keys.length === 0) return undefined;
  const lines = text.split('\n');
  const keyAt = (i: number) => {
    const m = KEY_LINE.exec(lines[i]);
    return m ? { key: m[4], indent: m[1].length + m[2].length } : undefined;
  };
  let from = 0;
  let parentIndent = -1;
  let found = -1;
  for (const key of keys) {
    let hit = -1;
    for (let i = from; i < lines.length; i++) {
      const trimmed = lines[i].trim();
      if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('{{')) continue;
      const indent = lines[i].length - lines[i].trimStart().length;
      if (found >= 0 && indent <= parentIndent) break; // left the parent's block
      const k = keyAt(i);
      if (k?.key === key) {
        hit = i;
        parentIndent = k.indent;
        break;
      }
    }
    if (hit < 0) {
      found = -1;
      break;
    }
    found = hit;
    from = hit + 1;
  }
  if (found >= 0) return found + 1;
  const last = keys[keys.length - 1];
  const hits = lines.flatMap((_, i) => (keyAt(i)?.key === last ? [i] : []));
  return hits.length === 1 ? hits[0] + 1 : undefined;
}

export interface Located extends Finding {
  /** 1-based line in `file`, when the finding maps to one. */
  line?: number;
}

/** Adds `line` to every finding that maps to a line (`line N` paths, or dotted paths found in the file). */
export async function locate(findings: Finding[], read: ReadText = readIfThere): Promise<Located[]> {
  const cache = new Map<string, Promise<string | undefined>>();
  const text = (f: string) => {
    if (!cache.has(f)) cache.set(f, read(f));
    return cache.get(f) as Promise<string | undefined>;
  };
  const out: Located[] = [];
  for (const f of findings) {
    const explicit = /^line (\d+)/.exec(f.path) ?? /^line (\d+)/.exec(f.message);
    if (explicit) {
      out.push({ ...f, line: Number(explicit[1]) });
      continue;
    }
    const file = diskFile(f.file);
    const content = file && f.path ? await text(file) : undefined;
    const line = content === undefined ? undefined : lineOfPath(content, f.path);
    out.push(line === undefined ? f : { ...f, line });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// CI formats.

export type LintFormat = 'text' | 'json' | 'yaml' | 'sarif' | 'junit' | 'github';

/** `table` (helm's name) is the text report. */
export const LINT_FORMATS = ['table', 'text', 'json', 'yaml', 'sarif', 'junit', 'github'] as const;

/** A path as CI tools want it: relative to the working directory when it lies below it. */
function relativePath(file: string, cwd: string): string {
  return file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  ERROR: 'error',
  WARNING: 'warning',
  INFO: 'note',
};

/**
 * SARIF 2.1.0 (GitHub code scanning, GitLab, Azure DevOps): one run, the rule catalogue as the driver's
 * rules, one result per finding with its file (and line, when known). Checked against the OASIS schema
 * (schemas/sarif-2.1.0-rtm.5.json) by the tests.
 */
export function formatSarif(
  findings: Located[],
  rules: Record<string, { severity: Severity; summary: string; family: string }>,
  opts: { version: string; cwd?: string },
): string {
  const cwd = opts.cwd ?? process.cwd();
  const ids = Object.keys(rules);
  const uri = (file: string) =>
    relativePath(diskFile(file) ?? file.replace(/:.*$/, ''), cwd)
      .split('/')
      .map(encodeURIComponent)
      .join('/')
      .replace(/^%2F/, '/');
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'vineyard-charts',
            version: opts.version,
            informationUri: 'https://v6d.io',
            rules: ids.map((id) => ({
              id,
              shortDescription: { text: rules[id].summary },
              defaultConfiguration: { level: SARIF_LEVEL[rules[id].severity] },
              properties: { family: rules[id].family },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ...(ids.includes(f.rule) ? { ruleIndex: ids.indexOf(f.rule) } : {}),
          level: SARIF_LEVEL[f.severity],
          message: { text: `${f.path ? `${f.path}: ` : ''}${f.message}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: uri(f.file) },
                ...(f.line ? { region: { startLine: f.line } } : {}),
              },
              ...(f.path ? { logicalLocations: [{ fullyQualifiedName: f.path, kind: 'member' }] } : {}),
            },
          ],
          ...(f.fixtures ? { properties: { fixtures: f.fixtures } } : {}),
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
}

/**
 * JUnit XML as Jenkins, GitLab and Azure read it: one testsuite per file with findings, one testcase per
 * finding (a `<failure>` when it fails the run: ERROR, or WARNING with --strict; passing with the text
 * in `<system-out>` otherwise), and a `lint` suite with one testcase per run so a clean run reports a pass.
 */
export function formatJunit(findings: Located[], s: Summary, opts: { cwd?: string } = {}): string {
  const cwd = opts.cwd ?? process.cwd();
  const byFile = new Map<string, Located[]>();
  for (const f of findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const fails = (f: Finding) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[s.threshold];
  const suites: string[] = [];
  for (const [file, list] of byFile) {
    const rel = relativePath(file, cwd);
    const cases = list.map((f) => {
      const where = `${rel}${f.line ? `:${f.line}` : ''}`;
      const name = `${f.rule}${f.path ? ` ${f.path}` : ''}`;
      const attrs = `name="${xml(name)}" classname="${xml(rel)}" file="${xml(rel)}"${f.line ? ` line="${f.line}"` : ''}`;
      const body = `${where}: ${f.path || '-'}: ${f.rule} ${f.severity} ${f.message}`;
      return fails(f)
        ? `    <testcase ${attrs}>\n      <failure message="${xml(f.message)}" type="${f.severity}">${xml(body)}</failure>\n    </testcase>`
        : `    <testcase ${attrs}>\n      <system-out>${xml(body)}</system-out>\n    </testcase>`;
    });
    const failures = list.filter(fails).length;
    suites.push(
      `  <testsuite name="${xml(rel)}" tests="${list.length}" failures="${failures}" errors="0" skipped="0">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  const verdict = formatSummary(s);
  suites.push(
    `  <testsuite name="lint" tests="1" failures="${s.failed ? 1 : 0}" errors="0" skipped="0">\n` +
      `    <testcase name="vineyard-charts lint" classname="lint">\n` +
      (s.failed
        ? `      <failure message="${xml(verdict)}" type="${s.threshold}">${xml(verdict)}</failure>\n`
        : '') +
      `      <system-out>${xml(verdict)}</system-out>\n    </testcase>\n  </testsuite>`,
  );
  const tests = findings.length + 1;
  const failures = findings.filter(fails).length + (s.failed ? 1 : 0);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="vineyard-charts lint" tests="${tests}" failures="${failures}" errors="0">\n` +
    `${suites.join('\n')}\n</testsuites>\n`
  );
}

/** GitHub workflow commands: `%`, CR and LF escaped in data; `:` and `,` too in properties. */
function ghData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function ghProperty(text: string): string {
  return ghData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const GITHUB_LEVEL: Record<Severity, 'error' | 'warning' | 'notice'> = {
  ERROR: 'error',
  WARNING: 'warning',
  INFO: 'notice',
};

/**
 * GitHub Actions annotations (`::error file=…,line=…,title=…::message`), one per finding, then the
 * summary line; the default under GitHub Actions (GITHUB_ACTIONS=true).
 */
export function formatGithub(findings: Located[], s: Summary, opts: { cwd?: string } = {}): string {
  const cwd = opts.cwd ?? process.cwd();
  const lines = findings.map((f) => {
    const file = diskFile(f.file);
    const props = [
      ...(file ? [`file=${ghProperty(relativePath(file, cwd))}`] : []),
      ...(file && f.line ? [`line=${f.line}`] : []),
      `title=${ghProperty(`${f.rule} (${f.severity})`)}`,
    ];
    const where = file ? '' : `${f.file}: `;
    return `::${GITHUB_LEVEL[f.severity]} ${props.join(',')}::${ghData(`${where}${f.path ? `${f.path}: ` : ''}${f.message}`)}`;
  });
  return `${[...lines, formatSummary(s)].join('\n')}\n`;
}
