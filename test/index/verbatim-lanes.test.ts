/**
 * The in-place checks of the index fast path (verbatim-lines.ts: sticky regexes over nested and
 * multi-line fields) never vouch for what the decoder would not: wherever they accept a chart block,
 * decoding each field alone (verbatimLanes.inPlace off) accepts it too, with the same entry count. On
 * indexes written by helm v3 and v4, and on hand-made blocks at the edges of YAML.
 */
import path from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { goYamlLess } from '../../src/helm/repo/go-yaml-order.ts';
import { stringScalar } from '../../src/helm/repo/index-yaml.ts';
import { verbatimEntryCount, verbatimLanes } from '../../src/helm/repo/verbatim-chart.ts';
import { oneLineStringAt } from '../../src/helm/repo/verbatim-lines.ts';
import { helmWrittenIndex } from '../support/helm-corpus.ts';
import { HELM_MAJORS, withTempDir } from '../support/run.ts';

/** [in place, decoded] verdicts on one chart block (its text starts with the `  name:` line). */
function verdicts(block: string, chart: string): [number, number] {
  const body = block.indexOf('\n') + 1;
  const latin1 = Buffer.from(block, 'utf8').toString('latin1');
  verbatimLanes.inPlace = true;
  const inPlace = verbatimEntryCount(latin1, body, chart);
  verbatimLanes.inPlace = false;
  const decoded = verbatimEntryCount(latin1, body, chart);
  verbatimLanes.inPlace = true;
  return [inPlace, decoded];
}

afterEach(() => {
  verbatimLanes.inPlace = true;
});

const ENTRY =
  '  c:\n  - apiVersion: v2\n    created: "2024-01-01T00:00:00Z"\n    name: c\n    urls:\n' +
  '    - https://x/c-1.0.0.tgz\n    version: 1.0.0\n';

/** Fields at the edges of what the line checks know, valid YAML or not. */
const FIELDS = [
  '    description: A long text that goes on\n      and on over lines\n',
  '    description: A long text that goes on\n      continued: here\n',
  '    description: A long text that goes on\n      # a comment?\n',
  '    description: A long text that goes on\n      - a dash\n',
  '    description: A long text that ends with:\n      more words\n',
  '    description: "bad \\q escape\n      more"\n',
  '    description: "\\U00110000 beyond unicode"\n',
  '    description: "escaped \\x41 and \\U0001F680,\n      folded \\\n      here"\n',
  '    description: "folded\n\n      with a blank line"\n',
  "    description: 'it''s\n      folded'\n",
  "    description: 'unclosed\n      folded\n",
  '    description: |\n      first\n     less indented\n',
  '    description: |\n        first\n      less indented than the first\n',
  '    description: |2\n         leading spaces\n',
  '    description: |-\n\n      after an empty line\n',
  '    description: |+\n      keep\n\n',
  '    description: |\n      a\n      \n      b\n',
  '    description: |\n',
  '    description: |9\n      too little indentation\n',
  '    annotations:\n      a: x\n      a: y\n',
  '    annotations:\n      b: x\n      a: y\n      b: z\n', // a duplicate after the keys stopped being sorted
  '    annotations:\n      b: x\n      a: y\n      c: z\n',
  '    annotations:\n      "é": x\n      "\\u00e9": y\n',
  '    annotations:\n      yes: x\n',
  '    annotations:\n      quoted key: value with \'single\' and "double" quotes\n',
  '    annotations:\n      k: |\n        block\n      k2: "folded\n        more"\n',
  '    annotations:\n      k: [a]\n',
  '    annotations:\n      k:\n        nested: x\n',
  '    annotations:\n      __proto__: x\n',
  '    annotations:\n      a b: c\n      a  b: d\n',
  '    annotations:\n      a: x\n    - b: y\n',
  '    dependencies:\n    - name: common\n      version: 1.x.x\n      tags:\n      - a\n      import-values:\n' +
    '      - child: data\n        parent: x\n      - simple\n      enabled: true\n',
  '    dependencies:\n    - version: 1.x.x\n',
  '    dependencies:\n    - name: ""\n',
  '    dependencies:\n    - name: a\n      unknown: x\n',
  '    dependencies:\n    - name: a\n      enabled: yes\n',
  '    dependencies:\n    - name: a\n      name: b\n',
  '    dependencies:\n    - name: a\n      tags: a\n',
  '    dependencies:\n    - name: a\n      import-values:\n      - - nested\n',
  '    dependencies:\n    - name: a\n    - name: b\n      condition: |\n        x\n',
  '    maintainers:\n    - name: a\n      name: b\n',
  '    maintainers:\n    - name: a\n      email: e\n      name: b\n',
];

describe('index fast path: in-place checks against decoding', () => {
  it('accept no field the decoder refuses, on hand-made edge cases', () => {
    for (const field of FIELDS) {
      const at = ENTRY.indexOf('    name: c\n');
      const block = ENTRY.slice(0, at) + field + ENTRY.slice(at);
      const [inPlace, decoded] = verdicts(block, 'c');
      if (inPlace >= 0) expect(decoded, field).toBe(inPlace);
    }
  });

  it('decide one-line strings only where stringScalar reads the same string js-yaml does', () => {
    const samples = ['"a\\x41"', '"\\q"', "'it''s'", 'https://x/y#z', 'a #b c d', 'yes', 'ends:', 'x: y z w'];
    samples.push('1.2.3-rc.1', '1e5', '0b1010', `${'0'.repeat(63)}1`, `${'0'.repeat(63)}a`, 'Zoë Ünïcode');
    for (const s of samples) {
      const latin1 = Buffer.from(`${s}\n`, 'utf8').toString('latin1');
      if (!oneLineStringAt(latin1, 0, latin1.length - 1)) continue;
      const read = (load(`k: ${s}`, { schema: CORE_SCHEMA }) as { k: unknown }).k;
      expect(stringScalar(s), s).toBe(read);
    }
  });

  for (const major of HELM_MAJORS) {
    it(`agree with decoding on every block of an index written by helm ${major}`, async () => {
      await withTempDir(async (dir) => {
        const text = await helmWrittenIndex(major, path.join(dir, 'corpus'), {
          charts: 24,
          versions: 8,
          digestPrefixes: ['0b', '1e'],
        });
        const body = text.slice(text.indexOf('\nentries:\n') + 10, text.indexOf('\ngenerated:') + 1);
        const blocks = body.split(/\n(?= {2}[^ -])/).map((b) => (b.endsWith('\n') ? b : `${b}\n`));
        expect(blocks.length).toBe(24);
        let names: string[] = [];
        for (const block of blocks) {
          const key = block.slice(2, block.indexOf(':\n'));
          const name = key.startsWith('"') ? JSON.parse(key) : key;
          names = [...names, name];
          const [inPlace, decoded] = verdicts(block, name);
          expect(inPlace, name).toBe(8);
          expect(decoded, name).toBe(8);
        }
        // helm writes chart keys in go-yaml's order, which the streamed merge relies on
        for (let i = 1; i < names.length; i++)
          expect(goYamlLess(names[i - 1], names[i]), names[i]).toBe(true);
      });
    });
  }

  it('orders keys like go-yaml: digit runs as numbers, non-letters before letters', () => {
    expect(goYamlLess('chart-9', 'chart-10')).toBe(true);
    expect(goYamlLess('chart-10', 'chart-9')).toBe(false);
    expect(goYamlLess('a_b', 'ab')).toBe(true);
    expect(goYamlLess('a', 'a-b')).toBe(true);
    expect(goYamlLess('B', 'a')).toBe(true);
  });
});
