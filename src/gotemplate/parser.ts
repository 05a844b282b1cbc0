/**
 * Parser for Go text/template: tokens -> AST. `define`/`block` bodies are collected into a template
 * table, as Go's parser does; the returned tree is the file's own top-level list.
 */
import { TemplateError } from './errors.ts';
import { lex, type Token } from './lexer.ts';

export type Operand =
  | { t: 'field'; names: string[] } // .A.B on dot
  | { t: 'var'; name: string; names: string[] } // $x.A.B
  | { t: 'dot' }
  | { t: 'nil' }
  | { t: 'bool'; value: boolean }
  | { t: 'number'; value: bigint | number; text: string }
  | { t: 'string'; value: string }
  | { t: 'ident'; name: string } // function name
  | { t: 'chain'; node: Operand; names: string[] } // (pipe).A.B
  | { t: 'pipe'; pipe: Pipeline };

export interface Command {
  args: Operand[];
  line: number;
}

export interface Pipeline {
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
  line: number;
}

export type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipeline; line: number }
  | ControlNode
  | { t: 'template'; name: string; pipe: Pipeline | null; line: number }
  | { t: 'break' | 'continue'; line: number };

export interface ControlNode {
  t: 'if' | 'with' | 'range';
  pipe: Pipeline;
  list: Node[];
  elseList: Node[] | null;
  line: number;
}

export interface Parsed {
  root: Node[];
  defines: Map<string, Node[]>;
}

const KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);

/** Names of functions that exist; an unknown identifier is a parse-time error like Go's. */
export type FuncCheck = (name: string) => boolean;

export function parse(name: string, src: string, hasFunc: FuncCheck): Parsed {
  return new Parser(name, lex(name, src), hasFunc).parseRoot();
}

type EndKind = 'end' | 'else';

class Parser {
  private i = 0;
  private readonly defines = new Map<string, Node[]>();
  private rangeDepth = 0;
  private vars: string[][] = [['$']];

  constructor(
    private readonly name: string,
    private readonly toks: Token[],
    private readonly hasFunc: FuncCheck,
  ) {}

  private err(line: number, msg: string): never {
    throw new TemplateError(this.name, line, msg);
  }
  private peek(): Token | undefined {
    return this.toks[this.i];
  }
  private next(): Token {
    const t = this.toks[this.i++];
    if (!t) this.err(this.toks[this.toks.length - 1]?.line ?? 1, 'unexpected EOF');
    return t;
  }
  private expect(kind: Token['kind'], ctx: string): Token {
    const t = this.next();
    if (t.kind !== kind) this.err(t.line, `unexpected "${t.text}" in ${ctx}`);
    return t;
  }

  parseRoot(): Parsed {
    const { list, end } = this.parseList(true);
    if (end) this.err(end.line, `unexpected {{${end.kind}}}`);
    return { root: list, defines: this.defines };
  }

  /** Parses nodes until {{end}} / {{else ...}} (consumed up to the keyword) or EOF (only at top). */
  private parseList(top: boolean): { list: Node[]; end: { kind: EndKind; line: number } | null } {
    const list: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (!t) {
        if (!top) this.err(this.toks[this.toks.length - 1]?.line ?? 1, 'unexpected EOF');
        return { list, end: null };
      }
      if (t.kind === 'text') {
        this.i++;
        list.push({ t: 'text', text: t.text });
        continue;
      }
      this.expect('open', 'template');
      const kw = this.peek();
      if (kw?.kind === 'ident' && KEYWORDS.has(kw.text)) {
        this.i++;
        const line = kw.line;
        switch (kw.text) {
          case 'end':
          case 'else':
            return { list, end: { kind: kw.text, line } };
          case 'if':
          case 'with':
          case 'range':
            list.push(this.parseControl(kw.text, line));
            break;
          case 'define':
            // Go accepts define only at the top level of a file.
            if (!top) this.err(line, 'unexpected <define> in command');
            this.parseDefine(line);
            break;
          case 'block':
            list.push(this.parseBlock(line));
            break;
          case 'template':
            list.push(this.parseTemplateCall(line));
            break;
          case 'break':
          case 'continue':
            if (this.rangeDepth === 0) this.err(line, `{{${kw.text}}} outside {{range}}`);
            this.expect('close', kw.text);
            list.push({ t: kw.text, line });
            break;
        }
        continue;
      }
      const pipe = this.parsePipeline('command', true);
      list.push({ t: 'action', pipe, line: pipe.line });
    }
  }

  private parseControl(kind: 'if' | 'with' | 'range', line: number): Node {
    this.vars.push([]);
    const pipe = this.parsePipeline(kind, true);
    if (kind === 'range') this.rangeDepth++;
    const body = this.parseList(false);
    if (kind === 'range') this.rangeDepth--;
    let elseList: Node[] | null = null;
    if (body.end?.kind === 'else') {
      const nt = this.peek();
      if ((kind === 'if' || kind === 'with') && nt?.kind === 'ident' && nt.text === kind) {
        // {{else if ...}} / {{else with ...}}: an inner control node ending at the same {{end}}.
        this.i++;
        elseList = [this.parseControl(kind, nt.line)];
        this.vars.pop();
        return { t: kind, pipe, list: body.list, elseList, line };
      }
      this.expect('close', 'else');
      const e = this.parseList(false);
      if (e.end?.kind !== 'end') this.err(e.end?.line ?? line, 'expected end; found else');
      elseList = e.list;
    }
    this.expect('close', 'end');
    this.vars.pop();
    return { t: kind, pipe, list: body.list, elseList, line };
  }

  private parseDefine(line: number): void {
    const nameTok = this.expect('string', 'define clause');
    this.expect('close', 'define clause');
    const saved = this.vars;
    this.vars = [['$']];
    const body = this.parseList(false);
    this.vars = saved;
    if (body.end?.kind !== 'end') this.err(line, 'unexpected else in define');
    this.expect('close', 'end');
    this.defines.set(nameTok.text, body.list);
  }

  private parseBlock(line: number): Node {
    const nameTok = this.expect('string', 'block clause');
    const pipe = this.parsePipeline('block', false);
    const saved = this.vars;
    this.vars = [['$']];
    const body = this.parseList(false);
    this.vars = saved;
    if (body.end?.kind !== 'end') this.err(line, 'unexpected else in block');
    this.expect('close', 'end');
    this.defines.set(nameTok.text, body.list);
    return { t: 'template', name: nameTok.text, pipe, line };
  }

  private parseTemplateCall(line: number): Node {
    const nameTok = this.expect('string', 'template clause');
    if (this.peek()?.kind === 'close') {
      this.i++;
      return { t: 'template', name: nameTok.text, pipe: null, line };
    }
    return { t: 'template', name: nameTok.text, pipe: this.parsePipeline('template', false), line };
  }

  private findVar(name: string, line: number): void {
    for (const scope of this.vars) if (scope.includes(name)) return;
    this.err(line, `undefined variable "${name}"`);
  }

  /** Parses `[decl] cmd | cmd ...` up to the closing delimiter (or right paren when nested). */
  private parsePipeline(ctx: string, allowDecl: boolean, nested = false): Pipeline {
    const start = this.peek();
    const line = start?.line ?? 1;
    const decl: string[] = [];
    let isAssign = false;
    if (allowDecl && start?.kind === 'var') {
      const save = this.i;
      const names: string[] = [this.next().text];
      if (this.peek()?.kind === 'comma' && ctx === 'range') {
        this.i++;
        names.push(this.expect('var', 'range').text);
      }
      const op = this.peek();
      if (op?.kind === 'declare' || (op?.kind === 'assign' && names.length === 1)) {
        this.i++;
        isAssign = op.kind === 'assign';
        decl.push(...names);
        if (isAssign) this.findVar(names[0], line);
        else this.vars[this.vars.length - 1].push(...names);
      } else if (op?.kind === 'assign' && names.length === 2 && ctx === 'range') {
        this.i++;
        isAssign = true;
        decl.push(...names);
      } else {
        this.i = save;
      }
    }
    const cmds: Command[] = [];
    for (;;) {
      cmds.push(this.parseCommand(ctx));
      const t = this.next();
      if (t.kind === 'pipe') continue;
      if (nested ? t.kind === 'rparen' : t.kind === 'close') break;
      this.err(t.line, `unexpected "${t.text}" in ${ctx}`);
    }
    if (decl.length && isAssign === false && cmds.length === 0) this.err(line, 'missing value for command');
    return { decl, isAssign, cmds, line };
  }

  private parseCommand(ctx: string): Command {
    const args: Operand[] = [];
    const line = this.peek()?.line ?? 1;
    for (;;) {
      const t = this.peek();
      if (!t || t.kind === 'close' || t.kind === 'pipe' || t.kind === 'rparen') break;
      if (args.length && !t.spaced && t.kind !== 'lparen') this.err(t.line, `missing space? in ${ctx}`);
      args.push(this.parseOperand());
    }
    if (args.length === 0) this.err(line, `missing value for ${ctx}`);
    return { args, line };
  }

  private parseOperand(): Operand {
    const t = this.next();
    let node: Operand;
    switch (t.kind) {
      case 'field': {
        const names = [t.text];
        while (this.peek()?.kind === 'field' && !this.peek()?.spaced) names.push(this.next().text);
        return { t: 'field', names };
      }
      case 'var': {
        this.findVar(t.text, t.line);
        const names: string[] = [];
        while (this.peek()?.kind === 'field' && !this.peek()?.spaced) names.push(this.next().text);
        return { t: 'var', name: t.text, names };
      }
      case 'dot':
        node = { t: 'dot' };
        break;
      case 'string':
        node = { t: 'string', value: t.text };
        break;
      case 'char':
        node = { t: 'number', value: BigInt(t.text), text: t.text };
        break;
      case 'number':
        node = parseNumber(t.text, (m) => this.err(t.line, m));
        break;
      case 'lparen':
        node = { t: 'pipe', pipe: this.parsePipeline('parenthesized pipeline', true, true) };
        break;
      case 'ident':
        if (t.text === 'true' || t.text === 'false') node = { t: 'bool', value: t.text === 'true' };
        else if (t.text === 'nil') node = { t: 'nil' };
        else {
          if (KEYWORDS.has(t.text)) this.err(t.line, `unexpected <${t.text}> in command`);
          if (!this.hasFunc(t.text)) this.err(t.line, `function "${t.text}" not defined`);
          node = { t: 'ident', name: t.text };
        }
        break;
      default:
        this.err(t.line, `unexpected "${t.text}" in operand`);
    }
    const names: string[] = [];
    while (this.peek()?.kind === 'field' && !this.peek()?.spaced) names.push(this.next().text);
    if (names.length === 0) return node;
    if (
      node.t === 'dot' ||
      node.t === 'nil' ||
      node.t === 'bool' ||
      node.t === 'string' ||
      node.t === 'number'
    )
      this.err(t.line, `unexpected . after term "${t.text}"`);
    return { t: 'chain', node, names };
  }
}

function parseNumber(text: string, fail: (m: string) => never): Operand {
  const clean = text.replace(/_/g, '');
  if (/i$/.test(clean)) fail(`complex numbers are not supported: ${text}`);
  const neg = clean.startsWith('-');
  const body = clean.replace(/^[+-]/, '');
  let intVal: bigint | null = null;
  if (/^0[xX][0-9a-fA-F]+$/.test(body) || /^0[bB][01]+$/.test(body) || /^0[oO][0-7]+$/.test(body)) {
    intVal = BigInt(body.toLowerCase().replace(/^0o/, '0o'));
  } else if (/^0[0-7]+$/.test(body)) {
    intVal = BigInt(`0o${body.slice(1)}`);
  } else if (/^[0-9]+$/.test(body)) {
    intVal = BigInt(body);
  }
  if (intVal !== null) return { t: 'number', value: neg ? -intVal : intVal, text };
  const f = /^0[xX]/.test(body) ? Number.NaN : Number(body);
  if (Number.isNaN(f)) fail(`bad number syntax: "${text}"`);
  // Go treats a float constant with an integral value as usable where an int is wanted.
  return { t: 'number', value: neg ? -f : f, text };
}
