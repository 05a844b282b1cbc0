/**
 * Bounds on a parsed YAML/JSON tree, checked before anything else walks it.
 *
 * js-yaml resolves an alias to the same object as its anchor, so a "billion laughs" document parses
 * into a small graph. The bomb goes off later, in whatever copies or serialises it (coalesce, toYaml,
 * index writing): V8 runs out of memory after half a minute. go-yaml, which helm uses, refuses such
 * documents at once ("excessive aliasing"); so do we, with go-yaml's own ratio rule plus a hard cap
 * on alias expansion, and a depth limit because every walker downstream is recursive.
 */
export const MAX_DEPTH = 1000;
/** Values reached only through aliases, beyond ten times the document's own size. */
const MAX_ALIAS_EXPANSION = 1_000_000;

export class TreeBoundsError extends Error {}

/** go-yaml v3 (decode.go allowedAliasRatio): the share of alias decodes it tolerates. */
function allowedAliasRatio(decodes: number): number {
  if (decodes <= 400_000) return 0.99;
  if (decodes >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decodes - 400_000) / 3_600_000);
}

/** Throws TreeBoundsError when `value` nests deeper than MAX_DEPTH or its aliases expand excessively. */
export function checkTreeBounds(value: unknown): void {
  const seen = new Set<object>();
  const stack: [unknown, number][] = [[value, 0]];
  let decodes = 0;
  let aliases = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    decodes++;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_DEPTH) throw new TreeBoundsError(`nested deeper than ${MAX_DEPTH} levels`);
    if (seen.has(node)) {
      aliases++;
      const expanded = decodes - seen.size;
      if (
        (aliases > 100 && decodes > 1000 && aliases / decodes > allowedAliasRatio(decodes)) ||
        expanded > MAX_ALIAS_EXPANSION + 10 * seen.size
      )
        throw new TreeBoundsError('document contains excessive aliasing (YAML anchors and aliases)');
    } else seen.add(node);
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) stack.push([child, depth + 1]);
  }
}

/** Runs a parser and bounds its result; a parser's own stack overflow on deep input becomes the same error. */
export function bounded<T>(parse: () => T): T {
  let value: T;
  try {
    value = parse();
  } catch (err) {
    if (err instanceof RangeError) throw new TreeBoundsError(`nested deeper than ${MAX_DEPTH} levels`);
    throw err;
  }
  checkTreeBounds(value);
  return value;
}
