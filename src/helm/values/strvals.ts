/**
 * helm's `--set` syntax: `a.b=1,c[0]=x,d={p,q}`. Values are typed the way helm types them:
 * true/false -> bool, null -> nil (deletes the key), integers without a leading zero -> int64
 * (a bigint here, see gotemplate/values.ts), anything else -> string. Floats stay strings, as in helm.
 */
import { UsageError } from '../../errors.ts';

type Tree = Record<string, unknown>;

function typed(raw: string): unknown {
  if (raw.toLowerCase() === 'true') return true;
  if (raw.toLowerCase() === 'false') return false;
  if (raw.toLowerCase() === 'null') return null;
  if (raw === '0') return 0n;
  if (/^[-+]?[1-9][0-9]*$/.test(raw)) {
    const n = BigInt(raw);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return n;
  }
  return raw;
}

/** Splits on `sep` outside `{...}`, honouring backslash escapes (kept for the next stage). */
function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[++i];
      continue;
    }
    if (c === '{') depth++;
    if (c === '}') depth--;
    if (c === sep && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

function unescapeSetText(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

type KeyStep = { key: string } | { index: number };

function parseKey(key: string, expr: string): KeyStep[] {
  const steps: KeyStep[] = [];
  for (const part of splitTop(key, '.')) {
    const m = /^((?:\\.|[^[\\])*)((?:\[\d+\])*)$/.exec(part);
    if (!m || (m[1] === '' && steps.length === 0))
      throw new UsageError(`--set ${expr}: invalid key "${key}"`);
    if (m[1] !== '') steps.push({ key: unescapeSetText(m[1]) });
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) {
      const index = Number(idx[1]);
      if (index > 65536) throw new UsageError(`--set ${expr}: index ${index} is too large`);
      steps.push({ index });
    }
  }
  return steps;
}

function parseValue(raw: string): unknown {
  if (raw.startsWith('{') && raw.endsWith('}')) {
    const inner = raw.slice(1, -1);
    return inner === '' ? [] : splitTop(inner, ',').map((item) => typed(unescapeSetText(item)));
  }
  return typed(unescapeSetText(raw));
}

function assign(tree: Tree, steps: KeyStep[], value: unknown): void {
  let node: Tree | unknown[] = tree;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const last = i === steps.length - 1;
    const nextIsIndex = !last && 'index' in steps[i + 1];
    const slot = 'key' in step ? step.key : step.index;
    const container = node as Record<string | number, unknown>;
    if (last) {
      container[slot] = value;
      return;
    }
    let child = container[slot];
    if (
      nextIsIndex
        ? !Array.isArray(child)
        : typeof child !== 'object' || child === null || Array.isArray(child)
    ) {
      child = nextIsIndex ? [] : {};
      container[slot] = child;
    }
    if (Array.isArray(node) && 'index' in step) for (let j = 0; j < step.index; j++) node[j] ??= null;
    node = child as Tree | unknown[];
  }
}

/** Applies one `--set` argument onto `tree` (mutated and returned). */
export function applySet(tree: Tree, expr: string): Tree {
  for (const assignment of splitTop(expr, ',')) {
    if (assignment === '') continue;
    const eq = assignment.search(/(?<!\\)=/);
    if (eq <= 0) throw new UsageError(`--set ${expr}: expected key=value, got "${assignment}"`);
    assign(tree, parseKey(assignment.slice(0, eq), expr), parseValue(assignment.slice(eq + 1)));
  }
  return tree;
}
