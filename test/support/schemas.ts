/**
 * The JSON schemas in schemas/ are the contract of `--json` output for CI consumers: tests validate
 * the real output of the commands against them. All schemas are loaded together so that one can refer
 * to another (release-summary -> publish-summary, lint-report).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { expect } from 'vitest';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';

const SCHEMAS = path.join(PROJECT_ROOT, 'schemas');
let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function validator(file: string): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true });
    for (const f of readdirSync(SCHEMAS).filter((n) => n.endsWith('.schema.json'))) {
      ajv.addSchema(JSON.parse(readFileSync(path.join(SCHEMAS, f), 'utf8')));
    }
  }
  let validate = compiled.get(file);
  if (!validate) {
    const { $id } = JSON.parse(readFileSync(path.join(SCHEMAS, file), 'utf8')) as { $id: string };
    validate = ajv.getSchema($id);
    if (!validate) throw new Error(`${file}: no schema with $id ${$id}`);
    compiled.set(file, validate);
  }
  return validate;
}

/** Asserts that `value` (parsed --json output) satisfies schemas/<file>. */
export function expectMatchesSchema(file: string, value: unknown): void {
  const validate = validator(file);
  expect(validate(value), `${file}: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
}
