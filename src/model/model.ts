/**
 * The typed values model: every chart value is declared exactly once, with its type, default,
 * constraints and one-line doc. values.yaml, values.schema.json, the README table, the TypeScript
 * type and the template reference check are all derived from these declarations.
 */
import type { Shape } from './k8s.ts';

/** A JSON Schema fragment (draft-07). Kept loose on purpose: it is data we emit, not data we read. */
export type JsonSchema = { [key: string]: unknown };

/** Named schemas a fragment refers to by `#/definitions/<name>`; values.schema.json holds them at its root. */
export type Definitions = Record<string, JsonSchema>;

/** Where a fragment carries its Definitions (a symbol: never a property name, never serialized). */
export const DEFINITIONS: unique symbol = Symbol('definitions');

interface NodeBase<T> {
  /** One line for values.yaml (`# --`), the README table and the schema's description. */
  readonly doc: string;
  /** Phantom field carrying the TypeScript type of the value; never set at runtime. */
  readonly __type?: T;
}

export interface LeafNode<T> extends NodeBase<T> {
  readonly kind: 'leaf';
  readonly default: T;
  /** Schema of the value itself (type, enum, pattern, min/max...). */
  readonly schema: JsonSchema;
  /** Type name shown in the README table. */
  readonly typeName: string;
  /**
   * True for free-form values (Kubernetes objects, string maps): templates may reference paths below
   * them, and the schema, not the model, knows their inner structure.
   */
  readonly open: boolean;
  /**
   * Declared without a default: documented and allowed by the schema, but absent from values.yaml and
   * from the merged values unless a values file sets it (e.g. the root `enabled` of parent charts'
   * `condition:`). Optional in the TypeScript type.
   */
  readonly absent?: true;
}

/** A leaf with no default (see LeafNode.absent). */
export interface AbsentLeafNode<T> extends LeafNode<T> {
  readonly absent: true;
}

export interface ObjectNode<F extends Fields> extends NodeBase<ValuesOf<F>> {
  readonly kind: 'object';
  readonly fields: F;
}

export type ValueNode = LeafNode<unknown> | ObjectNode<Fields>;
export type Fields = { readonly [key: string]: ValueNode };

/** The TypeScript type of the values a node declares. */
export type ValueOf<N> = N extends NodeBase<infer T> ? T : never;

type AbsentKeys<F extends Fields> = { [K in keyof F]: F[K] extends { absent: true } ? K : never }[keyof F];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The TypeScript type of a whole model's values (what the templates see: every key present, except
 * the absent leaves, which are optional).
 */
export type ValuesOf<F extends Fields> = Simplify<
  { [K in Exclude<keyof F, AbsentKeys<F>>]: ValueOf<F[K]> } & { [K in AbsentKeys<F>]?: ValueOf<F[K]> }
>;

/**
 * What a values file (`-f`) may say about a node: chart-owned objects partially (helm merges them into
 * the defaults), leaves whole (a list or a Kubernetes object replaces the default), null deleting it.
 */
export type OverrideOf<N> = N extends ObjectNode<infer F> ? OverridesOf<F> | null : ValueOf<N> | null;
export type OverridesOf<F extends Fields> = { [K in keyof F]?: OverrideOf<F[K]> };

type LeafOptions = { schema?: JsonSchema };

function leaf<T>(typeName: string, def: T, doc: string, schema: JsonSchema, open = false): LeafNode<T> {
  return { kind: 'leaf', default: def, doc, schema, typeName, open };
}

export const v = {
  string(
    def: string,
    doc: string,
    opts: { enum?: readonly string[]; pattern?: string } = {},
  ): LeafNode<string> {
    const schema: JsonSchema = { type: 'string' };
    if (opts.enum) schema.enum = [...opts.enum];
    if (opts.pattern) schema.pattern = opts.pattern;
    return leaf('string', def, doc, schema);
  },
  /** One of a fixed set of strings; the TypeScript type is the union of them. */
  enum<const E extends readonly string[]>(values: E, def: E[number], doc: string): LeafNode<E[number]> {
    return leaf('string', def, doc, { type: 'string', enum: [...values] });
  },
  boolean(def: boolean, doc: string): LeafNode<boolean> {
    return leaf('bool', def, doc, { type: 'boolean' });
  },
  integer(def: number, doc: string, opts: { minimum?: number; maximum?: number } = {}): LeafNode<number> {
    return leaf('int', def, doc, { type: 'integer', ...opts });
  },
  number(def: number, doc: string, opts: { minimum?: number; maximum?: number } = {}): LeafNode<number> {
    return leaf('float', def, doc, { type: 'number', ...opts });
  },
  /**
   * A value validated by an inlined schema. Its TypeScript type is stated (`v.custom<string[]>(...)`), never
   * inferred from the default (`[]` would make it never[]): without one, no default type-checks.
   */
  custom<T = never>(
    typeName: string,
    def: NoInfer<T>,
    doc: string,
    schema: JsonSchema,
    opts: LeafOptions = {},
  ): LeafNode<T> {
    return leaf(typeName, def, doc, opts.schema ?? schema, true);
  },
  /**
   * A value of a given shape, e.g. a Kubernetes object or list (src/model/k8s.ts): its TypeScript type
   * and its schema come from the same declaration, so the default must type-check against both.
   */
  shaped<T>(typeName: string, def: NoInfer<T>, doc: string, shape: Shape<T>): LeafNode<T> {
    return leaf(typeName, def, doc, shape.schema, true);
  },
  object<F extends Fields>(doc: string, fields: F): ObjectNode<F> {
    return { kind: 'object', doc, fields };
  },
  /**
   * The same leaf without a default: in the schema and the README, never in values.yaml (see
   * LeafNode.absent). Its declared default only documents what the chart does when it is unset.
   */
  absent<T>(node: LeafNode<T>): AbsentLeafNode<T> {
    return { ...node, absent: true };
  },
};

/** Values for a whole model, filled with defaults. */
export function defaultsOf<F extends Fields>(fields: F): ValuesOf<F> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(fields)) {
    if (node.kind === 'leaf' && node.absent) continue;
    out[key] = node.kind === 'object' ? defaultsOf(node.fields) : structuredClone(node.default);
  }
  return out as ValuesOf<F>;
}

/** Every declared node with its dotted path, depth-first in declaration order. */
export function* walkModel(fields: Fields, prefix: string[] = []): Generator<[string[], ValueNode]> {
  for (const [key, node] of Object.entries(fields)) {
    const path = [...prefix, key];
    yield [path, node];
    if (node.kind === 'object') yield* walkModel(node.fields, path);
  }
}

/**
 * Whether a template may reference `.Values.<path>`: it must name a declared node, or lie below an
 * open (free-form) leaf.
 */
export function resolvesInModel(fields: Fields, path: readonly string[]): boolean {
  let current: Fields = fields;
  for (let i = 0; i < path.length; i++) {
    const node = current[path[i]];
    if (!node) return false;
    if (node.kind === 'leaf') return i === path.length - 1 || node.open;
    current = node.fields;
  }
  return true;
}
