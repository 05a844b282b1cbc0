/**
 * toYaml / toJson as helm does them: Go's encoding/json (sorted keys, HTML-safe escaping), and
 * sigs.k8s.io/yaml (JSON round trip, then go-yaml v2 layout: 2-space maps, sequences not indented
 * under their key, literal blocks for multi-line strings, quotes for anything YAML 1.1 would retype).
 */
import { formatFloatV } from './format.ts';
import { isMap, isNil, isStringer, sortedKeys } from './values.ts';

function jsonString(s: string): string {
  return JSON.stringify(s)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function jsonNumber(f: number): string {
  if (!Number.isFinite(f)) throw new Error(`json: unsupported value: ${formatFloatV(f)}`);
  return String(f); // JS and Go agree: plain decimals in [1e-6, 1e21), else exponent like 1e-7 / 1e+21
}

export function toJson(v: unknown, indent = '', level = ''): string {
  if (isNil(v)) return 'null';
  switch (typeof v) {
    case 'string':
      return jsonString(v);
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'number':
      return jsonNumber(v);
    case 'function':
      throw new Error('json: unsupported type: func');
  }
  if (v instanceof Uint8Array) return jsonString(Buffer.from(v).toString('base64'));
  if (isStringer(v)) return jsonString(v.goString());
  const inner = level + indent;
  const nl = indent ? `\n${inner}` : '';
  const end = indent ? `\n${level}` : '';
  const sep = indent ? ': ' : ':';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${nl}${v.map((x) => toJson(x, indent, inner)).join(`,${nl}`)}${end}]`;
  }
  if (isMap(v)) {
    const keys = sortedKeys(v);
    if (keys.length === 0) return '{}';
    return `{${nl}${keys.map((k) => `${jsonString(k)}${sep}${toJson(v[k], indent, inner)}`).join(`,${nl}`)}${end}}`;
  }
  return jsonString(String(v));
}

const YAML11_SPECIAL =
  /^(~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$/;
const NUMBERISH =
  /^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?)$/;
const TIMESTAMP = /^\d{4}-\d\d?-\d\d?([Tt ]|$)/;

function needsQuotes(s: string): boolean {
  if (s === '') return true;
  if (YAML11_SPECIAL.test(s) || NUMBERISH.test(s) || TIMESTAMP.test(s)) return true;
  if (/^[\s]|[\s]$/.test(s)) return true;
  if (/^[,[\]{}#&*!|>'"%@`]/.test(s) || /^[-?:]( |$)/.test(s)) return true;
  if (/: |:$| #|[\t\n\r]/.test(s)) return true;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters force quoting in YAML
  if (/[\u0000-\u001f\u007f-\u009f\ufeff\u2028\u2029]/.test(s)) return true;
  return false;
}

function yamlScalarString(s: string): string {
  if (!needsQuotes(s)) return s;
  // go-yaml v2 double-quotes what would resolve to another type, single-quotes the rest when it can.
  if (s === '' || YAML11_SPECIAL.test(s) || NUMBERISH.test(s) || TIMESTAMP.test(s)) return JSON.stringify(s);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: such strings need escapes
  if (/[\u0000-\u001f\u007f-\u009f\ufeff\u2028\u2029]/.test(s)) return JSON.stringify(s);
  return `'${s.replace(/'/g, "''")}'`;
}

/** go-yaml's literal block for multi-line strings; null where it would pick a quoted style. */
function literalBlock(s: string, ind: number): string | null {
  if (!s.includes('\n')) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: such strings must stay double-quoted
  if (/ \n| $|[\u0000-\u0009\u000b-\u001f\u007f\ufeff\u2028\u2029\r]/.test(s)) return null;
  const trailing = /\n*$/.exec(s)?.[0].length ?? 0;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const indicator = /^[ \n]/.test(s) ? '2' : '';
  const lines = s.split('\n');
  if (trailing > 0) lines.pop();
  const pad = ' '.repeat(ind);
  return `|${indicator}${chomp}\n${lines.map((l) => (l ? pad + l : '')).join('\n')}`;
}

const BEST_WIDTH = 80;

/** go-yaml folds long flow scalars at a space once the column passes 80. */
function fold(scalar: string, startCol: number, indent: number): string {
  const chars = [...scalar];
  const quote = chars[0] === '"' ? '"' : chars[0] === "'" ? "'" : '';
  let out = '';
  let col = startCol;
  let prevSpace = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const inner = quote ? i > 1 && i < chars.length - 2 : i > 0 && i < chars.length - 1;
    if (c === ' ' && inner && !prevSpace && col > BEST_WIDTH && (quote === '"' || chars[i + 1] !== ' ')) {
      out += `\n${' '.repeat(indent)}`;
      col = indent;
      if (quote === '"' && chars[i + 1] === ' ') {
        out += '\\';
        col++;
      }
      prevSpace = true;
      continue;
    }
    out += c;
    col++;
    prevSpace = c === ' ';
  }
  return out;
}

function yamlScalar(v: unknown): string | null {
  if (isNil(v)) return 'null';
  switch (typeof v) {
    case 'string':
      return yamlScalarString(v);
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'number':
      // JSON prints whole floats as integers; go-yaml reads them back as int only if they fit int64.
      if (Number.isInteger(v) && Math.abs(v) < 2 ** 63) return BigInt(v).toString();
      return formatFloatV(v);
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (isStringer(v)) return yamlScalarString(v.goString());
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (isMap(v) && Object.keys(v).length === 0) return '{}';
  return null;
}

/** Lines of a block node at indentation `ind`. */
function yamlBlock(v: unknown, ind: number): string {
  const pad = ' '.repeat(ind);
  if (Array.isArray(v)) {
    return v
      .map((x) => {
        const sc = typeof x === 'string' ? literalBlock(x, ind + 2) : null;
        if (sc) return `${pad}- ${sc}`;
        const s = yamlScalar(x);
        if (s !== null) return `${pad}- ${typeof x === 'string' ? fold(s, ind + 2, ind + 2) : s}`;
        const child = yamlBlock(x, ind + 2);
        return `${pad}- ${child.slice(ind + 2)}`;
      })
      .join('\n');
  }
  const m = v as Record<string, unknown>;
  return sortedKeys(m)
    .map((k) => {
      const key = `${pad}${yamlScalarString(k)}:`;
      const x = m[k];
      const lit = typeof x === 'string' ? literalBlock(x, ind + 2) : null;
      if (lit) return `${key} ${lit}`;
      const s = yamlScalar(x);
      if (s !== null) return `${key} ${typeof x === 'string' ? fold(s, [...key].length + 1, ind + 2) : s}`;
      return `${key}\n${yamlBlock(x, Array.isArray(x) ? ind : ind + 2)}`;
    })
    .join('\n');
}

/** sigs.k8s.io/yaml Marshal output with helm's trailing newline trimmed. */
export function toYaml(v: unknown): string {
  const lit = typeof v === 'string' ? literalBlock(v, 2) : null;
  if (lit) return lit;
  const s = yamlScalar(v);
  if (s !== null) return s;
  return yamlBlock(v, 0);
}
