/**
 * helm's own functions (pkg/engine/funcs.go's `extra` map, which replaces sprig's entries of the same
 * name) and the late-bound ones its engine supplies (include, tpl, required, lookup). Not implemented:
 * toToml/mustToToml/fromToml and the duration helpers.
 */
import { FailError } from '../errors.ts';
import type { TemplateFunc } from '../exec.ts';
import { toJson, toYaml } from '../serialize.ts';
import { isMap, isNil } from '../values.ts';
import { parseHelmYaml } from '../yaml-load.ts';
import { f1, s1, str } from './args.ts';

/** helm's fromYAML: a map, or {Error: ...} when the text is not a YAML mapping (never a template error). */
function fromYaml(s: string): unknown {
  try {
    const v = parseHelmYaml(s);
    return isMap(v)
      ? v
      : v === undefined || v === null
        ? {}
        : { Error: 'error unmarshaling JSON: not an object' };
  } catch (e) {
    return { Error: e instanceof Error ? e.message : String(e) };
  }
}

/** helm's fromJSON: parse errors come back as {Error: ...} instead of failing the render. */
export function fromJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch (e) {
    return { Error: e instanceof Error ? e.message : String(e) };
  }
}

export const HELM_FUNCS: Record<string, TemplateFunc> = {
  include: ([name, data], ctx) => ctx.include(str(name), data),
  tpl: ([text, data], ctx) => ctx.tpl(str(text), data),
  required: ([msg, v]) => {
    if (isNil(v) || v === '') throw new FailError(str(msg));
    return v;
  },
  // sprig's, but here beside required: both raise FailError, which the engine reports as helm does.
  fail: ([msg]) => {
    throw new FailError(str(msg));
  },
  // helm's placeholder outside a cluster (`helm template`): always an empty map.
  lookup: () => ({}),
  toYaml: f1(toYaml),
  mustToYaml: f1(toYaml),
  toYamlPretty: f1(toYaml),
  fromYaml: s1(fromYaml),
  fromYamlArray: s1((s) => {
    const v = parseHelmYaml(s);
    return Array.isArray(v) ? v : [];
  }),
  toJson: f1((v) => toJson(v)),
  mustToJson: f1((v) => toJson(v)),
  fromJson: s1(fromJson),
  fromJsonArray: ([s]) => {
    try {
      const v = JSON.parse(str(s)) as unknown;
      return Array.isArray(v) ? v : [];
    } catch {
      return [];
    }
  },
};
