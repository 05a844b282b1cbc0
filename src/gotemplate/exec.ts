/** Executes a parsed template tree the way Go's text/template does (helm's options: missingkey=zero). */
import { FailError, TemplateError } from './errors.ts';
import { formatV } from './format.ts';
import type { Command, ControlNode, Node, Operand, Pipeline } from './parser.ts';
import { isMap, isNil, isStringer, sortedKeys, truth, typeOf } from './values.ts';

export interface FuncContext {
  /** Runs a named template into a string (helm's `include`). */
  include(name: string, data: unknown): string;
  /** Parses and runs `text` with the current template set (helm's `tpl`). */
  tpl(text: string, data: unknown): string;
}
export type TemplateFunc = (args: unknown[], ctx: FuncContext) => unknown;

/** A named template and the file it was defined in (error messages name the file, like Go's). */
export interface TemplateBody {
  nodes: Node[];
  file: string;
}

export interface TemplateSet {
  /** name -> body; a define replaces an earlier one of the same name. */
  templates: Map<string, TemplateBody>;
  funcs: Map<string, TemplateFunc>;
  /** Parses `text` under `name`, adding its defines; used by tpl. */
  parseInto(name: string, text: string): Node[];
}

const NO_VALUE = '<no value>';
const MAX_DEPTH = 1000;

class BreakSignal {}
class ContinueSignal {}

interface Variable {
  name: string;
  value: unknown;
}

export class Executor implements FuncContext {
  private vars: Variable[] = [];
  private out: string[] = [];
  private line = 0;

  constructor(
    private readonly set: TemplateSet,
    private readonly name: string,
    private readonly file: string,
    private readonly depth = 0,
  ) {}

  /** Runs `nodes` with `dot` as both . and $, returning the produced text. */
  run(nodes: Node[], dot: unknown): string {
    if (this.depth > MAX_DEPTH) {
      throw this.error('exceeded max template depth (1000)');
    }
    this.vars = [{ name: '$', value: dot }];
    this.walkList(nodes, dot);
    return this.out.join('');
  }

  private fail(msg: string): never {
    throw this.error(msg);
  }

  private error(msg: string, line = this.line): TemplateError {
    const where = this.name === this.file ? '' : `executing "${this.name}": `;
    return new TemplateError(this.file, line, where + msg);
  }

  include(name: string, data: unknown): string {
    const body = this.set.templates.get(name);
    if (!body)
      this.fail(`error calling include: template: no template "${name}" associated with template "gotpl"`);
    return new Executor(this.set, name, body.file, this.depth + 1).run(body.nodes, data);
  }

  tpl(text: string, data: unknown): string {
    const nodes = this.set.parseInto(this.file, text);
    return new Executor(this.set, this.name, this.file, this.depth + 1)
      .run(nodes, data)
      .replaceAll(NO_VALUE, '');
  }

  private walkList(nodes: Node[], dot: unknown): void {
    for (const n of nodes) this.walk(n, dot);
  }

  private walk(n: Node, dot: unknown): void {
    switch (n.t) {
      case 'text':
        this.out.push(n.text);
        return;
      case 'action': {
        this.line = n.line;
        const v = this.evalPipeline(dot, n.pipe);
        if (n.pipe.decl.length === 0) this.out.push(printValue(v));
        return;
      }
      case 'if':
      case 'with': {
        this.line = n.line;
        const mark = this.vars.length;
        const v = this.evalPipeline(dot, n.pipe);
        if (truth(v)) this.walkList(n.list, n.t === 'with' ? v : dot);
        else if (n.elseList) this.walkList(n.elseList, dot);
        this.vars.length = mark;
        return;
      }
      case 'range':
        this.walkRange(n, dot);
        return;
      case 'template': {
        this.line = n.line;
        const body = this.set.templates.get(n.name);
        if (!body) this.fail(`template: no template "${n.name}" associated with template "gotpl"`);
        const data = n.pipe ? this.evalPipeline(dot, n.pipe) : null;
        this.out.push(new Executor(this.set, n.name, body.file, this.depth + 1).run(body.nodes, data));
        return;
      }
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
    }
  }

  private walkRange(n: ControlNode, dot: unknown): void {
    this.line = n.line;
    const mark = this.vars.length;
    const decl = n.pipe.decl;
    const v = this.evalPipeline(dot, { ...n.pipe, decl: [] });
    const items: [unknown, unknown][] = [];
    if (Array.isArray(v)) for (const [i, x] of v.entries()) items.push([BigInt(i), x]);
    else if (isMap(v)) for (const k of sortedKeys(v)) items.push([k, v[k]]);
    else if (typeof v === 'bigint') for (let i = 0n; i < v; i++) items.push([i, i]);
    else if (!isNil(v)) this.fail(`range can't iterate over ${formatV(v)}`);
    if (items.length === 0) {
      if (n.elseList) this.walkList(n.elseList, dot);
      this.vars.length = mark;
      return;
    }
    for (const [k, x] of items) {
      const inner = this.vars.length;
      if (decl.length === 1) this.bind(decl[0], x, n.pipe.isAssign);
      if (decl.length === 2) {
        this.bind(decl[0], k, n.pipe.isAssign);
        this.bind(decl[1], x, n.pipe.isAssign);
      }
      try {
        this.walkList(n.list, x);
      } catch (e) {
        if (e instanceof BreakSignal) break;
        if (!(e instanceof ContinueSignal)) throw e;
      } finally {
        this.vars.length = inner;
      }
    }
    this.vars.length = mark;
  }

  private bind(name: string, value: unknown, assign: boolean): void {
    if (assign) this.setVar(name, value);
    else this.vars.push({ name, value });
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    return this.fail(`undefined variable: ${name}`);
  }

  evalPipeline(dot: unknown, pipe: Pipeline): unknown {
    let value: unknown;
    let hasFinal = false;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, hasFinal, value);
      hasFinal = true;
    }
    for (const name of pipe.decl) this.bind(name, value, pipe.isAssign);
    return value;
  }

  private evalCommand(dot: unknown, cmd: Command, hasFinal: boolean, final: unknown): unknown {
    this.line = cmd.line;
    const [first, ...rest] = cmd.args;
    switch (first.t) {
      case 'field':
        return this.evalFieldChain(dot, first.names, rest, dot, hasFinal, final);
      case 'var':
        if (first.names.length === 0) {
          this.noArgs(first, rest, hasFinal);
          return this.varValue(first.name);
        }
        return this.evalFieldChain(this.varValue(first.name), first.names, rest, dot, hasFinal, final);
      case 'chain': {
        const base = this.evalArg(dot, first.node);
        return this.evalFieldChain(base, first.names, rest, dot, hasFinal, final);
      }
      case 'ident':
        return this.callFunction(dot, first.name, rest, hasFinal, final);
      case 'nil':
        return this.fail('nil is not a command');
      default:
        this.noArgs(first, rest, hasFinal);
        return this.evalArg(dot, first);
    }
  }

  private noArgs(first: Operand, rest: Operand[], hasFinal: boolean): void {
    if (rest.length || hasFinal) this.fail(`can't give argument to non-function ${describe(first)}`);
  }

  private evalArg(dot: unknown, op: Operand): unknown {
    switch (op.t) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'bool':
        return op.value;
      case 'number':
        return op.value;
      case 'string':
        return op.value;
      case 'field':
        return this.evalFieldChain(dot, op.names, [], dot, false, undefined);
      case 'var':
        return this.evalFieldChain(this.varValue(op.name), op.names, [], dot, false, undefined);
      case 'chain':
        return this.evalFieldChain(this.evalArg(dot, op.node), op.names, [], dot, false, undefined);
      case 'ident':
        return this.callFunction(dot, op.name, [], false, undefined);
      case 'pipe': {
        const mark = this.vars.length;
        const v = this.evalPipeline(dot, op.pipe);
        this.vars.length = mark;
        return v;
      }
    }
  }

  private evalFieldChain(
    receiver: unknown,
    names: string[],
    args: Operand[],
    dot: unknown,
    hasFinal: boolean,
    final: unknown,
  ): unknown {
    let cur = receiver;
    for (let i = 0; i < names.length; i++) {
      const last = i === names.length - 1;
      cur = this.evalField(cur, names[i], last ? args : [], dot, last && hasFinal, final);
    }
    if (names.length === 0 && (args.length || hasFinal)) this.fail("can't give argument to non-function");
    return cur;
  }

  private evalField(
    receiver: unknown,
    name: string,
    args: Operand[],
    dot: unknown,
    hasFinal: boolean,
    final: unknown,
  ): unknown {
    if (isNil(receiver)) this.fail(`nil pointer evaluating interface {}.${name}`);
    let value: unknown;
    if (isMap(receiver) || isStringer(receiver)) {
      const rec = receiver as Record<string, unknown>;
      value = Object.hasOwn(rec, name) || isStringer(receiver) ? rec[name] : undefined;
      if (typeof value === 'function') {
        const argv = args.map((a) => this.evalArg(dot, a));
        if (hasFinal) argv.push(final);
        return (value as (...a: unknown[]) => unknown).call(receiver, ...argv);
      }
      if (isStringer(receiver) && value === undefined) {
        this.fail(`can't evaluate field ${name} in type ${typeOf(receiver)}`);
      }
    } else {
      // Values reach templates as interface{}, which is what Go names in this message.
      this.fail(`can't evaluate field ${name} in type interface {}`);
    }
    if (args.length || hasFinal) this.fail(`${name} has arguments but cannot be invoked as function`);
    return value === undefined ? null : value;
  }

  private callFunction(
    dot: unknown,
    name: string,
    ops: Operand[],
    hasFinal: boolean,
    final: unknown,
  ): unknown {
    if (name === 'and' || name === 'or') {
      const total = ops.length + (hasFinal ? 1 : 0);
      if (total < 1) this.fail(`wrong number of args for ${name}: want at least 1 got 0`);
      let v: unknown;
      for (let i = 0; i < total; i++) {
        v = i < ops.length ? this.evalArg(dot, ops[i]) : final;
        if (name === 'and' ? !truth(v) : truth(v)) return v;
      }
      return v;
    }
    const fn = this.set.funcs.get(name);
    if (!fn) this.fail(`function "${name}" not defined`);
    const line = this.line;
    const argv = ops.map((a) => this.evalArg(dot, a));
    if (hasFinal) argv.push(final);
    this.line = line;
    try {
      return fn(argv, this);
    } catch (e) {
      if (e instanceof TemplateError || e instanceof BreakSignal || e instanceof ContinueSignal) throw e;
      if (e instanceof FailError) throw this.error(`execution error: ${e.message}`, line);
      const msg = e instanceof Error ? e.message : String(e);
      throw this.error(`error calling ${name}: ${msg}`, line);
    }
  }
}

function describe(op: Operand): string {
  switch (op.t) {
    case 'string':
      return JSON.stringify(op.value);
    case 'number':
      return op.text;
    case 'bool':
      return String(op.value);
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    default:
      return op.t;
  }
}

/** What `{{ x }}` writes: nil prints "<no value>" (helm later strips it). */
export function printValue(v: unknown): string {
  if (isNil(v)) return NO_VALUE;
  return formatV(v);
}

export const NO_VALUE_TEXT = NO_VALUE;
