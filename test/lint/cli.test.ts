/** `vineyard-charts lint` as a user runs it: output format, JSON, exit codes, archives, default targets. */

import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintCharts } from '../../src/stages/lint/lint.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { cli, helm } from '../support/run.ts';
import { CORPUS_DIR } from './corpus.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'vineyard-lint-cli-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const corpus = (name: string) => path.join(CORPUS_DIR, name);
const LINE = /^(.+): (.+): ([a-z0-9-]+) (INFO|WARNING|ERROR) (.+)$/;

describe('vineyard-charts lint', () => {
  it('prints one line per finding and a summary; exit 1 on errors', async () => {
    const res = await cli(['lint', corpus('kube-unknown-field')]);
    expect(res.code, res.stderr).toBe(1);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^lint: 1 chart\(s\), 1 error\(s\), 0 warning\(s\), 0 info\(s\): FAILED/);
    expect(lines.slice(0, -1).every((l) => LINE.test(l))).toBe(true);
    expect(lines[0]).toBe(
      `${corpus('kube-unknown-field')}/templates/deployment.yaml: spec.template.spec.containers[0].imagePullPolcy: kube-unknown-field ERROR Deployment: unknown field "imagePullPolcy" (Kubernetes 1.25–1.33)`,
    );
  });

  it('-f and --set are values to render with, merged as helm merges them (later wins)', async () => {
    const chart = path.join(PROJECT_ROOT, 'charts-out/vineyard');
    const bad = path.join(work, 'bad-values.yaml');
    await writeFile(bad, 'vineyardd:\n  sharedMemorySize: [1, gig]\n');
    const res = await cli(['lint', chart, '-f', bad]);
    expect(res.code, res.stdout).toBe(1);
    expect(res.stdout).toContain(`-f ${bad}: vineyardd.sharedMemorySize: values-fixture-invalid ERROR`);
    // --set after -f wins, so the same file with a corrected size lints clean.
    const fixed = await cli(['lint', chart, '-f', bad, '--set', 'vineyardd.sharedMemorySize=512Mi']);
    expect(fixed.code, fixed.stdout).toBe(0);
  });

  it('passes warnings unless --strict', async () => {
    const lenient = await cli(['lint', corpus('template-indented')]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toMatch(/template-indent WARNING/);
    const strict = await cli(['lint', '--strict', corpus('template-indented')]);
    expect(strict.code).toBe(1);
    const clean = await cli(['lint', '--strict', corpus('ok-base')]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toBe('lint: 1 chart(s), 0 error(s), 0 warning(s), 0 info(s): passed\n');
  });

  it('--json gives the same findings as the library', async () => {
    const res = await cli([
      'lint',
      '--json',
      '--strict',
      corpus('practice-no-probes'),
      corpus('chart-icon-missing'),
    ]);
    expect(res.code).toBe(1);
    const parsed = JSON.parse(res.stdout);
    const direct = await lintCharts([corpus('practice-no-probes'), corpus('chart-icon-missing')], {
      strict: true,
    });
    expect(parsed).toEqual(JSON.parse(JSON.stringify(direct)));
    expect(parsed.summary).toMatchObject({ charts: 2, infos: 1, threshold: 'WARNING', failed: true });
    // The published contract for CI consumers: schemas/lint-report.schema.json.
    const schema = JSON.parse(
      await readFile(path.join(PROJECT_ROOT, 'schemas', 'lint-report.schema.json'), 'utf8'),
    );
    const validate = new Ajv({ allErrors: true }).compile(schema);
    expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
    expect(parsed.findings.length).toBeGreaterThan(0);
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [
      ['lint', '/nonexistent/chart'],
      ['lint', '--kube-version', 'latest', corpus('ok-base')],
      ['lint', '--bogus'],
    ]) {
      const res = await cli(args);
      expect(res.code, args.join(' ')).toBe(2);
    }
  });

  it('lints a packaged chart like its directory', async () => {
    const pkg = await helm(
      'v4',
      ['package', path.resolve(corpus('kube-string-port')), '--destination', work],
      work,
    );
    expect(pkg.code, pkg.stderr).toBe(0);
    const tgz = path.join(work, 'corpus-0.1.0.tgz');
    const fromTgz = await lintCharts([tgz]);
    const fromDir = await lintCharts([corpus('kube-string-port')]);
    const strip = (r: typeof fromDir, root: string) =>
      r.findings.map((f) => ({ ...f, file: f.file.replace(root, '') }));
    expect(strip(fromTgz, `${tgz}:corpus`)).toEqual(strip(fromDir, corpus('kube-string-port')));
    expect(fromTgz.findings.map((f) => f.rule)).toEqual(['kube-schema']);
  });

  it('lints every chart in charts-out/ by default, skipping non-chart directories', async () => {
    const cwd = path.join(work, 'project');
    await mkdir(path.join(cwd, 'charts-out', 'repo'), { recursive: true });
    await cp(path.resolve(corpus('ok-base')), path.join(cwd, 'charts-out', 'good'), { recursive: true });
    await cp(path.resolve(corpus('practice-latest-tag')), path.join(cwd, 'charts-out', 'latest'), {
      recursive: true,
    });
    const res = await cli(['lint', '--strict'], { cwd });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(
      /^charts-out\/latest\/templates\/deployment\.yaml: .* practice-image-tag WARNING /m,
    );
    expect(res.stdout).toMatch(/lint: 2 chart\(s\), 0 error\(s\), 1 warning\(s\)/);
    const empty = await cli(['lint'], { cwd: path.join(cwd, 'charts-out', 'repo') });
    expect(empty.code).toBe(2);
  });
});

// The generated vineyard chart (written by `render`) must lint clean with every fixture in its ci/ directory.
describe.runIf(existsSync(path.join(PROJECT_ROOT, 'charts-out/vineyard/Chart.yaml')))(
  'charts-out/vineyard',
  () => {
    it('lints clean under --strict with its defaults and every ci/ fixture', async () => {
      const chart = path.join(PROJECT_ROOT, 'charts-out/vineyard');
      const { findings, summary } = await lintCharts([chart], { strict: true });
      expect(findings).toEqual([]);
      expect(summary.failed).toBe(false);
    });
  },
);
