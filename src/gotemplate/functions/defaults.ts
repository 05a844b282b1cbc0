/**
 * sprig's defaults.go: default/empty/coalesce/ternary and the JSON encoders helm does not
 * replace (toPrettyJson, toRawJson, mustToPrettyJson, mustFromJson; helm's own toJson/fromJson are in
 * helm.ts).
 */
import type { TemplateFunc } from '../exec.ts';
import { toJson } from '../serialize.ts';
import { typeOf } from '../values.ts';
import { empty, f1, s1 } from './args.ts';
import { fromJson } from './helm.ts';

export const DEFAULT_FUNCS: Record<string, TemplateFunc> = {
  default: ([d, ...given]) => (given.length === 0 || empty(given[0]) ? d : given[0]),
  empty: f1(empty),
  coalesce: (a) => a.find((x) => !empty(x)) ?? null,
  ternary: ([vt, vf, c]) => {
    if (typeof c !== 'boolean') throw new Error(`wrong type for value; expected bool; got ${typeOf(c)}`);
    return c ? vt : vf;
  },
  toPrettyJson: f1((v) => toJson(v, '  ')),
  mustToPrettyJson: ([v]) => toJson(v, '  '),
  // encoding/json escapes <, > and & as \u003c...; toRawJson is the same without that escaping.
  toRawJson: f1((v) =>
    toJson(v)
      .replace(/\\u003c/g, '<')
      .replace(/\\u003e/g, '>')
      .replace(/\\u0026/g, '&'),
  ),
  // sprig's mustFromJson fails on bad JSON; ours has always been helm's fromJson (an {Error: ...} map).
  mustFromJson: s1(fromJson),
};
