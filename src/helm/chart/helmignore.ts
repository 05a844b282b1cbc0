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
  regex: RegExp;
}

/** Go's path.Match syntax (`*`, `?`, `[...]`, `\` escapes) as a regular expression; `*` never crosses `/`. */
function globToRegex(glob: string): RegExp | undefined {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\') {
      i++;
      if (i >= glob.length) return undefined;
      out += glob[i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) return undefined;
      let body = glob.slice(i + 1, end);
      const negated = body.startsWith('^');
      if (negated) body = body.slice(1);
      out += `[${negated ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
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
  const regex = globToRegex(rule);
  if (!regex)
    throw new InputError(file, `line ${lineNo}`, `invalid glob pattern ${JSON.stringify(line.trim())}`);
  return { negate, mustDir, baseOnly: !anchored && !rule.includes('/'), regex };
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
      const matches = rule.regex.test(rule.baseOnly ? base : relPath);
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
