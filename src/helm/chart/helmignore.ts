/**
 * `.helmignore` rules with helm's exact semantics (pkg/ignore), including its unusual handling of `!`
 * rules, so that we package the same file set `helm package` would.
 */
import { InputError } from '../../errors.ts';

interface Rule {
  negate: boolean;
  mustDir: boolean;
  /** Matched against the base name only (rules without a slash), else against the whole relative path. */
  baseOnly: boolean;
  glob: Glob;
}

/**
 * Go's path.Match (`*`, `?`, `[...]`, `\` escapes; `*` and `?` never match `/`), ported from Go's own
 * algorithm rather than compiled to a RegExp: Go never backtracks into an earlier star, so matching is
 * O(pattern × name). A backtracking regex for `*x*x*x…` is exponential on a long file name.
 */
export type Glob = string;

function scanChunk(pattern: string): { star: boolean; chunk: string; rest: string } {
  let star = false;
  while (pattern.startsWith('*')) {
    pattern = pattern.slice(1);
    star = true;
  }
  let inRange = false;
  let i = 0;
  scan: for (; i < pattern.length; i++) {
    switch (pattern[i]) {
      case '\\':
        if (i + 1 < pattern.length) i++;
        break;
      case '[':
        inRange = true;
        break;
      case ']':
        inRange = false;
        break;
      case '*':
        if (!inRange) break scan;
        break;
    }
  }
  return { star, chunk: pattern.slice(0, i), rest: pattern.slice(i) };
}

/** One class character or escape; undefined for a malformed pattern. */
function getEsc(chunk: string): { ch: string; rest: string } | undefined {
  if (chunk === '' || chunk[0] === '-' || chunk[0] === ']') return undefined;
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk === '') return undefined;
  }
  const ch = String.fromCodePoint(chunk.codePointAt(0) as number);
  const rest = chunk.slice(ch.length);
  return rest === '' ? undefined : { ch, rest };
}

/** Matches `chunk` (no stars) at the start of `s`: the rest of `s`, false for no match, undefined if malformed. */
function matchChunk(chunk: string, s: string): string | false | undefined {
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    switch (chunk[0]) {
      case '[': {
        let r = '';
        if (!failed) {
          r = String.fromCodePoint(s.codePointAt(0) as number);
          s = s.slice(r.length);
        }
        chunk = chunk.slice(1);
        const negated = chunk.startsWith('^');
        if (negated) chunk = chunk.slice(1);
        let match = false;
        let n = 0;
        for (;;) {
          if (chunk.length > 0 && chunk[0] === ']' && n > 0) {
            chunk = chunk.slice(1);
            break;
          }
          const lo = getEsc(chunk);
          if (!lo) return undefined;
          let hi = lo;
          chunk = lo.rest;
          if (chunk[0] === '-') {
            const h = getEsc(chunk.slice(1));
            if (!h) return undefined;
            hi = h;
            chunk = h.rest;
          }
          if (lo.ch <= r && r <= hi.ch) match = true;
          n++;
        }
        if (match === negated) failed = true;
        break;
      }
      case '?':
        if (!failed) {
          if (s[0] === '/') failed = true;
          s = s.slice(String.fromCodePoint(s.codePointAt(0) ?? 0).length);
        }
        chunk = chunk.slice(1);
        break;
      default:
        if (chunk[0] === '\\') {
          // An escaped character is a literal.
          chunk = chunk.slice(1);
          if (chunk === '') return undefined;
        }
        if (!failed) {
          if (chunk[0] !== s[0]) failed = true;
          s = s.slice(1);
        }
        chunk = chunk.slice(1);
    }
  }
  return failed ? false : s;
}

/** Go's path.Match: true/false, undefined for a malformed pattern (Go's ErrBadPattern). */
export function globMatch(pattern: Glob, name: string): boolean | undefined {
  chunks: while (pattern.length > 0) {
    const { star, chunk, rest } = scanChunk(pattern);
    pattern = rest;
    if (star && chunk === '') return !name.includes('/');
    const t = matchChunk(chunk, name);
    if (t === undefined) return undefined;
    if (t !== false && (t.length === 0 || pattern.length > 0)) {
      name = t;
      continue;
    }
    if (star) {
      for (let i = 0; i < name.length && name[i] !== '/'; i++) {
        const u = matchChunk(chunk, name.slice(i + 1));
        if (u === undefined) return undefined;
        if (u !== false) {
          if (pattern.length === 0 && u.length > 0) continue;
          name = u;
          continue chunks;
        }
      }
    }
    // Go checks the rest of the pattern for syntax errors before giving up.
    while (pattern.length > 0) {
      const next = scanChunk(pattern);
      pattern = next.rest;
      if (matchChunk(next.chunk, '') === undefined) return undefined;
    }
    return false;
  }
  return name.length === 0;
}

function parseRule(line: string, file: string, lineNo: number): Rule | undefined {
  let rule = line.trim();
  if (rule === '' || rule.startsWith('#')) return undefined;
  if (rule.includes('**'))
    throw new InputError(file, `line ${lineNo}`, 'double-star (**) syntax is not supported by helm');
  const negate = rule.startsWith('!');
  if (negate) rule = rule.slice(1);
  const mustDir = rule.endsWith('/');
  if (mustDir) rule = rule.slice(0, -1);
  const anchored = rule.startsWith('/');
  if (anchored) rule = rule.slice(1);
  if (globMatch(rule, '') === undefined)
    throw new InputError(file, `line ${lineNo}`, `invalid glob pattern ${JSON.stringify(line.trim())}`);
  return { negate, mustDir, baseOnly: !anchored && !rule.includes('/'), glob: rule };
}

export class IgnoreRules {
  private constructor(private readonly rules: Rule[]) {}

  static parse(text: string, file: string): IgnoreRules {
    const rules: Rule[] = [];
    text
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .forEach((line, i) => {
        const rule = parseRule(line, file, i + 1);
        if (rule) rules.push(rule);
      });
    // helm always adds this default: hidden files directly under templates/ are never packaged.
    rules.push(parseRule('templates/.?*', '(default rules)', 1) as Rule);
    return new IgnoreRules(rules);
  }

  /** `relPath` uses `/` separators and is relative to the chart root. */
  ignores(relPath: string, isDir: boolean): boolean {
    const base = relPath.slice(relPath.lastIndexOf('/') + 1);
    for (const rule of this.rules) {
      const matches = globMatch(rule.glob, rule.baseOnly ? base : relPath) === true;
      if (rule.negate) {
        // helm: a negated rule ignores everything it does not match (and every non-dir for `!dir/`).
        if ((rule.mustDir && !isDir) || !matches) return true;
        continue;
      }
      if (rule.mustDir && !isDir) continue;
      if (matches) return true;
    }
    return false;
  }
}
