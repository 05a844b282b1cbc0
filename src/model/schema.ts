/**
 * values.schema.json from the model: draft-07 (enforced by both helm 3.17 and helm 4), self-contained,
 * and closed for every object the chart owns so that a misspelt key fails at `helm install`.
 */
import { type Fields, type JsonSchema, walkModel } from './model.ts';

/** Extra draft-07 keywords (if/then, ...) attached to a chart-owned object, keyed by its dotted path. */
export type SchemaRules = Record<string, JsonSchema>;

function objectSchema(fields: Fields, prefix: string[], rules: SchemaRules): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [key, node] of Object.entries(fields)) {
    const path = [...prefix, key];
    properties[key] =
      node.kind === 'object'
        ? { description: node.doc, ...objectSchema(node.fields, path, rules) }
        : { description: node.doc, ...node.schema, default: node.default };
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
  const root = objectSchema(fields, [], rules);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title,
    ...root,
    // helm injects `global` for parent/child chart values; it must stay allowed.
    properties: {
      global: { type: 'object', description: 'Values shared with subcharts.' },
      ...(root.properties as object),
    },
  };
}
