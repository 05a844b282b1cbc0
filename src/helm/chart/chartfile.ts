/**
 * Chart.yaml: the one parser, shared by the chart loader (render, manifests, deploy), `package`, `index`,
 * the archive reader (publish, OCI push) and, through `readChartYamlMapping`, lint.
 *
 * Validation is strict on purpose: everything we accept is copied into index.yaml, which helm reads with
 * a strict decoder, so an unknown or mistyped field here would become a broken repository later.
 */
import { CORE_SCHEMA, load } from 'js-yaml';
import { InputError } from '../../errors.ts';
import * as semver from '../../util/semver.ts';
import { bounded } from '../../util/tree-bounds.ts';

export interface Maintainer {
  name: string;
  email?: string;
  url?: string;
}

export interface ChartMetadata {
  apiVersion: string;
  name: string;
  version: string;
  appVersion?: string;
  description?: string;
  type?: string;
  kubeVersion?: string;
  home?: string;
  sources?: string[];
  keywords?: string[];
  maintainers?: Maintainer[];
  icon?: string;
  annotations?: Record<string, string>;
  dependencies?: unknown[];
  deprecated?: boolean;
  condition?: string;
  tags?: string;
}

type FieldKind = 'string' | 'strings' | 'bool' | 'stringMap' | 'maintainers' | 'dependencies';

/** Every field helm's chart.Metadata knows, with the type its decoder expects. */
export const METADATA_FIELDS: Record<keyof ChartMetadata, FieldKind> = {
  apiVersion: 'string',
  name: 'string',
  version: 'string',
  appVersion: 'string',
  description: 'string',
  type: 'string',
  kubeVersion: 'string',
  home: 'string',
  sources: 'strings',
  keywords: 'strings',
  maintainers: 'maintainers',
  icon: 'string',
  annotations: 'stringMap',
  dependencies: 'dependencies',
  deprecated: 'bool',
  condition: 'string',
  tags: 'string',
};

export const DEPENDENCY_FIELDS: Record<string, 'string' | 'strings' | 'bool' | 'list'> = {
  name: 'string',
  version: 'string',
  repository: 'string',
  condition: 'string',
  tags: 'strings',
  enabled: 'bool',
  'import-values': 'list',
  alias: 'string',
};

export const MAINTAINER_FIELDS = new Set(['name', 'email', 'url']);

/**
 * Sets an own property even for a key such as `__proto__`, which plain assignment would turn into a
 * prototype change (dropping the key on rewrite). Keys in annotations come from other people's files.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function expectString(v: unknown, file: string, where: string): string {
  if (typeof v === 'string') return v;
  const hint = typeof v === 'number' ? ' (quote it so YAML does not read it as a number)' : '';
  throw new InputError(file, where, `expected a string, got ${describe(v)}${hint}`);
}

function expectStrings(v: unknown, file: string, where: string): string[] {
  if (!Array.isArray(v)) throw new InputError(file, where, `expected a list of strings, got ${describe(v)}`);
  return v.map((item, i) => expectString(item, file, `${where}[${i}]`));
}

function expectBool(v: unknown, file: string, where: string): boolean {
  if (typeof v !== 'boolean') throw new InputError(file, where, `expected true or false, got ${describe(v)}`);
  return v;
}

function expectMap(v: unknown, file: string, where: string): Record<string, unknown> {
  if (!isPlainObject(v)) throw new InputError(file, where, `expected a mapping, got ${describe(v)}`);
  return v;
}

function checkKnown(obj: Record<string, unknown>, known: Set<string> | object, file: string, where: string) {
  const has = (k: string) => (known instanceof Set ? known.has(k) : Object.hasOwn(known, k));
  for (const key of Object.keys(obj)) {
    if (!has(key)) {
      const allowed = known instanceof Set ? [...known] : Object.keys(known);
      throw new InputError(
        file,
        where ? `${where}.${key}` : key,
        `unknown field (allowed: ${allowed.join(', ')})`,
      );
    }
  }
}

function validateDependency(v: unknown, file: string, where: string): Record<string, unknown> {
  const dep = expectMap(v, file, where);
  checkKnown(dep, DEPENDENCY_FIELDS, file, where);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(dep)) {
    if (value === null) continue;
    const at = `${where}.${key}`;
    const kind = DEPENDENCY_FIELDS[key];
    if (kind === 'string') out[key] = expectString(value, file, at);
    else if (kind === 'strings') out[key] = expectStrings(value, file, at);
    else if (kind === 'bool') out[key] = expectBool(value, file, at);
    else if (!Array.isArray(value)) throw new InputError(file, at, `expected a list, got ${describe(value)}`);
    else out[key] = value;
  }
  if (typeof out.name !== 'string' || out.name === '')
    throw new InputError(file, `${where}.name`, 'is required');
  return out;
}

/**
 * Checks one metadata mapping field by field and returns a clean copy. `where` prefixes error paths so
 * the same code names `entries.foo[3].version` in an index and `version` in a Chart.yaml.
 */
export function validateMetadata(
  raw: Record<string, unknown>,
  file: string,
  where: string,
  extraFields: Set<string> = new Set(),
  opts: { looseVersion?: boolean } = {},
): ChartMetadata {
  const at = (key: string) => (where ? `${where}.${key}` : key);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (extraFields.has(key)) continue;
    const kind = (METADATA_FIELDS as Record<string, FieldKind | undefined>)[key];
    if (!kind) {
      const allowed = [...Object.keys(METADATA_FIELDS), ...extraFields].join(', ');
      throw new InputError(file, at(key), `unknown field (allowed: ${allowed})`);
    }
    if (value === null) continue; // `key:` with no value means "unset", as in helm
    if (kind === 'string') out[key] = expectString(value, file, at(key));
    else if (kind === 'strings') out[key] = expectStrings(value, file, at(key));
    else if (kind === 'bool') out[key] = expectBool(value, file, at(key));
    else if (kind === 'stringMap') {
      const map = expectMap(value, file, at(key));
      const strings: Record<string, string> = {};
      for (const [k, v] of Object.entries(map)) setOwn(strings, k, expectString(v, file, `${at(key)}.${k}`));
      out[key] = strings;
    } else if (kind === 'maintainers') {
      if (!Array.isArray(value))
        throw new InputError(file, at(key), `expected a list, got ${describe(value)}`);
      out[key] = value.map((m, i) => {
        const mAt = `${at(key)}[${i}]`;
        const map = expectMap(m, file, mAt);
        checkKnown(map, MAINTAINER_FIELDS, file, mAt);
        const clean: Record<string, string> = {};
        for (const [k, v] of Object.entries(map))
          if (v !== null) setOwn(clean, k, expectString(v, file, `${mAt}.${k}`));
        return clean;
      });
    } else {
      if (!Array.isArray(value))
        throw new InputError(file, at(key), `expected a list, got ${describe(value)}`);
      out[key] = value.map((d, i) => validateDependency(d, file, `${at(key)}[${i}]`));
    }
  }
  return checkRequired(out as Partial<ChartMetadata>, file, where, opts.looseVersion ?? false);
}

/** What helm's semver library (Masterminds) accepts: a leading v and missing minor/patch are allowed. */
export const LOOSE_VERSION = /^v?\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** What helm accepts as a chart name. */
export const CHART_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkRequired(
  md: Partial<ChartMetadata>,
  file: string,
  where: string,
  looseVersion: boolean,
): ChartMetadata {
  const at = (key: string) => (where ? `${where}.${key}` : key);
  if (!md.apiVersion) throw new InputError(file, at('apiVersion'), 'is required (v1 or v2)');
  if (md.apiVersion !== 'v1' && md.apiVersion !== 'v2') {
    throw new InputError(file, at('apiVersion'), `expected v1 or v2, got ${JSON.stringify(md.apiVersion)}`);
  }
  if (!md.name) throw new InputError(file, at('name'), 'is required');
  if (!CHART_NAME.test(md.name)) {
    throw new InputError(
      file,
      at('name'),
      `expected a chart name (letters, digits, . _ -), got ${JSON.stringify(md.name)}`,
    );
  }
  if (!md.version) throw new InputError(file, at('version'), 'is required');
  if (looseVersion ? !LOOSE_VERSION.test(md.version) : !semver.valid(md.version)) {
    throw new InputError(
      file,
      at('version'),
      `expected a semantic version like 1.2.3, got ${JSON.stringify(md.version)}`,
    );
  }
  if (md.type !== undefined && md.type !== 'application' && md.type !== 'library') {
    throw new InputError(file, at('type'), `expected application or library, got ${JSON.stringify(md.type)}`);
  }
  return md as ChartMetadata;
}

/** Chart.yaml that is not YAML, or not a mapping: lint turns it into a finding, everyone else stops. */
export class ChartYamlError extends InputError {
  constructor(
    file: string,
    readonly reason: 'yaml' | 'mapping',
    readonly detail: string,
  ) {
    super(
      file,
      '',
      reason === 'yaml' ? `invalid YAML: ${detail}` : `expected a mapping of chart metadata, got ${detail}`,
    );
  }
}

/**
 * Reads Chart.yaml text into its raw mapping: the one YAML reading of Chart.yaml. `parseChartYaml`
 * validates the result strictly; lint validates the same mapping leniently to report every defect.
 */
export function readChartYamlMapping(text: string, file: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = bounded(() => load(text.replace(/^\uFEFF/, ''), { schema: CORE_SCHEMA, filename: file }));
  } catch (err) {
    throw new ChartYamlError(file, 'yaml', err instanceof Error ? err.message.split('\n')[0] : String(err));
  }
  if (!isPlainObject(raw)) throw new ChartYamlError(file, 'mapping', describe(raw));
  return raw;
}

/** Parses a Chart.yaml text; every problem is an InputError naming `file` and the offending path. */
export function parseChartYaml(text: string, file: string): ChartMetadata {
  return validateMetadata(readChartYamlMapping(text, file), file, '');
}
