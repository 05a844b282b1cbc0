/**
 * values.schema.json from the model: draft-07 (enforced by both helm 3.17 and helm 4), self-contained,
 * and closed for every object the chart owns so that a misspelt key fails at `helm install`.
 * A value's schema may carry definitions (the Kubernetes types of src/model/k8s.ts, under the
 * DEFINITIONS symbol): they become the root's `definitions`, where its local `$ref`s
 * (`#/definitions/<name>`) point, each named type once.
 */
import { isDeepStrictEqual } from 'node:util';
import { DEFINITIONS, type Definitions, type Fields, type JsonSchema, walkModel } from './model.ts';

/** A copy of `schema` without the definitions it carries, which go into `into`. */
function hoist(schema: unknown, into: Definitions): unknown {
  if (Array.isArray(schema)) return schema.map((s) => hoist(s, into));
  if (schema === null || typeof schema !== 'object') return schema;
  const carried = (schema as { [DEFINITIONS]?: Definitions })[DEFINITIONS] ?? {};
  for (const [name, def] of Object.entries(carried)) {
    const flat = hoist(def, into) as JsonSchema;
    if (into[name] && !isDeepStrictEqual(into[name], flat)) {
      throw new Error(`schema definition "${name}" is declared twice, differently`);
    }
    into[name] = flat;
  }
  // Object.entries skips symbol keys: the copy carries no definitions.
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, hoist(value, into)]));
}

/** Extra draft-07 keywords (if/then, ...) attached to a chart-owned object, keyed by its dotted path. */
export type SchemaRules = Record<string, JsonSchema>;

function objectSchema(
  fields: Fields,
  prefix: string[],
  rules: SchemaRules,
  definitions: Definitions,
): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [key, node] of Object.entries(fields)) {
    const path = [...prefix, key];
    properties[key] =
      node.kind === 'object'
        ? { description: node.doc, ...objectSchema(node.fields, path, rules, definitions) }
        : {
            description: node.doc,
            ...(hoist(node.schema, definitions) as JsonSchema),
            ...(node.absent ? {} : { default: node.default }),
          };
  }
  return {
    type: 'object',
    additionalProperties: false,
    properties,
    ...(rules[prefix.join('.')] ?? {}),
  };
}

export function valuesSchema(title: string, fields: Fields, rules: SchemaRules = {}): JsonSchema {
  for (const path of Object.keys(rules)) {
    const found = [...walkModel(fields)].some(([p, n]) => p.join('.') === path && n.kind === 'object');
    if (!found) throw new Error(`schema rule for "${path}": no such object in the values model`);
  }
  const definitions: Definitions = {};
  const root = objectSchema(fields, [], rules, definitions);
  const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title,
    ...root,
    // helm injects `global` for parent/child chart values; it must stay allowed.
    properties: {
      global: { type: 'object', description: 'Values shared with subcharts.' },
      ...(root.properties as object),
    },
    ...(Object.keys(sorted).length > 0 ? { definitions: sorted } : {}),
  };
}
