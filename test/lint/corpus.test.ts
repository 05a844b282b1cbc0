/**
 * The corpus of broken charts, one defect each: our verdict and severity must match real
 * `helm lint --strict` (v3.17 and v4.1) on helm's own rules, and we must catch what helm misses.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintCharts } from '../../src/stages/lint/lint.ts';
import { type Finding, RULES, SEVERITY_RANK, type Severity } from '../../src/stages/lint/model.ts';
import type { HelmMajor } from '../../src/tools/helm.ts';
import { HELM_MAJORS, helm, withTempDir } from '../support/run.ts';
import { BASE, CLEAN, CORPUS_DIR, DEFECTS } from './corpus.ts';

interface HelmVerdict {
  code: number;
  max: Severity | undefined;
  output: string;
}

function maxSeverity(severities: Severity[]): Severity | undefined {
  return severities.reduce<Severity | undefined>(
    (a, s) => (a === undefined || SEVERITY_RANK[s] > SEVERITY_RANK[a] ? s : a),
    undefined,
  );
}

function helmVerdict(code: number, output: string): HelmVerdict {
  const sev = [...output.matchAll(/^\[(INFO|WARNING|ERROR)\]/gm)].map((m) => m[1] as Severity);
  return { code, max: maxSeverity(sev), output };
}

const names = [BASE, ...CLEAN.map((c) => c.name), ...DEFECTS.map((d) => d.name)];
const helmResults = new Map<string, Record<HelmMajor, HelmVerdict>>();
const ours = new Map<string, Finding[]>();

beforeAll(async () => {
  await withTempDir(async (home) => {
    const queue = [...names];
    // Two workers: the machine has two cores and the helm runs are independent.
    const worker = async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        const dir = path.resolve(CORPUS_DIR, name);
        const entry = {} as Record<HelmMajor, HelmVerdict>;
        for (const major of HELM_MAJORS) {
          const res = await helm(major, ['lint', '--strict', dir], home);
          entry[major] = helmVerdict(res.code, res.stdout + res.stderr);
        }
        helmResults.set(name, entry);
      }
    };
    await Promise.all([worker(), worker()]);
  });
  for (const name of names)
    ours.set(name, (await lintCharts([path.join(CORPUS_DIR, name)], { strict: true })).findings);
}, 170_000);

const helmRuleMax = (findings: Finding[]) =>
  maxSeverity(
    findings.filter((f) => (RULES as Record<string, { helm: boolean }>)[f.rule]?.helm).map((f) => f.severity),
  );
const failsStrict = (findings: Finding[]) => findings.some((f) => f.severity !== 'INFO');

describe('lint corpus against real helm lint --strict', () => {
  it.each([BASE, ...CLEAN.map((c) => c.name)])('%s is clean for helm v3, helm v4 and us', (name) => {
    for (const major of HELM_MAJORS) expect(helmResults.get(name)?.[major].code, `helm ${major}`).toBe(0);
    expect(ours.get(name)).toEqual([]);
  });

  it.each(DEFECTS.map((d) => [d.name, d] as const))('%s', (_name, defect) => {
    const findings = ours.get(defect.name) ?? [];
    const rules = new Set(findings.map((f) => f.rule));
    for (const rule of defect.rules) expect(rules, `expected rule ${rule}`).toContain(rule);
    const h = helmResults.get(defect.name);
    if (!h) throw new Error('helm did not run');
    const detail = `helm v3:\n${h.v3.output}\nhelm v4:\n${h.v4.output}\nours:\n${JSON.stringify(findings, null, 1)}`;
    switch (defect.helm) {
      case 'both':
        expect(h.v3.code, detail).not.toBe(0);
        expect(h.v4.code, detail).not.toBe(0);
        expect(helmRuleMax(findings), detail).toBe(h.v4.max);
        expect(helmRuleMax(findings), detail).toBe(h.v3.max);
        expect(failsStrict(findings)).toBe(true);
        break;
      case 'v4':
        // helm v3 does not have this check; v4 does, and we match v4.
        expect(h.v3.code, detail).toBe(0);
        expect(h.v4.code, detail).not.toBe(0);
        expect(helmRuleMax(findings), detail).toBe(h.v4.max);
        break;
      case 'info':
        for (const major of HELM_MAJORS) {
          expect(h[major].code, detail).toBe(0);
          expect(h[major].max, detail).toBe('INFO');
        }
        expect(helmRuleMax(findings)).toBe('INFO');
        expect(failsStrict(findings)).toBe(false);
        break;
      case 'none':
        // A defect helm lint misses: it passes, we fail under --strict.
        expect(h.v3.code, detail).toBe(0);
        expect(h.v4.code, detail).toBe(0);
        expect(failsStrict(findings), detail).toBe(true);
        // helm-family rules may fire only where the defect says so (e.g. on a version helm never renders).
        expect(helmRuleMax(findings.filter((f) => !defect.rules.includes(f.rule))), detail).toBeUndefined();
        break;
    }
  });
});
