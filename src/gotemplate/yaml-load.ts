/**
 * Parses YAML the way helm reads values files and `fromYaml` input (sigs.k8s.io/yaml on go-yaml v2):
 * YAML 1.1 booleans and nulls (y/yes/on/off/~), merge keys, timestamps and sexagesimals left as
 * strings, integers as Go's strconv.ParseInt(s, 0, 64) reads them (0x, 0o, 0b, leading-0 octal,
 * underscores), floats with or without a dot (1e3) — and every number a float64 (a JS number in our
 * value model, see values.ts), since helm round-trips values through JSON.
 */
import * as yaml from 'js-yaml';
import { bounded } from '../util/tree-bounds.ts';

const DIGIT_START = ['-', '+', '.', ...'0123456789'];

function resolveGoInt(source: string): number | typeof yaml.NOT_RESOLVED {
  const plain = source.replace(/_/g, '');
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(plain);
  if (!m) return yaml.NOT_RESOLVED;
  let body = m[2];
  if (/^0[0-7]+$/.test(body)) body = `0o${body.slice(1)}`;
  const n = BigInt(body.toLowerCase());
  return Number(m[1] === '-' ? -n : n) + 0; // + 0 turns -0 into 0, as Go's int does
}

function resolveGoFloat(source: string): number | typeof yaml.NOT_RESOLVED {
  const plain = source.replace(/_/g, '');
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return Number.parseFloat(plain);
  if (/^[-+]?\.(inf|Inf|INF)$/.test(plain)) return plain.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(plain)) return Number.NaN;
  return yaml.NOT_RESOLVED;
}

const goIntTag = yaml.defineScalarTag<number>('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: DIGIT_START,
  resolve: resolveGoInt,
  identify: () => false,
  represent: (n) => String(n),
});

const goFloatTag = yaml.defineScalarTag<number>('tag:yaml.org,2002:float', {
  implicit: true,
  implicitFirstChars: DIGIT_START,
  resolve: resolveGoFloat,
  identify: () => false,
  represent: (n) => String(n),
});

const HELM_SCHEMA = new yaml.Schema([
  ...yaml.FAILSAFE_SCHEMA.tags,
  yaml.nullYaml11Tag,
  yaml.boolYaml11Tag,
  goIntTag,
  goFloatTag,
  yaml.mergeTag,
]);

/** The first document (go-yaml ignores the rest); null for empty input or a document of only comments. */
export function parseHelmYaml(text: string): unknown {
  return bounded(() => yaml.loadAll(text, { schema: HELM_SCHEMA })[0] ?? null);
}
