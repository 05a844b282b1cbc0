/**
 * Validates rendered manifests against the Kubernetes API schema of every Kubernetes version the chart's
 * `kubeVersion` admits, and flags apiVersions those versions no longer serve.
 *
 * Schemas come from npm (see SCHEMA_SETS): kubernetes-models ships validators generated from the
 * upstream OpenAPI spec (required fields, types, int32/int64, int-or-string, Quantity, enums). They do not
 * reject unknown fields, so we run them on a Proxy of the manifest and record which keys each object's
 * validator reads: a validated object's key that its validator never looked at is a field the API does
 * not know (what `kubectl --validate=strict` and kubeconform -strict report).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import semver from 'semver';
import { API_LIFECYCLE } from './apilifecycle.ts';
import { type Finding, finding } from './model.ts';
import type { RenderedDoc } from './templates.ts';

export interface SchemaSet {
  /** Kubernetes release the schema was generated from. */
  kubernetes: string;
  npmPackage: string;
  packageVersion: string;
  esm: boolean;
  /** Newest minor this set stands for; each admitted minor uses the first set with maxMinor >= it. */
  maxMinor: number;
}

/**
 * Pinned in package.json. npm has no schema per minor: minors between sets use the next newer set, and
 * minors newer than the newest set use it (see BEYOND_NEWEST). kubernetes-models 5.x (Kubernetes 1.36)
 * declares Node >= 22, which the project does not require, so 4.5.1 (1.33) is the newest set here.
 */
export const SCHEMA_SETS: SchemaSet[] = [
  {
    kubernetes: '1.27.1',
    npmPackage: 'kubernetes-models-1.27',
    packageVersion: 'kubernetes-models@4.4.2',
    esm: false,
    maxMinor: 27,
  },
  {
    kubernetes: '1.33.0',
    npmPackage: 'kubernetes-models',
    packageVersion: 'kubernetes-models@4.5.1',
    esm: false,
    maxMinor: 33,
  },
];

/**
 * For a minor newer than the newest schema, a field that schema does not know may be a new API field
 * rather than a typo: such findings are WARNINGs that say so, not ERRORs. Schema errors (types,
 * required fields) stay errors: Kubernetes does not loosen existing fields within v1.
 */
export const BEYOND_NEWEST = ' (not in the Kubernetes 1.33 schema, the newest here: new in 1.34+ or a typo)';

/** The window of Kubernetes minors lint checks (a chart's kubeVersion narrows it). */
export const MIN_MINOR = 25;
export const MAX_MINOR = 36;

export function admittedMinors(kubeVersion: string | undefined, only?: string): number[] {
  if (only) {
    const m = /^v?1\.(\d+)(\.\d+)?$/.exec(only);
    if (!m) throw new Error(`--kube-version ${only}: expected 1.<minor>, e.g. 1.31`);
    return [Number(m[1])];
  }
  const all = Array.from({ length: MAX_MINOR - MIN_MINOR + 1 }, (_, i) => MIN_MINOR + i);
  if (!kubeVersion || semver.validRange(kubeVersion, { includePrerelease: true }) === null) return all;
  return all.filter((minor) => semver.satisfies(`1.${minor}.0`, kubeVersion, { includePrerelease: true }));
}

export function schemaSetFor(minor: number): SchemaSet {
  return SCHEMA_SETS.find((s) => s.maxMinor >= minor) ?? SCHEMA_SETS[SCHEMA_SETS.length - 1];
}

/** Whether `minor` is newer than every schema set (checked against the newest, unknown fields warned). */
export function beyondNewestSchema(minor: number): boolean {
  return minor > SCHEMA_SETS[SCHEMA_SETS.length - 1].maxMinor;
}

interface ValidateError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}
type Validate = ((data: unknown) => boolean) & { errors?: ValidateError[] | null };

function packageRoot(pkg: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'node_modules', pkg);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`${pkg} is not installed; run \`npm ci\``);
    dir = parent;
  }
}

const validatorCache = new Map<string, Promise<Validate | null>>();
const requireCjs = createRequire(import.meta.url);

async function loadValidator(set: SchemaSet, apiVersion: string, kind: string): Promise<Validate | null> {
  const root = packageRoot(set.npmPackage);
  // Only well-formed group/version and kind names reach the filesystem (no `..`, no separators).
  if (!/^([a-z0-9-]+(\.[a-z0-9-]+)*\/)?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Za-z0-9]+$/.test(kind))
    return null;
  const modelFile = path.join(root, apiVersion, `${kind}.js`);
  if (!existsSync(modelFile)) return null;
  const m = /_schemas\/(IoK8s[A-Za-z0-9]+)/.exec(readFileSync(modelFile, 'utf8'));
  if (!m) return null;
  const schemaFile = path.join(root, '_schemas', `${m[1]}.js`);
  const mod = set.esm ? await import(pathToFileURL(schemaFile).href) : requireCjs(schemaFile);
  return typeof mod.validate === 'function' ? (mod.validate as Validate) : null;
}

/** Compiled validators are loaded once per (schema set, apiVersion, kind) and shared by all charts. */
export function validatorFor(set: SchemaSet, apiVersion: string, kind: string): Promise<Validate | null> {
  const key = `${set.kubernetes}|${apiVersion}|${kind}`;
  let v = validatorCache.get(key);
  if (!v) {
    v = loadValidator(set, apiVersion, kind);
    validatorCache.set(key, v);
  }
  return v;
}

interface Tracked {
  path: string[];
  keys: string[];
  read: Set<string>;
  enumerated: boolean;
}

/** A deep copy of `value` whose objects record the property reads of the validator. */
function track(value: unknown, at: string[], log: Tracked[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => track(v, [...at, String(i)], log));
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) copy[k] = track(v, [...at, k], log);
  const rec: Tracked = { path: at, keys: Object.keys(copy), read: new Set(), enumerated: false };
  log.push(rec);
  return new Proxy(copy, {
    get(t, k, r) {
      if (typeof k === 'string') rec.read.add(k);
      return Reflect.get(t, k, r);
    },
    has(t, k) {
      if (typeof k === 'string') rec.read.add(k);
      return Reflect.has(t, k);
    },
    ownKeys(t) {
      rec.enumerated = true;
      return Reflect.ownKeys(t);
    },
  });
}

export function jsonPath(segments: string[]): string {
  return segments.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
}

function describe(e: ValidateError): string {
  const p = e.params;
  switch (e.keyword) {
    case 'type':
      return `must be of type ${p.type}`;
    case 'required':
      return `missing required field "${p.missingProperty}"`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'format':
      return `must match format "${p.format}"`;
    case 'oneOf':
    case 'anyOf':
      return 'does not match any of the allowed types';
    default:
      return `fails "${e.keyword}" ${JSON.stringify(p)}`;
  }
}

/** Runs one validator; returns messages keyed by JSON path (type errors inside a oneOf collapse). */
export function runValidator(
  validate: Validate,
  obj: unknown,
): { errors: Map<string, string>; unknown: string[] } {
  const log: Tracked[] = [];
  const proxied = track(obj, [], log);
  const errors = new Map<string, string>();
  if (!validate(proxied)) {
    const list = validate.errors ?? [];
    const combined = new Set(
      list.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath),
    );
    for (const e of list) {
      if (combined.has(e.instancePath) && e.keyword !== 'oneOf' && e.keyword !== 'anyOf') continue;
      const at = jsonPath(
        e.instancePath
          .split('/')
          .slice(1)
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')),
      );
      if (!errors.has(at)) errors.set(at, describe(e));
    }
  }
  const unknown: string[] = [];
  for (const rec of log) {
    // Maps (labels, annotations, data) are enumerated; untyped fields (RawExtension) are never read.
    if (rec.enumerated || rec.read.size === 0) continue;
    for (const k of rec.keys) if (!rec.read.has(k)) unknown.push(jsonPath([...rec.path, k]));
  }
  return { errors, unknown };
}

const range = (minors: number[]) =>
  minors.length === 1 ? `1.${minors[0]}` : `1.${minors[0]}–1.${minors[minors.length - 1]}`;

function isBuiltInGroup(apiVersion: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

export async function lintKubeSchema(doc: RenderedDoc, minors: number[]): Promise<Finding[]> {
  const out: Finding[] = [];
  const { obj, file } = doc;
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  if (!apiVersion || !kind) {
    out.push(
      finding(
        'kube-schema',
        file,
        apiVersion ? 'kind' : 'apiVersion',
        `document ${doc.index} has no ${apiVersion ? 'kind' : 'apiVersion'}: not a Kubernetes object`,
      ),
    );
    return out;
  }
  const life = API_LIFECYCLE.find((l) => l.apiVersion === apiVersion && l.kinds.includes(kind));
  const removedIn = minors.filter((m) => life?.removed != null && m >= life.removed);
  if (life && removedIn.length > 0) {
    out.push({
      ...finding(
        'kube-api-removed',
        file,
        'apiVersion',
        `${apiVersion} ${kind} is not served by Kubernetes ${range(removedIn)} (removed in 1.${life.removed}); use ${life.replacement}`,
      ),
      kubeVersions: removedIn.map((m) => `1.${m}`),
    });
  }
  const servedMinors = minors.filter((m) => !removedIn.includes(m));
  const bySet = new Map<SchemaSet, number[]>();
  for (const m of servedMinors) bySet.set(schemaSetFor(m), [...(bySet.get(schemaSetFor(m)) ?? []), m]);
  const merged = new Map<string, Finding>();
  for (const [set, setMinors] of bySet) {
    const validate = await validatorFor(set, apiVersion, kind);
    const scope = `Kubernetes ${range(setMinors)}, schema ${set.kubernetes}`;
    if (!validate) {
      if (isBuiltInGroup(apiVersion)) {
        const f = finding(
          'kube-unknown-kind',
          file,
          'kind',
          `${apiVersion} ${kind} is not a kind the Kubernetes API serves (${scope})`,
        );
        merged.set(`${f.rule}|${f.path}`, { ...f, kubeVersions: setMinors.map((m) => `1.${m}`) });
      } else {
        const f = finding(
          'kube-no-schema',
          file,
          'apiVersion',
          `custom resource ${apiVersion} ${kind}: no schema available, not validated`,
        );
        merged.set(`${f.rule}|${f.path}`, f);
      }
      continue;
    }
    const { errors, unknown } = runValidator(validate, obj);
    const add = (
      rule: 'kube-schema' | 'kube-unknown-field',
      at: string,
      message: string,
      of: number[],
      severity?: 'WARNING',
    ) => {
      const key = `${rule}|${at}|${message}`;
      const prev = merged.get(key);
      const versions = [...(prev?.kubeVersions ?? []), ...of.map((m) => `1.${m}`)];
      merged.set(key, { ...finding(rule, file, at, message, severity), kubeVersions: versions });
    };
    // minors newer than the schema cannot be judged on unknown fields: when the schema's own minors have
    // the field as an error already, those are left out; when there are none, a WARNING says why
    const known = setMinors.filter((m) => !beyondNewestSchema(m));
    const onlyBeyond = known.length === 0;
    for (const [at, msg] of errors) add('kube-schema', at || '(root)', `${kind} ${msg}`, setMinors);
    for (const at of unknown) {
      const message = `${kind}: unknown field "${at.split(/[.[]/).pop()}"`;
      if (onlyBeyond) add('kube-unknown-field', at, message + BEYOND_NEWEST, setMinors, 'WARNING');
      else add('kube-unknown-field', at, message, known);
    }
  }
  for (const f of merged.values()) {
    const v = f.kubeVersions;
    out.push(
      v && v.length > 0
        ? {
            ...f,
            message: `${f.message} (Kubernetes ${v.length === 1 ? v[0] : `${v[0]}–${v[v.length - 1]}`})`,
          }
        : f,
    );
  }
  return out;
}
