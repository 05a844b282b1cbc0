/**
 * How helm combines values: `-f` files are deep-merged in order (later wins), `--set` goes on top,
 * then the result is coalesced with the chart's defaults, where a null removes the default.
 */
type Tree = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of user-supplied layers (helm's mergeMaps): maps merge, anything else replaces. */
export function mergeUserValues(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] =
      isPlainObject(value) && isPlainObject(out[key]) ? mergeUserValues(out[key] as Tree, value) : value;
  }
  return out;
}

/** User values over chart defaults (helm's coalesce): null deletes, maps merge recursively. */
export function coalesceWithDefaults(user: Tree, defaults: Tree): Tree {
  const out: Tree = {};
  for (const [key, def] of Object.entries(defaults)) {
    if (!(key in user)) out[key] = structuredClone(def);
  }
  for (const [key, value] of Object.entries(user)) {
    if (value === null) continue;
    const def = defaults[key];
    out[key] = isPlainObject(value) && isPlainObject(def) ? coalesceWithDefaults(value, def) : value;
  }
  return out;
}

/** Drops nulls nested in user maps that had no default to delete (helm does the same). */
export function dropNulls(tree: Tree): Tree {
  const out: Tree = {};
  for (const [key, value] of Object.entries(tree)) {
    if (value === null) continue;
    out[key] = isPlainObject(value) ? dropNulls(value) : value;
  }
  return out;
}
