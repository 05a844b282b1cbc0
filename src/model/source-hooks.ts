/**
 * Module resolution hooks (node:module `register`) for loading the typed chart sources (chart-src/*.ts)
 * from the compiled CLI: their imports of `src/**.ts` resolve to the compiled `dist/**.js`, so that the
 * chart sources and the running pipeline share one copy of every module (one DEFINITIONS symbol, one
 * error class hierarchy). Everything else goes on to tsx, registered before these hooks.
 */
interface Data {
  src: string;
  dist: string;
}

let data: Data | undefined;

export function initialize(d: Data): void {
  data = d;
}

type NextResolve = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  nextResolve: NextResolve,
): Promise<{ url: string; shortCircuit?: boolean }> {
  if (data && context.parentURL && /^\.\.?\/.*\.ts$/.test(specifier)) {
    const url = new URL(specifier, context.parentURL).href;
    if (url.startsWith(data.src)) {
      return { url: `${data.dist}${url.slice(data.src.length, -3)}.js`, shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}
