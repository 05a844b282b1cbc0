/** Reading and validating values exactly as helm does before it renders templates. */
import { existsSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { InputError, UsageError } from '../../errors.ts';
import { parseHelmYaml } from '../../gotemplate/engine.ts';
import { LIMITS, readRegularFile } from '../../util/bounded-io.ts';
import { coalesceWithDefaults, isPlainObject, mergeUserValues } from './coalesce.ts';
import { applySet } from './strvals.ts';

type Tree = Record<string, unknown>;

export function parseYamlMap(text: string, file: string): Tree {
  let doc: unknown;
  try {
    // helm's reading: YAML 1.1 booleans (on/off/y), every number a float64.
    doc = parseHelmYaml(text);
  } catch (err) {
    throw new InputError(file, '', `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlainObject(doc)) throw new InputError(file, '(top level)', 'expected a mapping of values');
  return doc;
}

export async function readValuesFile(file: string): Promise<Tree> {
  // A -f naming nothing is a mistake on the command line (exit 2); a bad file is bad input (exit 1).
  if (!existsSync(file)) throw new UsageError(`-f ${file}: no such values file`);
  return parseYamlMap((await readRegularFile(file, LIMITS.valuesFile, 'values file')).toString('utf8'), file);
}

/** `-f` files in order, then each `--set`, as one user-supplied tree. */
export async function userValues(valuesFiles: string[], sets: string[]): Promise<Tree> {
  let user: Tree = {};
  for (const file of valuesFiles) user = mergeUserValues(user, await readValuesFile(file));
  for (const expr of sets) user = applySet(user, expr);
  return user;
}

export function finalValues(defaults: Tree, user: Tree): Tree {
  return coalesceWithDefaults(user, defaults);
}

/** ajv cannot see bigints (our int64s); for validation they are plain numbers. */
function forValidation(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(forValidation);
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forValidation(v)]));
  return value;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(top level)';
  let what = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') {
    what = `unknown key "${(error.params as { additionalProperty: string }).additionalProperty}"`;
  } else if (error.keyword === 'enum') {
    what = `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${where}: ${what}`;
}

/** Validates final values against values.schema.json; throws naming every violation. */
export function validateValues(schema: object, schemaFile: string, values: Tree, source: string): void {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  if (validate(forValidation(values))) return;
  const seen = new Set<string>();
  const problems = (validate.errors ?? [])
    .filter((e) => !['if', 'oneOf', 'anyOf'].includes(e.keyword))
    .map(describe)
    .filter((p) => !seen.has(p) && seen.add(p));
  throw new InputError(source, problems.join('; '), `values do not match ${schemaFile}`);
}
