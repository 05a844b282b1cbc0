/**
 * Parses YAML the way helm reads values files and `fromYaml` input: YAML 1.1 scalars (y/yes/on are
 * booleans, 010 is octal), merge keys, timestamps left as strings, and every number a float64 (a JS
 * number in our value model, see values.ts).
 */
import * as yaml from 'js-yaml';

const HELM_SCHEMA = new yaml.Schema([
  ...yaml.FAILSAFE_SCHEMA.tags,
  yaml.nullYaml11Tag,
  yaml.boolYaml11Tag,
  yaml.intYaml11Tag,
  yaml.floatYaml11Tag,
  yaml.mergeTag,
]);

export function parseHelmYaml(text: string): unknown {
  return yaml.load(text, { schema: HELM_SCHEMA });
}
