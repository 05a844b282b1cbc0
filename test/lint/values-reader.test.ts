/**
 * lint reads values.yaml and ci/ fixtures with helm's reader (YAML 1.1, numbers as float64), the same one
 * manifests and deploy use, so the one render path gets the same values whichever command drives it.
 */
import { describe, expect, it } from 'vitest';
import { parseYamlMap } from '../../src/helm/values/load.ts';
import { loadTarget } from '../../src/stages/lint/load.ts';
import type { Finding } from '../../src/stages/lint/model.ts';
import { checkFixture, lintValues, parseValuesText } from '../../src/stages/lint/values.ts';
import { CHART_DIR } from '../support/chart.ts';

const YAML_1_1 = [
  'a: on',
  'b: off',
  'c: yes',
  'd: n',
  'e: 0x1F',
  'f: 010',
  'g: 1_000',
  'h: 1e3',
  'i: ~',
  'j: 2001-12-14',
  'k: 1:20',
  'l: <<',
].join('\n');

describe('lint reads values as helm does', () => {
  it('YAML 1.1 scalars: the same tree as the manifests/deploy reader', () => {
    const tree = parseValuesText(YAML_1_1, 'x.yaml');
    expect(tree).toEqual(parseYamlMap(YAML_1_1, 'x.yaml'));
    expect(tree).toMatchObject({ a: true, b: false, c: true, d: false, e: 31, f: 8, g: 1000, h: 1000 });
    expect(tree.i).toBeNull();
    expect(tree.j).toBe('2001-12-14'); // go-yaml leaves timestamps to the consumer: strings
    expect(tree.k).toBe('1:20'); // no sexagesimals
  });

  it('an empty file is no values; a list at the top is refused with a message', () => {
    expect(parseValuesText('', 'x.yaml')).toEqual({});
    expect(parseValuesText('# only a comment\n', 'x.yaml')).toEqual({});
    expect(() => parseValuesText('- a\n', 'x.yaml')).toThrow(/mapping/);
    expect(() => parseValuesText('a: [\n', 'x.yaml')).toThrow(/^(?!not valid YAML)/);
  });

  it('a ci/ fixture saying `on` for a boolean passes the schema, as it does under helm', async () => {
    const ctx = lintValues(await loadTarget(CHART_DIR));
    expect(ctx.findings).toEqual([]);
    const out: Finding[] = [];
    const merged = checkFixture(
      {
        name: 'ci/yaml11-values.yaml',
        text: 'vineyardd:\n  reserveMemory: on\nrpc:\n  service:\n    port: 0x2580\n',
      },
      ctx,
      out,
    );
    expect(out).toEqual([]);
    expect(merged).toMatchObject({ vineyardd: { reserveMemory: true }, rpc: { service: { port: 9600 } } });
  });

  it('a fixture that does not parse is a finding, not a throw', async () => {
    const ctx = lintValues(await loadTarget(CHART_DIR));
    const out: Finding[] = [];
    expect(checkFixture({ name: 'ci/bad-values.yaml', text: 'a: [\n' }, ctx, out)).toBeUndefined();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ rule: 'values-fixture-invalid' });
    expect(out[0].message).toMatch(/^unable to parse YAML: /);
  });
});
