/**
 * values.yaml and values.schema.json rules: the defaults parse and are documented, the schema is itself
 * valid JSON Schema, and the defaults plus every fixture values file validate against it.
 */
import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { InputError } from '../../errors.ts';
import { coalesceWithDefaults, dropNulls, isPlainObject } from '../../helm/values/coalesce.ts';
import { parseYamlMap } from '../../helm/values/load.ts';
import { fileText, type LoadedChart } from './load.ts';
import { type Finding, finding } from './model.ts';

export type Tree = Record<string, unknown>;

export interface Fixture {
  /** How findings name it: `values.yaml` (chart defaults) or the fixture's path. */
  name: string;
  text: string;
  /** Already parsed (values given on the command line, merged the way helm merges -f and --set). */
  tree?: Tree;
}

export interface ValuesContext {
  defaults: Tree;
  validate?: ValidateFunction;
  findings: Finding[];
}

/**
 * A values file read the way helm reads it (YAML 1.1: `on` is true, every number a float64), through the
 * same reader as manifests and deploy, so lint renders exactly the values they would. Throws an Error
 * whose message names what is wrong (the caller's finding names the file).
 */
export function parseValuesText(text: string, file: string): Tree {
  try {
    return parseYamlMap(text, file);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new Error(`${err.where ? `${err.where}: ` : ''}${err.expected.replace(/^not valid YAML: /, '')}`);
  }
}

/** Values the chart renders with for one fixture: fixture over defaults, nulls delete (helm's coalesce). */
export function valuesFor(defaults: Tree, fixture: Tree | undefined): Tree {
  return fixture ? dropNulls(coalesceWithDefaults(fixture, defaults)) : structuredClone(defaults);
}

function ajvFor(schema: Record<string, unknown>): Ajv {
  const draft = String(schema.$schema ?? '');
  const opts = { allErrors: true, strict: false, validateFormats: true };
  const ajv = /2020-12/.test(draft)
    ? new Ajv2020(opts)
    : /2019-09/.test(draft)
      ? new Ajv2019(opts)
      : new Ajv(opts);
  addFormats.default(ajv);
  return ajv;
}

const dotted = (pointer: string) =>
  pointer.replace(/^\//, '').replace(/\//g, '.').replace(/~1/g, '/').replace(/~0/g, '~');

export function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const at = dotted(e.instancePath) || '(root)';
    const extra =
      e.keyword === 'additionalProperties'
        ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'`
        : '';
    return `${at}: ${e.message}${extra}`;
  });
}

function loadSchema(chart: LoadedChart, out: Finding[]): ValidateFunction | undefined {
  const text = fileText(chart, 'values.schema.json');
  if (text === undefined) return undefined;
  const file = `${chart.root}/values.schema.json`;
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    out.push(finding('values-schema-invalid', file, '', `not valid JSON: ${(err as Error).message}`));
    return undefined;
  }
  if (!isPlainObject(schema) && typeof schema !== 'boolean') {
    out.push(finding('values-schema-invalid', file, '', 'a JSON Schema must be an object or a boolean'));
    return undefined;
  }
  const ajv = ajvFor(isPlainObject(schema) ? schema : {});
  if (!ajv.validateSchema(schema as AnySchema)) {
    for (const e of ajv.errors ?? []) {
      out.push(
        finding(
          'values-schema-invalid',
          file,
          dotted(e.instancePath) || '(root)',
          `not valid against the JSON Schema meta-schema: ${e.message}`,
        ),
      );
    }
    return undefined;
  }
  try {
    return ajv.compile(schema as AnySchema);
  } catch (err) {
    out.push(finding('values-schema-invalid', file, '', `cannot compile: ${(err as Error).message}`));
    return undefined;
  }
}

interface KeyLine {
  path: string[];
  line: number;
  documented: boolean;
}

/**
 * Finds each mapping key of values.yaml with the comment block right above it. Text-based on purpose:
 * YAML parsers drop comments. Block scalars and list items are skipped (a list is documented as a whole).
 */
export function scanKeys(text: string): KeyLine[] {
  const lines = text.split(/\r?\n/);
  const stack: { indent: number; key: string }[] = [];
  const out: KeyLine[] = [];
  let comments: string[] = [];
  let skipDeeperThan = -1;
  lines.forEach((line, i) => {
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (skipDeeperThan >= 0) {
      if (body === '' || indent > skipDeeperThan) return;
      skipDeeperThan = -1;
    }
    if (body === '' || body === '---') {
      comments = [];
      return;
    }
    if (body.startsWith('#')) {
      comments.push(body);
      return;
    }
    if (body.startsWith('- ') || body === '-') {
      skipDeeperThan = Math.max(0, indent - 1);
      comments = [];
      return;
    }
    const m = /^("[^"]*"|'[^']*'|[^\s:#][^:#]*?)\s*:(\s|$)(.*)$/.exec(body);
    if (!m) {
      comments = [];
      return;
    }
    while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
    const key = m[1].replace(/^["']|["']$/g, '');
    const rest = m[3].replace(/\s+#.*$/, '').trim();
    out.push({
      path: [...stack.map((s) => s.key), key],
      line: i + 1,
      documented: comments.some((c) => /^#\s*--(\s|$)/.test(c)),
    });
    comments = [];
    if (/^[|>]/.test(rest)) skipDeeperThan = indent;
    else if (rest === '') stack.push({ indent, key });
  });
  return out;
}

function lookup(tree: unknown, path: string[]): unknown {
  let cur = tree;
  for (const k of path) cur = isPlainObject(cur) ? cur[k] : undefined;
  return cur;
}

function undocumented(text: string, defaults: Tree, file: string): Finding[] {
  const keys = scanKeys(text);
  const documented = new Set(keys.filter((k) => k.documented).map((k) => k.path.join('\u0000')));
  const out: Finding[] = [];
  for (const k of keys) {
    const value = lookup(defaults, k.path);
    const isLeaf = !isPlainObject(value) || Object.keys(value).length === 0;
    if (!isLeaf) continue;
    const covered = k.path.some((_, i) => documented.has(k.path.slice(0, i + 1).join('\u0000')));
    if (!covered) {
      out.push(
        finding(
          'values-undocumented',
          file,
          k.path.join('.'),
          `line ${k.line}: value has no "# --" description comment (on it or on a parent key)`,
        ),
      );
    }
  }
  return out;
}

export function lintValues(chart: LoadedChart): ValuesContext {
  const out: Finding[] = [];
  const file = `${chart.root}/values.yaml`;
  const text = fileText(chart, 'values.yaml');
  let defaults: Tree = {};
  let parsed = true;
  if (text === undefined) {
    out.push(finding('values-missing', file, '', 'file does not exist'));
  } else {
    try {
      defaults = parseValuesText(text, file);
      out.push(...undocumented(text, defaults, file));
    } catch (err) {
      parsed = false;
      out.push(
        finding('values-parse', file, '', `unable to parse YAML: ${(err as Error).message.split('\n')[0]}`),
      );
    }
  }
  const validate = loadSchema(chart, out);
  if (parsed && validate && !validate(defaults)) {
    for (const msg of describeErrors(validate.errors)) {
      out.push(
        finding(
          'values-schema-defaults',
          file,
          msg.split(':')[0],
          `defaults do not match values.schema.json: ${msg}`,
        ),
      );
    }
  }
  return { defaults, validate, findings: out };
}

/** Parses a fixture and checks the values it produces; returns undefined when it cannot be used. */
export function checkFixture(fixture: Fixture, ctx: ValuesContext, out: Finding[]): Tree | undefined {
  let parsed: Tree;
  try {
    parsed = fixture.tree ?? parseValuesText(fixture.text, fixture.name);
  } catch (err) {
    out.push(
      finding(
        'values-fixture-invalid',
        fixture.name,
        '',
        `unable to parse YAML: ${(err as Error).message.split('\n')[0]}`,
      ),
    );
    return undefined;
  }
  const merged = valuesFor(ctx.defaults, parsed);
  if (ctx.validate && !ctx.validate(merged)) {
    for (const msg of describeErrors(ctx.validate.errors)) {
      out.push(
        finding(
          'values-fixture-invalid',
          fixture.name,
          msg.split(':')[0],
          `values do not match values.schema.json: ${msg}`,
        ),
      );
    }
    return undefined;
  }
  return merged;
}
