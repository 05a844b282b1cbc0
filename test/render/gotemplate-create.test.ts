/**
 * A realistic chart: the one `helm create` scaffolds (helpers, with/range/toYaml/nindent/trunc,
 * ingress, HPA, HTTPRoute), rendered by our engine and by the same helm version, defaults and with
 * every optional feature switched on. Documents must match text for text (after the trimming helm's
 * printer does).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTemplates } from '../../src/gotemplate/engine.ts';
import { parseHelmYaml } from '../../src/gotemplate/yaml-load.ts';
import { HELM_MAJORS, helm, withTempDir } from '../support/run.ts';

const OVERRIDES = path.join(import.meta.dirname, '../fixtures/gotemplate/helm-create-overrides.yaml');
const KUBE = { v3: 'v1.32.0', v4: 'v1.35.0' } as const;

type Doc = Record<string, unknown>;

function mergeValues(base: Doc, over: Doc): Doc {
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    const bothMaps = [b, v].every((x) => typeof x === 'object' && x !== null && !Array.isArray(x));
    base[k] = bothMaps ? mergeValues(b as Doc, v as Doc) : v;
  }
  return base;
}

async function readTree(
  root: string,
  dir = root,
  out = new Map<string, string>(),
): Promise<Map<string, string>> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await readTree(root, p, out);
    else out.set(path.relative(root, p), await readFile(p, 'utf8'));
  }
  return out;
}

/** helm's printer: documents split on `---`, trimmed, empty ones dropped, grouped by source. */
function helmDocs(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of stdout.split(/^---\n/m)) {
    const m = /^# Source: (.+)\n/.exec(part);
    if (!m) continue;
    out.set(m[1], [...(out.get(m[1]) ?? []), part.slice(m[0].length).trim()]);
  }
  return out;
}

function ourDocs(rendered: Map<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, text] of rendered) {
    const docs = text
      .split(/^---\s*$/m)
      .map((d) => d.trim())
      .filter((d) => d !== '');
    if (docs.length) out.set(name, docs);
  }
  return out;
}

describe('helm create chart, ours vs helm', () => {
  for (const major of HELM_MAJORS) {
    for (const withOverrides of [false, true]) {
      it(`${major} ${withOverrides ? 'with every feature on' : 'defaults'}`, async () => {
        await withTempDir(async (tmp) => {
          const chartDir = path.join(tmp, 'created');
          const home = path.join(tmp, 'home');
          const created = await helm(major, ['create', chartDir], home);
          expect(created.code, created.stderr).toBe(0);
          const args = ['template', 'rel', chartDir, ...(withOverrides ? ['-f', OVERRIDES] : [])];
          const theirs = await helm(major, args, home);
          expect(theirs.code, theirs.stderr).toBe(0);

          const values = parseHelmYaml(await readFile(path.join(chartDir, 'values.yaml'), 'utf8')) as Doc;
          if (withOverrides) mergeValues(values, parseHelmYaml(await readFile(OVERRIDES, 'utf8')) as Doc);
          const ours = renderTemplates({
            templates: await readTree(chartDir, path.join(chartDir, 'templates')),
            chartName: 'created',
            chart: parseHelmYaml(await readFile(path.join(chartDir, 'Chart.yaml'), 'utf8')) as Doc,
            values,
            release: { name: 'rel', namespace: 'default' },
            capabilities: { kubeVersion: KUBE[major] },
          });
          const want = helmDocs(theirs.stdout);
          expect(want.size).toBeGreaterThanOrEqual(withOverrides ? 6 : 4);
          expect(Object.fromEntries(ourDocs(ours))).toEqual(Object.fromEntries(want));
        });
      });
    }
  }
});
