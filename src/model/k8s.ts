/**
 * Kubernetes-shaped values, typed and validated from one source: the `kubernetes-models` package.
 *
 * Its TypeScript interfaces (`IToleration`, `IContainer`, ...) type the values in `VineyardValues`; the JSON
 * schemas for values.schema.json are derived here from the same declarations. The package ships no JSON
 * Schema documents (its `_schemas/*.js` are compiled ajv validators, code rather than data), so the
 * schemas are read off its generated `.d.ts` files with the TypeScript parser: each interface becomes a
 * closed object (`additionalProperties: false`, its non-optional members `required`), each union of string
 * literals an enum, and each referenced interface one named definition, referred to by a local `$ref`
 * (values.schema.json stays self-contained: valuesSchema gathers the definitions at its root).
 *
 * Two facts the declarations cannot carry are added here: every `number` of the Kubernetes API is an
 * integer (int32/int64; the API conventions forbid floats and the package's validators for core/v1
 * check no float anywhere), and a resource.Quantity string follows Kubernetes' quantity grammar.
 * Descriptions are left out to keep the chart's schema readable; the Kubernetes API reference has them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type TS from 'typescript';
import { cachedShape, type DerivedShape } from './k8s-cache.ts';
import { DEFINITIONS, type Definitions, type JsonSchema } from './model.ts';

/** A value shape: a JSON schema, with the TypeScript type of the values it accepts as a phantom. */
export interface Shape<T> {
  readonly schema: JsonSchema;
  readonly __type?: T;
}

/** resource.Quantity: a string like "100m", "1.5Gi", "1e3", or a plain number. */
export const QUANTITY_PATTERN =
  '^[+-]?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

const QUANTITY_NAME = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/** Type aliases whose schema says more than their TypeScript type (`number | string`). */
const ALIAS_SCHEMAS: Record<string, JsonSchema> = {
  [QUANTITY_NAME]: { oneOf: [{ type: 'string', pattern: QUANTITY_PATTERN }, { type: 'number' }] },
};

const HERE = fileURLToPath(import.meta.url);

/**
 * The TypeScript parser, loaded by the first derivation and by require: it is a 9 MB
 * CommonJS module, which an ESM import would have Node scan whole for its export names before running it
 * (~0.3 s of the start-up of every command that loads the chart sources).
 */
let ts: typeof TS;
let RESOLUTION: TS.CompilerOptions;

function loadTypeScript(): void {
  if (ts) return;
  ts = createRequire(import.meta.url)('typescript') as typeof TS;
  RESOLUTION = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };
}

const sourceFiles = new Map<string, TS.SourceFile>();
/** The declaration files the derivation under way has read (what its cache entry depends on). */
let filesRead: Set<string> | undefined;

function sourceFile(file: string): TS.SourceFile {
  filesRead?.add(file);
  let sf = sourceFiles.get(file);
  if (!sf) {
    sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
    sourceFiles.set(file, sf);
  }
  return sf;
}

function resolveModule(spec: string, from: string): string {
  // kubernetes-models 4.x declarations import siblings without an extension ("./ResourceClaim"), which
  // only CommonJS resolution accepts
  const resolve = (mode: TS.ResolutionMode) =>
    ts.resolveModuleName(spec, from, RESOLUTION, ts.sys, undefined, undefined, mode).resolvedModule
      ?.resolvedFileName;
  const found = resolve(ts.ModuleKind.ESNext) ?? resolve(ts.ModuleKind.CommonJS);
  if (!found?.endsWith('.d.ts')) throw new Error(`kubernetes-models: cannot resolve "${spec}" from ${from}`);
  return found;
}

type Declaration = TS.InterfaceDeclaration | TS.TypeAliasDeclaration;

interface Resolved {
  decl: Declaration;
  sf: TS.SourceFile;
  /** The OpenAPI name, e.g. io.k8s.api.core.v1.Toleration. */
  name: string;
}

/**
 * The OpenAPI definition name from kubernetes-models' exported alias, e.g. IIoK8sApiCoreV1PodSecurityContext
 * -> io.k8s.api.core.v1.PodSecurityContext. Names without a version (Quantity, IntOrString) are split at
 * every word, the last one being the kind.
 */
export function openApiName(alias: string): string {
  const bare = alias.replace(/^I(?=Io)/, '');
  const m = /^(.*?)(V\d+(?:(?:Alpha|Beta)\d+)?)([A-Z].*)$/.exec(bare);
  const words = (s: string) => s.match(/[A-Z][a-z0-9]*/g) ?? [];
  if (m) return [...words(m[1]).map((w) => w.toLowerCase()), m[2].toLowerCase(), m[3]].join('.');
  const all = words(bare);
  return [...all.slice(0, -1).map((w) => w.toLowerCase()), all[all.length - 1]].join('.');
}

/** The interface or type alias `name` of a kubernetes-models declaration file (exported under any name). */
function findDeclaration(sf: TS.SourceFile, name: string): Resolved {
  let local = name;
  let alias: string | undefined;
  for (const st of sf.statements) {
    if (!ts.isExportDeclaration(st) || st.moduleSpecifier || !st.exportClause) continue;
    if (!ts.isNamedExports(st.exportClause)) continue;
    for (const el of st.exportClause.elements) {
      if (el.name.text === name) local = el.propertyName?.text ?? name;
    }
  }
  for (const st of sf.statements) {
    if (!ts.isExportDeclaration(st) || st.moduleSpecifier || !st.exportClause) continue;
    if (!ts.isNamedExports(st.exportClause)) continue;
    for (const el of st.exportClause.elements) {
      if ((el.propertyName?.text ?? el.name.text) === local && /^IIo/.test(el.name.text))
        alias = el.name.text;
    }
  }
  for (const st of sf.statements) {
    if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name.text === local) {
      return { decl: st, sf, name: openApiName(alias ?? local) };
    }
  }
  throw new Error(`kubernetes-models: ${sf.fileName} declares no "${name}"`);
}

/** What a type name used in `sf` refers to: a declaration in the same file or an imported one. */
function resolveReference(sf: TS.SourceFile, name: string): Resolved {
  for (const st of sf.statements) {
    if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name.text === name) {
      return findDeclaration(sf, name);
    }
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const bindings = st.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    for (const el of bindings.elements) {
      if (el.name.text !== name) continue;
      const target = sourceFile(resolveModule(st.moduleSpecifier.text, sf.fileName));
      return findDeclaration(target, el.propertyName?.text ?? name);
    }
  }
  throw new Error(`kubernetes-models: ${sf.fileName} refers to "${name}", declared nowhere`);
}

function propertyName(name: TS.PropertyName): string {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  throw new Error(`kubernetes-models: unsupported property name kind ${ts.SyntaxKind[name.kind]}`);
}

class Deriver {
  readonly definitions: Definitions = {};

  ref(target: Resolved): JsonSchema {
    const { decl, sf, name } = target;
    if (ts.isTypeAliasDeclaration(decl) && !ALIAS_SCHEMAS[name]) return this.type(decl.type, sf);
    if (!this.definitions[name]) {
      this.definitions[name] = {}; // placeholder: a recursive type refers to itself by $ref
      this.definitions[name] = ts.isInterfaceDeclaration(decl)
        ? this.members(decl.members, sf, name)
        : ALIAS_SCHEMAS[name];
    }
    return { $ref: `#/definitions/${name}` };
  }

  members(members: TS.NodeArray<TS.TypeElement>, sf: TS.SourceFile, where: string): JsonSchema {
    if (members.length === 0) return { type: 'object' }; // e.g. FieldsV1: free-form JSON
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    let additional: JsonSchema | false = false;
    for (const m of members) {
      if (ts.isPropertySignature(m) && m.type) {
        const key = propertyName(m.name);
        properties[key] = this.type(m.type, sf);
        if (!m.questionToken) required.push(key);
      } else if (ts.isIndexSignatureDeclaration(m)) {
        additional = this.type(m.type, sf);
      } else {
        throw new Error(`kubernetes-models: unsupported member ${ts.SyntaxKind[m.kind]} in ${where}`);
      }
    }
    const out: JsonSchema = { type: 'object' };
    if (required.length > 0) out.required = required;
    if (Object.keys(properties).length > 0) out.properties = properties;
    out.additionalProperties = additional;
    return out;
  }

  type(node: TS.TypeNode, sf: TS.SourceFile): JsonSchema {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { type: 'integer' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.AnyKeyword:
      case ts.SyntaxKind.UnknownKeyword:
        return {};
      case ts.SyntaxKind.ObjectKeyword:
        return { type: 'object' };
    }
    if (ts.isParenthesizedTypeNode(node)) return this.type(node.type, sf);
    if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) {
      return { type: 'string', enum: [node.literal.text] };
    }
    if (ts.isArrayTypeNode(node)) return { type: 'array', items: this.type(node.elementType, sf) };
    if (ts.isTypeLiteralNode(node)) return this.members(node.members, sf, sf.fileName);
    if (ts.isUnionTypeNode(node)) return union(node.types.map((t) => this.type(t, sf)));
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
      const name = node.typeName.text;
      const args = node.typeArguments ?? [];
      if (name === 'Array' && args.length === 1) return { type: 'array', items: this.type(args[0], sf) };
      if (args.length === 0) return this.ref(resolveReference(sf, name));
    }
    throw new Error(`kubernetes-models: unsupported type "${node.getText(sf)}" in ${sf.fileName}`);
  }
}

/** A union as JSON Schema: string literals as one enum, plain types as a type list, else anyOf. */
function union(parts: JsonSchema[]): JsonSchema {
  if (parts.every((p) => p.type === 'string' && Array.isArray(p.enum) && Object.keys(p).length === 2)) {
    return { type: 'string', enum: parts.flatMap((p) => p.enum as string[]) };
  }
  if (parts.every((p) => typeof p.type === 'string' && Object.keys(p).length === 1)) {
    return { type: parts.map((p) => p.type as string).sort() };
  }
  return { anyOf: parts };
}

/** A shape derived from the declaration `name` of `module`, with the declaration files it read. */
function derive(module: string, name: string): DerivedShape & { files: string[] } {
  loadTypeScript();
  filesRead = new Set();
  try {
    const deriver = new Deriver();
    const ref = deriver.ref(findDeclaration(sourceFile(resolveModule(module, HERE)), name));
    return { schema: ref, definitions: deriver.definitions, files: [...filesRead] };
  } finally {
    filesRead = undefined;
  }
}

/**
 * The shape of the declaration `name` of `module`, from the cache of derived shapes (k8s-cache.ts) when
 * the declaration files are those it was derived from, else derived; `fresh` always derives.
 */
function shapeOf<T>(module: string, name: string, fresh = false): Shape<T> {
  const { schema, definitions } = fresh
    ? derive(module, name)
    : cachedShape(HERE, `${module}#${name}`, () => derive(module, name));
  return { schema: { ...schema, [DEFINITIONS]: definitions } };
}

/**
 * The shape of one kubernetes-models interface, by module: `v1/Toleration` is `IToleration` of
 * `kubernetes-models/v1/Toleration`. The schema is a `$ref`, carrying the definitions it needs.
 * `fresh`: derived from the declarations, whatever the cache holds (tests compare the two).
 */
export function kubernetes<T>(module: string, fresh = false): Shape<T> {
  return shapeOf(`kubernetes-models/${module}`, `I${module.split('/').pop()}`, fresh);
}

/** The shape of resource.Quantity (`100m`, `1.5Gi`, 2). */
export function quantity(fresh = false): Shape<number | string> {
  return shapeOf('@kubernetes-models/apimachinery/api/resource/Quantity', 'IQuantity', fresh);
}

/** A list of `item`. */
export function listOf<T>(item: Shape<T>): Shape<T[]> {
  return { schema: { type: 'array', items: item.schema } };
}

/** A map of string keys to `value` (labels, annotations, node selectors: string to string). */
export function mapOf<T>(value: Shape<T>): Shape<Record<string, T>> {
  return { schema: { type: 'object', additionalProperties: value.schema } };
}

export const string: Shape<string> = { schema: { type: 'string' } };

/** Exactly `value` (e.g. '' for "not set" beside a quantity). */
export function literal<const T extends string>(value: T): Shape<T> {
  return { schema: { type: 'string', enum: [value] } };
}

/**
 * `shape` narrowed by the chart: its schema must also match `extra` (draft-07 ignores keywords beside a
 * `$ref`, hence allOf), and its TypeScript type becomes `U`, which the caller states to match.
 */
export function refine<T, U extends T>(shape: Shape<T>, extra: JsonSchema): Shape<U> {
  return { schema: { allOf: [shape.schema, extra] } };
}

/** Either of two shapes. */
export function oneOf<A, B>(a: Shape<A>, b: Shape<B>): Shape<A | B> {
  return { schema: { oneOf: [a.schema, b.schema] } };
}
