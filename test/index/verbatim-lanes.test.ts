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
import { RESERVED, stringScalar } from '../../src/helm/repo/index-yaml.ts';
import { fieldStats, verbatimEntryCount, verbatimLanes } from '../../src/helm/repo/verbatim-chart.ts';
import { compactWords } from '../../src/helm/repo/verbatim-entry.ts';
import { oneLineStringAt } from '../../src/helm/repo/verbatim-lines.ts';
import { helmWrittenIndex } from '../support/helm-corpus.ts';
import { HELM_MAJORS, withTempDir } from '../support/run.ts';

/**
 * [whole entry, in place, decoded] verdicts on one chart block (its text starts with the `  name:` line):
 * each lane on, with the ones after it as its fallback.
 */
function verdicts(block: string, chart: string): [number, number, number] {
  const body = block.indexOf('\n') + 1;
  const latin1 = Buffer.from(block, 'utf8').toString('latin1');
  const run = (wholeEntry: boolean, inPlace: boolean) => {
    Object.assign(verbatimLanes, { wholeEntry, inPlace });
    return verbatimEntryCount(latin1, body, chart);
  };
  try {
    return [run(true, true), run(false, true), run(false, false)];
  } finally {
    Object.assign(verbatimLanes, { wholeEntry: true, inPlace: true });
  }
}

/** Each lane vouches only for what the next would: where it accepts, the next says the same. */
function expectLanesAgree(block: string, chart: string, what: string): [number, number, number] {
  const v = verdicts(block, chart);
  if (v[0] >= 0) expect(v[1], `whole entry vs in place: ${what}`).toBe(v[0]);
  if (v[1] >= 0) expect(v[2], `in place vs decoded: ${what}`).toBe(v[1]);
  return v;
}

afterEach(() => {
  Object.assign(verbatimLanes, { wholeEntry: true, inPlace: true });
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
  '    annotations:\n      b: one\n      a: two\n      b: three\n',
  '    annotations:\n      a: one\n      a: two\n',
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

/** Small edits of a valid block, at the places where each lane's knowledge ends. */
const EDITS: [RegExp, string][] = [
  [/^( {4})([a-z])/m, '$1 $2'], // a field one column deeper
  [/^ {4}- /m, '      - '], // a list item in js-yaml's column
  [/^( {2}- )/m, '$1    '], // the entry's first key further right, where the next keys could be
  [/: "/, ': '], // a quote dropped
  [/"\n/, '\n'],
  [/: ([a-z])/, ': "$1'], // an unclosed quote
  [/\n( {4}[a-z]+:.*\n)/, '\n$1$1'], // a field twice
  [/\n( {6}[a-z][^:\n]*: .*\n)/, '\n$1$1'], // an annotation or dependency field twice
  [/version: (\S+)/, 'version: 1.0'], // a float
  [/version: (\S+)/, 'version: "$1-"'],
  [/name: (\S+)/, 'name: true'],
  [/name: (\S+)/, 'name: other'],
  [/name: ([^"\s]+)\n/, 'name: $1x\n'], // the chart's name and more
  [/name: "([^"\s]+)"/, 'name: "$1x"'],
  [/created: "/, 'created: '],
  [/: (\S)/, ': # $1'],
  [/: (\S)/, ': - $1'],
  [/: (\S)/, ': [$1'],
  [/: (\S)/, ': &a $1'],
  [/ (\S+)\n/, ' yes\n'],
  [/ (\S+)\n/, ' 012\n'],
  [/ (\S+)\n/, ' null\n'],
  [/ (\S+)\n/, ' ~\n'],
  [/ (\S+)\n/, ' 1.x\n'],
  [/ (\S+)\n/, ' 1e5\n'],
  [/\|/, '>'],
  [/\|[-+]?\n/, '|1\n'],
  [/\n {8}/, '\n       '],
  [/\n {8}/, '\n\n        '],
  [/\n {6}- /, '\n      -  '],
  [/apiVersion: v2/, 'apiVersion: v3'],
  [/\n {4}urls:\n( {4}- .*\n)+/, '\n'],
  [/\n {4}- /, '\n    -\n      '],
  [/type: \w+/, 'type: other'],
  [/enabled: \w+/, 'enabled: "true"'],
];

/** `count` mutants of `block`: one or two EDITS each, applied at a seeded pseudo-random occurrence. */
function mutants(block: string, count: number, seed: number): string[] {
  let state = seed * 7919 + 1;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = block;
    for (let k = 0; k <= next(2); k++) {
      const [re, to] = EDITS[next(EDITS.length)];
      const all = [...text.matchAll(new RegExp(re.source, `${re.flags.replace('g', '')}g`))];
      if (all.length === 0) continue;
      const m = all[next(all.length)];
      const edited = m[0].replace(new RegExp(re.source, re.flags.replace('g', '')), to);
      text = text.slice(0, m.index) + edited + text.slice(m.index + m[0].length);
    }
    if (text !== block) out.push(text);
  }
  return out;
}

/** The entry of `block` with `field` (`    key: …`) inserted where go-yaml puts its key. */
function inHelmOrder(block: string, field: string): string {
  const key = field.slice(4, field.indexOf(':'));
  const lines = block.split(/(?<=\n)/);
  const at = lines.findIndex(
    (l, i) => i > 0 && /^(?: {2}- | {4})[A-Za-z]/.test(l) && l.slice(4, l.indexOf(':')) > key,
  );
  if (at < 0) return block + field;
  if (at > 1) return [...lines.slice(0, at), field, ...lines.slice(at)].join('');
  return `${lines[0]}  - ${field.slice(4)}    ${lines[1].slice(4)}${lines.slice(2).join('')}`;
}

/**
 * A C0 control (tab and CR among them) anywhere in a block's entries makes every lane refuse the block:
 * the scan for block boundaries no longer looks for them (index-splice.ts's SCAN).
 */
function expectControlsRefused(block: string, chart: string): void {
  const body = block.indexOf('\n') + 1;
  let tried = 0;
  for (let at = body; at < block.length; at += 5) {
    for (const c of ['\x00', '\x01', '\t', '\r', '\x1b', '\x1f']) {
      const edited = block.slice(0, at) + c + block.slice(at);
      expect(verdicts(edited, chart), JSON.stringify(edited.slice(at - 20, at + 20))).toEqual([-1, -1, -1]);
      tried++;
    }
  }
  expect(tried).toBeGreaterThan(100);
}

describe('index fast path: in-place checks against decoding', () => {
  it('accept no field the decoder refuses, on hand-made edge cases', () => {
    let whole = 0;
    for (const field of FIELDS) {
      const at = ENTRY.indexOf('    name: c\n');
      expectLanesAgree(ENTRY.slice(0, at) + field + ENTRY.slice(at), 'c', field);
      if (expectLanesAgree(inHelmOrder(ENTRY, field), 'c', field)[0] >= 0) whole++;
    }
    expect(whole).toBeGreaterThan(10); // the one-expression lane met them, and took some
  });

  it('take the entries of the one-expression lane in go-yaml order only', () => {
    const reordered = ENTRY.replace('    name: c\n', '').replace(
      '    version: 1.0.0\n',
      '    version: 1.0.0\n    name: c\n',
    );
    const whole0 = fieldStats.wholeEntries;
    expect(verdicts(reordered, 'c')).toEqual([1, 1, 1]);
    expect(fieldStats.wholeEntries).toBe(whole0); // the line checks took it
    verdicts(ENTRY, 'c');
    expect(fieldStats.wholeEntries).toBe(whole0 + 1);
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
          const whole0 = fieldStats.wholeEntries;
          expect(verdicts(block, name), name).toEqual([8, 8, 8]);
          // every entry helm wrote took the one-expression lane
          expect(fieldStats.wholeEntries - whole0, name).toBe(8);
          for (const mutant of mutants(block, 40, names.length)) expectLanesAgree(mutant, name, mutant);
          if (names.length <= 3) expectControlsRefused(block, name);
        }
        // helm writes chart keys in go-yaml's order, which the streamed merge relies on
        for (let i = 1; i < names.length; i++)
          expect(goYamlLess(names[i - 1], names[i]), names[i]).toBe(true);
      });
    });
  }

  it('spell RESERVED compactly in the whole-entry expression, the same words exactly', () => {
    const compact = new RegExp(`^${compactWords(RESERVED)}$`);
    const words = RESERVED.source.slice(4, -2).split('|');
    for (const w of [...words, ...words.map((x) => x.toLowerCase() + x.slice(1).toUpperCase())])
      expect(compact.test(w), w).toBe(RESERVED.test(w));
    for (const w of ['yEs', 'tRUE', 'Nul', 'nulls', 'o', 'offf', 'y ', ''])
      expect(compact.test(w), w).toBe(false);
  });

  it('orders keys like go-yaml: digit runs as numbers, non-letters before letters', () => {
    expect(goYamlLess('chart-9', 'chart-10')).toBe(true);
    expect(goYamlLess('chart-10', 'chart-9')).toBe(false);
    expect(goYamlLess('a_b', 'ab')).toBe(true);
    expect(goYamlLess('a', 'a-b')).toBe(true);
    expect(goYamlLess('B', 'a')).toBe(true);
  });
});
