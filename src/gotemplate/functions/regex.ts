/** sprig's regex.go: Go RE2 patterns run on JavaScript's RegExp (the syntax charts use is shared). */
import type { TemplateFunc } from '../exec.ts';
import { int, s1, s2, str } from './args.ts';

function goRegex(re: string): RegExp {
  // RE2 flags like (?i) at the start map to JS flags; the rest of the syntax is shared.
  const m = /^\(\?([imsU]+)\)/.exec(re);
  const flags = m ? m[1].replace('U', '') : '';
  return new RegExp(m ? re.slice(m[0].length) : re, `${flags}g`.replace(/(.)(?=.*\1)/g, ''));
}

/** Go's replacement syntax `${1}`/`${name}` in JavaScript's `$1`/`$<name>`. */
function goRepl(repl: string): string {
  return repl.replace(/\$\{(\w+)\}/g, (_m, g: string) => (/^\d+$/.test(g) ? `$${g}` : `$<${g}>`));
}

const regexMatch = s2((re, s) => goRegex(re).test(s));
const regexReplaceAll: TemplateFunc = ([re, s, r]) => str(s).replace(goRegex(str(re)), goRepl(str(r)));

export const REGEX_FUNCS: Record<string, TemplateFunc> = {
  regexMatch,
  regexFind: s2((re, s) => goRegex(re).exec(s)?.[0] ?? ''),
  regexFindAll: ([re, s, n]) => {
    const all = [...str(s).matchAll(goRegex(str(re)))].map((m) => m[0]);
    const k = int(n);
    return k < 0 ? all : all.slice(0, k);
  },
  regexReplaceAll,
  regexReplaceAllLiteral: ([re, s, r]) => str(s).replace(goRegex(str(re)), () => str(r)),
  regexSplit: ([re, s, n]) => {
    const parts = str(s).split(goRegex(str(re)));
    const k = int(n);
    return k < 0 ? parts : parts.slice(0, k);
  },
  regexQuoteMeta: s1((s) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')),
  // sprig's must variants fail on a bad pattern where the others panic; both throw here.
  mustRegexMatch: regexMatch,
  mustRegexReplaceAll: regexReplaceAll,
};
