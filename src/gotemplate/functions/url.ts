/** sprig's url.go: urlParse (urlJoin is not implemented). */
import type { TemplateFunc } from '../exec.ts';
import { str } from './args.ts';

export const URL_FUNCS: Record<string, TemplateFunc> = {
  // The keys and string values of sprig's map (net/url.URL's parts, query without `?`, fragment without `#`).
  urlParse: ([s]) => {
    const u = new URL(str(s));
    return {
      scheme: u.protocol.replace(/:$/, ''),
      host: u.host,
      hostname: u.hostname,
      path: u.pathname,
      query: u.search.replace(/^\?/, ''),
      opaque: '',
      fragment: u.hash.replace(/^#/, ''),
      userinfo: u.username ? `${u.username}${u.password ? `:${u.password}` : ''}` : '',
    };
  },
};
