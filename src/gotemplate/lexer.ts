/**
 * Lexer for Go text/template source (default `{{ }}` delimiters), including trim markers and comments.
 * Produces a flat token list; text tokens already have the trim markers applied.
 */
import { TemplateError } from './errors.ts';

export type TokKind =
  | 'text'
  | 'open' // start of an action
  | 'close' // end of an action
  | 'field' // .Name
  | 'var' // $ or $name
  | 'ident'
  | 'string'
  | 'number'
  | 'char'
  | 'dot'
  | 'lparen'
  | 'rparen'
  | 'pipe'
  | 'declare'
  | 'assign'
  | 'comma';

export interface Token {
  kind: TokKind;
  text: string; // raw text (for string: the decoded value)
  line: number;
  /** Whitespace immediately precedes this token inside an action (Go's parser cares for chains). */
  spaced: boolean;
}

const SPACE = /[ \t\r\n]/;

function isTrimSpace(c: string | undefined): boolean {
  return c !== undefined && SPACE.test(c);
}

function countLines(s: string): number {
  let n = 0;
  for (const c of s) if (c === '\n') n++;
  return n;
}

function decodeQuoted(raw: string, name: string, line: number): string {
  try {
    // Go and JSON escapes overlap for the common cases; fix up the Go-only ones first.
    const fixed = raw
      .slice(1, -1)
      .replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => `\\u00${h}`)
      .replace(/\\a/g, '\\u0007')
      .replace(/\\v/g, '\\u000b')
      .replace(/\\U([0-9a-fA-F]{8})/g, (_m, h: string) => {
        const cp = Number.parseInt(h, 16);
        return JSON.stringify(String.fromCodePoint(cp)).slice(1, -1);
      })
      .replace(/\\'/g, "'");
    return JSON.parse(`"${fixed}"`) as string;
  } catch {
    throw new TemplateError(name, line, `bad quoted string ${raw}`);
  }
}

export function lex(name: string, src: string): Token[] {
  const toks: Token[] = [];
  let pos = 0;
  let line = 1;
  let trimNextText = false;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    let text = open < 0 ? src.slice(pos) : src.slice(pos, open);
    const textLine = line;
    line += countLines(text);
    if (open < 0) {
      if (trimNextText) text = text.replace(/^[ \t\r\n]+/, '');
      if (text) toks.push({ kind: 'text', text, line: textLine, spaced: false });
      break;
    }
    let p = open + 2;
    const leftTrim = src[p] === '-' && isTrimSpace(src[p + 1]);
    if (trimNextText) text = text.replace(/^[ \t\r\n]+/, '');
    if (leftTrim) {
      text = text.replace(/[ \t\r\n]+$/, '');
      p += 1;
    }
    trimNextText = false;
    if (text) toks.push({ kind: 'text', text, line: textLine, spaced: false });
    // Comment: {{/* ... */}} with optional trim markers, nothing else allowed inside the action.
    let q = p;
    while (leftTrim && isTrimSpace(src[q])) q++;
    if (src.startsWith('/*', q)) {
      const end = src.indexOf('*/', q + 2);
      if (end < 0) throw new TemplateError(name, line, 'unclosed comment');
      line += countLines(src.slice(p, end));
      const r = end + 2;
      if (src.startsWith('}}', r)) {
        pos = r + 2;
        continue;
      }
      let s = r;
      while (isTrimSpace(src[s])) s++;
      if (src.startsWith('-}}', s) && s > r) {
        line += countLines(src.slice(r, s));
        pos = s + 3;
        trimNextText = true;
        continue;
      }
      throw new TemplateError(name, line, 'comment ends before closing delimiter');
    }
    toks.push({ kind: 'open', text: '{{', line, spaced: false });
    pos = lexAction(
      name,
      src,
      p,
      toks,
      () => line,
      (n) => {
        line += n;
      },
    );
    const last = toks[toks.length - 1];
    if (last.text === '-}}') trimNextText = true;
  }
  return toks;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER =
  /[+-]?(0[xX][0-9a-fA-F_]+(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9]+)?|0[bB][01_]+|0[oO][0-7_]+|([0-9][0-9_]*(\.[0-9_]*)?|\.[0-9][0-9_]*)([eE][+-]?[0-9]+)?)i?/y;

/** Lexes one action starting after `{{`/`{{-`; returns the position after the closing delimiter. */
function lexAction(
  name: string,
  src: string,
  start: number,
  toks: Token[],
  curLine: () => number,
  addLines: (n: number) => void,
): number {
  let p = start;
  let spaced = false;
  let parenDepth = 0;
  const push = (kind: TokKind, text: string) => {
    toks.push({ kind, text, line: curLine(), spaced });
    spaced = false;
  };
  for (;;) {
    if (p >= src.length) throw new TemplateError(name, curLine(), 'unclosed action');
    const c = src[p];
    if (isTrimSpace(c)) {
      let s = p;
      while (isTrimSpace(src[s])) s++;
      if (src.startsWith('-}}', s)) {
        addLines(countLines(src.slice(p, s)));
        push('close', '-}}');
        return s + 3;
      }
      addLines(countLines(src.slice(p, s)));
      p = s;
      spaced = true;
      continue;
    }
    if (src.startsWith('}}', p)) {
      if (parenDepth > 0) throw new TemplateError(name, curLine(), 'unclosed left paren');
      push('close', '}}');
      return p + 2;
    }
    if (c === '(') {
      parenDepth++;
      push('lparen', c);
      p++;
      continue;
    }
    if (c === ')') {
      parenDepth--;
      if (parenDepth < 0) throw new TemplateError(name, curLine(), 'unexpected right paren');
      push('rparen', c);
      p++;
      continue;
    }
    if (c === '|') {
      push('pipe', c);
      p++;
      continue;
    }
    if (c === ',') {
      push('comma', c);
      p++;
      continue;
    }
    if (c === ':' && src[p + 1] === '=') {
      push('declare', ':=');
      p += 2;
      continue;
    }
    if (c === '=') {
      push('assign', '=');
      p++;
      continue;
    }
    if (c === '"') {
      let e = p + 1;
      while (e < src.length && src[e] !== '"') {
        if (src[e] === '\\') e++;
        if (src[e] === '\n') throw new TemplateError(name, curLine(), 'unterminated quoted string');
        e++;
      }
      if (e >= src.length) throw new TemplateError(name, curLine(), 'unterminated quoted string');
      push('string', decodeQuoted(src.slice(p, e + 1), name, curLine()));
      p = e + 1;
      continue;
    }
    if (c === '`') {
      const e = src.indexOf('`', p + 1);
      if (e < 0) throw new TemplateError(name, curLine(), 'unterminated raw quoted string');
      const raw = src.slice(p + 1, e);
      push('string', raw.replace(/\r/g, ''));
      addLines(countLines(raw));
      p = e + 1;
      continue;
    }
    if (c === "'") {
      const m = /'(\\.[^']*|[^'\\])'/y;
      m.lastIndex = p;
      const r = m.exec(src);
      if (!r) throw new TemplateError(name, curLine(), 'bad character constant');
      const body = r[1];
      const ch = body.startsWith('\\') ? decodeQuoted(`"${body}"`, name, curLine()) : body;
      push('char', String(ch.codePointAt(0)));
      p += r[0].length;
      continue;
    }
    if (c === '$') {
      IDENT.lastIndex = p + 1;
      const r = IDENT.exec(src);
      const v = r ? `$${r[0]}` : '$';
      push('var', v);
      p += v.length;
      continue;
    }
    if (c === '.' && !/[0-9]/.test(src[p + 1] ?? '')) {
      IDENT.lastIndex = p + 1;
      const r = IDENT.exec(src);
      if (r) {
        push('field', r[0]);
        p += 1 + r[0].length;
      } else {
        push('dot', '.');
        p++;
      }
      continue;
    }
    if (/[0-9+\-.]/.test(c)) {
      NUMBER.lastIndex = p;
      const r = NUMBER.exec(src);
      if (!r || r[0] === '+' || r[0] === '-')
        throw new TemplateError(name, curLine(), `bad number syntax: "${c}"`);
      push('number', r[0]);
      p += r[0].length;
      continue;
    }
    IDENT.lastIndex = p;
    const r = IDENT.exec(src);
    if (r) {
      push('ident', r[0]);
      p += r[0].length;
      continue;
    }
    throw new TemplateError(name, curLine(), `unrecognized character in action: ${JSON.stringify(c)}`);
  }
}
