/**
 * Static analysis: which `.Values` paths a template references. The dot is tracked as a path from
 * the root: root at top level and inside define; `with X` moves it to X; inside `range` it is an
 * element (unknown, so nothing under it is reported). Variables bound to a known path are followed.
 */
import type { Command, Node, Operand, Pipeline } from './parser.ts';
import { parse } from './parser.ts';

export interface ValueReference {
  /** Starts with 'Values': `.Values.a.b` -> ['Values', 'a', 'b']; `.Values` passed whole -> ['Values']. */
  path: string[];
  template: string;
  line: number;
}

type Dot = string[] | null; // path from the root, or null when unknown

export function valueReferences(name: string, text: string): ValueReference[] {
  const parsed = parse(name, text, () => true);
  const out: ValueReference[] = [];
  const seen = new Set<string>();
  const report = (p: string[] | null, line: number) => {
    if (p?.[0] !== 'Values') return;
    const key = `${p.join('.')}@${line}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ path: p, template: name, line });
  };
  const walker = new Walker(report);
  walker.list(parsed.root, [], new Map([['$', []]]));
  for (const body of parsed.defines.values()) walker.list(body, [], new Map([['$', []]]));
  return out;
}

type Vars = Map<string, Dot>;

class Walker {
  constructor(private readonly report: (p: string[] | null, line: number) => void) {}

  list(nodes: Node[], dot: Dot, vars: Vars): void {
    for (const n of nodes) this.node(n, dot, vars);
  }

  private node(n: Node, dot: Dot, vars: Vars): void {
    switch (n.t) {
      case 'action':
        this.pipe(n.pipe, dot, vars);
        return;
      case 'if':
      case 'with':
      case 'range': {
        const inner = new Map(vars);
        const v = this.pipe(n.pipe, dot, inner, n.t === 'range');
        const bodyDot = n.t === 'with' ? v : n.t === 'range' ? null : dot;
        this.list(n.list, bodyDot, new Map(inner));
        if (n.elseList) this.list(n.elseList, dot, new Map(inner));
        return;
      }
      case 'template':
        if (n.pipe) this.pipe(n.pipe, dot, vars);
        return;
      default:
        return;
    }
  }

  /** Returns the path the pipeline's value stands for, if it is a plain reference. */
  private pipe(p: Pipeline, dot: Dot, vars: Vars, isRange = false): Dot {
    let value: Dot = null;
    for (const cmd of p.cmds) value = this.command(cmd, dot, vars);
    if (p.cmds.length > 1) value = null;
    p.decl.forEach((d, i) => {
      if (isRange) vars.set(d, null);
      else if (!p.isAssign || i === 0) vars.set(d, value);
    });
    return value;
  }

  private command(cmd: Command, dot: Dot, vars: Vars): Dot {
    const values = cmd.args.map((a) => this.operand(a, dot, vars, cmd.line));
    const [fn, base, ...keys] = cmd.args;
    // `index .Values "a-b" "c"` is how charts reach keys that are not identifiers.
    if (fn.t === 'ident' && fn.name === 'index' && base && values[1] && keys.every((k) => k.t === 'string')) {
      const p = [...(values[1] as string[]), ...keys.map((k) => (k.t === 'string' ? k.value : ''))];
      this.report(p, cmd.line);
      return p;
    }
    return cmd.args.length === 1 ? values[0] : null;
  }

  private operand(op: Operand, dot: Dot, vars: Vars, line: number): Dot {
    const at = (base: Dot, names: string[]): Dot => {
      if (!base) return null;
      const p = [...base, ...names];
      this.report(p, line);
      return p;
    };
    switch (op.t) {
      case 'field':
        return at(dot, op.names);
      case 'dot':
        if (dot?.length) this.report(dot, line);
        return dot;
      case 'var': {
        const base = vars.get(op.name) ?? null;
        if (op.names.length === 0) {
          if (base?.length) this.report(base, line);
          return base;
        }
        return at(base, op.names);
      }
      case 'chain':
        return at(this.operand(op.node, dot, vars, line), op.names);
      case 'pipe':
        return this.pipe(op.pipe, dot, new Map(vars));
      default:
        return null;
    }
  }
}
