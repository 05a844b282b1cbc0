/** sprig's reflect.go: Go type and kind names of template values (see values.ts for the mapping). */
import type { TemplateFunc } from '../exec.ts';
import { isStringer, kindOf, typeOf } from '../values.ts';
import { f1, str } from './args.ts';

/** Go kinds for kindOf: template int literals are `int`, sprig results `int64`; we cannot tell them apart. */
function goKind(v: unknown): string {
  return isStringer(v) ? 'struct' : kindOf(v);
}

export const REFLECT_FUNCS: Record<string, TemplateFunc> = {
  kindOf: f1((v) => goKind(v)),
  kindIs: ([k, v]) => str(k) === goKind(v),
  typeOf: f1(typeOf),
  typeIs: ([t, v]) => str(t) === typeOf(v),
  typeIsLike: ([t, v]) => {
    const ty = typeOf(v);
    return str(t) === ty || str(t) === `*${ty}`;
  },
};
