/**
 * The one function map templates see, assembled in the order helm builds its own: Go's builtins, then
 * sprig's map (sprig.TxtFuncMap, which Go consults before its builtins), then helm's `extra` map copied
 * over it (helm's toJson/fromJson/... replace sprig's). Later maps win a shared name.
 */
import type { TemplateFunc } from '../exec.ts';
import { CRYPTO_FUNCS } from './crypto.ts';
import { DATE_FUNCS } from './dates.ts';
import { DEFAULT_FUNCS } from './defaults.ts';
import { DICT_FUNCS } from './dicts.ts';
import { ENCODING_FUNCS } from './encoding.ts';
import { GO_BUILTIN_FUNCS } from './go-builtins.ts';
import { HELM_FUNCS } from './helm.ts';
import { LIST_FUNCS } from './lists.ts';
import { NUMERIC_FUNCS } from './numeric.ts';
import { PATH_FUNCS } from './paths.ts';
import { REFLECT_FUNCS } from './reflect.ts';
import { REGEX_FUNCS } from './regex.ts';
import { SEMVER_FUNCS } from './semver.ts';
import { STRING_FUNCS } from './strings.ts';
import { URL_FUNCS } from './url.ts';

/** sprig's functions, split by domain like sprig's own files. */
const SPRIG_FUNCS: Record<string, TemplateFunc> = {
  ...STRING_FUNCS,
  ...NUMERIC_FUNCS,
  ...LIST_FUNCS,
  ...DICT_FUNCS,
  ...DEFAULT_FUNCS,
  ...ENCODING_FUNCS,
  ...CRYPTO_FUNCS,
  ...DATE_FUNCS,
  ...REGEX_FUNCS,
  ...SEMVER_FUNCS,
  ...PATH_FUNCS,
  ...REFLECT_FUNCS,
  ...URL_FUNCS,
};

export function builtinFuncs(): Map<string, TemplateFunc> {
  return new Map(Object.entries({ ...GO_BUILTIN_FUNCS, ...SPRIG_FUNCS, ...HELM_FUNCS }));
}
