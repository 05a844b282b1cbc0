/**
 * `lint --format sarif|junit|github|json|yaml` for CI (issue 14, item 8): SARIF validated against the
 * OASIS SARIF 2.1.0 schema (schemas/sarif-2.1.0-rtm.5.json), JUnit parsed by junit2json (the structure
 * Jenkins / GitLab read: testsuites > testsuite > testcase > failure), GitHub annotations by default
 * under GITHUB_ACTIONS=true, and file:line where a finding maps to a template line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { load } from 'js-yaml';
import { parse as parseJunit } from 'junit2json';
import { describe, expect, it } from 'vitest';
import { lineOfPath } from '../../src/stages/lint/report.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { cli } from '../support/run.ts';
import { expectMatchesSchema } from '../support/schemas.ts';
import { CORPUS_DIR } from './corpus.ts';

const UNKNOWN_FIELD = path.join(CORPUS_DIR, 'kube-unknown-field');
const REL = path.relative(PROJECT_ROOT, UNKNOWN_FIELD);
const TEMPLATE = `${REL}/templates/deployment.yaml`;
/** the line of `imagePullPolcy: Always` in the fixture */
const LINE =
  readFileSync(path.join(UNKNOWN_FIELD, 'templates/deployment.yaml'), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('imagePullPolcy')) + 1;

/**
 * The vendored schema is draft-04 (OASIS publishes it so); Ajv 8 reads it once `id` is `$id` and the
 * meta-schema is draft-07, which changes nothing this schema uses (no boolean exclusiveMinimum/Maximum).
 */
function sarifValidator() {
  const raw = readFileSync(path.join(PROJECT_ROOT, 'schemas/sarif-2.1.0-rtm.5.json'), 'utf8');
  const schema = JSON.parse(raw) as Record<string, unknown>;
  expect(raw).not.toMatch(/exclusive(Minimum|Maximum)/);
  schema.$schema = 'http://json-schema.org/draft-07/schema#';
  schema.$id = schema.id;
  delete schema.id;
  // unicodeRegExp off: the schema's language pattern is valid only as a non-Unicode RegExp
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

interface JunitCase {
  classname?: string;
  file?: string;
  line?: number;
  failure?: { message?: string; type?: string }[];
}
interface JunitDoc {
  name?: string;
  tests: number;
  failures: number;
  errors: number;
  testsuite: { name: string; tests: number; failures: number; testcase: JunitCase[] }[];
}
const junit = async (xml: string) => (await parseJunit(xml)) as unknown as JunitDoc;

describe('lint output formats', () => {
  it('sarif: valid SARIF 2.1.0, results with rule, level, file and line', async () => {
    const res = await cli(['lint', UNKNOWN_FIELD, '--format', 'sarif']);
    expect(res.code).toBe(1);
    const log = JSON.parse(res.stdout);
    const validate = sarifValidator();
    expect(validate({ version: '2.1.0' })).toBe(false); // the schema bites: `runs` is required
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const [result] = log.runs[0].results;
    expect(result).toMatchObject({ ruleId: 'kube-unknown-field', level: 'error' });
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: TEMPLATE },
      region: { startLine: LINE },
    });
    const rules = log.runs[0].tool.driver.rules;
    expect(rules[result.ruleIndex].id).toBe('kube-unknown-field');
    // a clean run is valid too, with no results
    const clean = await cli(['lint', path.join(CORPUS_DIR, 'ok-base'), '-o', 'sarif']);
    expect(clean.code).toBe(0);
    expect(validate(JSON.parse(clean.stdout))).toBe(true);
    expect(JSON.parse(clean.stdout).runs[0].results).toEqual([]);
  });

  it('junit: what CI systems parse; a failing testcase per failing finding, a pass when clean', async () => {
    const res = await cli(['lint', UNKNOWN_FIELD, '--format', 'junit']);
    expect(res.code).toBe(1);
    const doc = await junit(res.stdout);
    expect(doc).toMatchObject({ name: 'vineyard-charts lint', tests: 2, failures: 2, errors: 0 });
    const suite = doc.testsuite.find((s) => s.name === TEMPLATE);
    expect(suite).toMatchObject({ tests: 1, failures: 1 });
    expect(suite?.testcase[0]).toMatchObject({ classname: TEMPLATE, file: TEMPLATE, line: LINE });
    expect(suite?.testcase[0].failure?.[0]).toMatchObject({ type: 'ERROR' });
    expect(suite?.testcase[0].failure?.[0].message).toMatch(/unknown field "imagePullPolcy"/);
    // warnings pass unless --strict
    const warn = path.join(CORPUS_DIR, 'template-indented');
    const lenient = await junit((await cli(['lint', warn, '--format', 'junit'])).stdout);
    expect(lenient).toMatchObject({ tests: 2, failures: 0 });
    const strictRun = await cli(['lint', warn, '--strict', '--format', 'junit']);
    expect(strictRun.code).toBe(1);
    expect(await junit(strictRun.stdout)).toMatchObject({ tests: 2, failures: 2 });
    const clean = await junit((await cli(['lint', path.join(CORPUS_DIR, 'ok-base'), '-o', 'junit'])).stdout);
    expect(clean).toMatchObject({ tests: 1, failures: 0 });
  });

  it('github: annotations with file and line, automatically under GitHub Actions', async () => {
    const res = await cli(['lint', UNKNOWN_FIELD], { env: { GITHUB_ACTIONS: 'true' } });
    expect(res.code).toBe(1);
    const [annotation, summary] = res.stdout.trimEnd().split('\n');
    expect(annotation).toBe(
      `::error file=${TEMPLATE},line=${LINE},title=kube-unknown-field (ERROR)::` +
        'spec.template.spec.containers[0].imagePullPolcy: Deployment: unknown field "imagePullPolcy" (Kubernetes 1.25–1.33)',
    );
    expect(summary).toMatch(/^lint: 1 chart\(s\), 1 error\(s\)/);
    // an explicit format wins over the environment
    const table = await cli(['lint', UNKNOWN_FIELD, '-o', 'table'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(table.stdout).not.toMatch(/^::/m);
    const github = await cli(['lint', UNKNOWN_FIELD, '--format', 'github'], { env: { GITHUB_ACTIONS: '' } });
    expect(github.stdout).toMatch(/^::error /);
  });

  it('json and yaml carry the line; --json, -o json and --format json agree; disagreeing flags are a usage error', async () => {
    const outputs = await Promise.all(
      [['--json'], ['-o', 'json'], ['--output', 'json'], ['--format', 'json']].map((f) =>
        cli(['lint', UNKNOWN_FIELD, ...f]),
      ),
    );
    for (const o of outputs) expect(o.stdout).toBe(outputs[0].stdout);
    const report = JSON.parse(outputs[0].stdout);
    expectMatchesSchema('lint-report.schema.json', report);
    expect(report.findings[0]).toMatchObject({
      file: path.join(UNKNOWN_FIELD, 'templates/deployment.yaml'),
      line: LINE,
    });
    const yaml = await cli(['lint', UNKNOWN_FIELD, '-o', 'yaml']);
    expect(load(yaml.stdout)).toEqual(report);
    const bad = await cli(['lint', UNKNOWN_FIELD, '--json', '--format', 'sarif']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/disagree/);
  });

  it('maps dotted paths to lines of templates and values files', () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'spec:',
      '  selector:',
      '    matchLabels:',
      '      app: x',
      '  template:',
      '    spec:',
      '      {{- if .Values.x }}',
      '      containers:',
      '        - name: app',
      '          image: a',
      '      {{- end }}',
      '  image: not-this-one',
    ].join('\n');
    expect(lineOfPath(text, 'spec.template.spec.containers[0].image')).toBe(12);
    expect(lineOfPath(text, 'spec.selector.matchLabels')).toBe(5);
    expect(lineOfPath(text, 'spec.template.spec.volumes')).toBeUndefined();
    expect(
      lineOfPath('vineyardd:\n  # -- size\n  sharedMemorySize: 1 gig\n', 'vineyardd.sharedMemorySize'),
    ).toBe(3);
  });
});
