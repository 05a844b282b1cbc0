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
