/**
 * The `index --merge` fast path (index-splice.ts) against the reference path (parseIndex +
 * mergeEntries + serializeIndex): js-yaml's reading of both outputs must be deep-equal, on generated
 * indexes full of awkward strings, and the fast path must step aside whenever it is not sure.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CORE_SCHEMA, dump, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import {
  entryFor,
  type IndexEntry,
  type IndexFile,
  mergeEntries,
  newIndex,
  parseIndex,
  serializeIndex,
} from '../../src/helm/repo/index-file.ts';
import { spliceMerge } from '../../src/helm/repo/index-splice.ts';
import { fastParseYaml } from '../../src/helm/repo/index-yaml.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { cli, HELM_MAJORS, helm, withTempDir } from '../support/run.ts';
import { serveDirectory } from '../support/static-server.ts';

const NOW = new Date('2025-06-01T12:00:00Z');
const AWKWARD = [
  'plain words',
  'He said "hi" and left',
  "it's a 'quoted' word",
  'unicode: café, 日本語, emoji 🎉',
  'line one\nline two\n\nline four',
  'ends with space ',
  'yes',
  'null',
  '1.10',
  '- looks like a list',
  '# looks like a comment',
  'key: value',
  'back\\slash and tab\tinside',
  'control \u0085 NEL, \u2028 LS, \u007f DEL',
  '',
];

/** A small index in our own layout whose every chart exercises some awkward part of the format. */
function awkwardIndex(): IndexFile {
  const index = newIndex(new Date('2024-01-01T00:00:00Z'));
  const names = ['alpha', 'beta-chart', '9lives', 'yes', 'zeta.io', 'deps', 'unsorted'];
  names.forEach((name, c) => {
    const versions =
      name === 'unsorted'
        ? ['1.0.0', '2.0.0', '1.5.0']
        : ['3.0.0+build.1', '2.1.0-rc.1', '2.0.0', 'v1.0', '1.0.0'];
    index.entries[name] = versions.map((version, v) => {
      const text = AWKWARD[(c * 3 + v) % AWKWARD.length];
      const metadata = {
        apiVersion: v % 2 ? 'v1' : 'v2',
        name,
        version,
        appVersion: AWKWARD[(c + v + 8) % AWKWARD.length] || '1.10',
        description: text,
        home: 'https://example.com/a?b=c&d',
        keywords: [text, 'k2'],
        maintainers: [{ name: text || 'anon', email: 'm@example.com', url: 'https://m.example.com' }],
        annotations: { 'artifacthub.io/changes': `- kind: added\n  description: ${text}`, 'x y': text },
        ...(v === 1 ? { deprecated: true, type: 'library' } : { type: 'application' }),
        ...(name === 'deps' ? { dependencies: [{ name: 'redis', version: '~1.2', tags: ['a'] }] } : {}),
      };
      const digest = `${c}${v}`.padEnd(64, 'f');
      return entryFor(
        { metadata, digest },
        `https://charts.example.com/${name}-${version}.tgz`,
        new Date(2023, 0, 1 + v),
      );
    });
  });
  index.entries.alpha[2].removed = false;
  index.serverInfo = { contextPath: '/api/charts' };
  index.annotations = { owner: 'café team' };
  return index;
}

function newEntry(name: string, version: string, digest = 'e'.repeat(64)): IndexEntry {
  const metadata = { apiVersion: 'v2', name, version, description: 'new "one"\nwith lines' };
  return entryFor({ metadata, digest }, `https://charts.example.com/${name}-${version}.tgz`, NOW);
}

/** What the reference path writes, read back by js-yaml. */
function reference(text: string, entries: IndexEntry[]): unknown {
  const merged = mergeEntries(parseIndex(text, 'old.yaml'), entries, { file: 'old.yaml', generated: NOW });
  return load(serializeIndex(merged.index, 'yaml'), { schema: CORE_SCHEMA });
}

function fast(text: string, entries: IndexEntry[]): string | undefined {
  const res = spliceMerge(Buffer.from(text), 'old.yaml', entries, NOW);
  return res && Buffer.concat(res.chunks).toString('utf8');
}

describe('index --merge fast path', () => {
  const ours = serializeIndex(awkwardIndex(), 'yaml');
  const cases: [string, IndexEntry[]][] = [
    ['nothing new', []],
    ['a new version of an existing chart', [newEntry('beta-chart', '2.5.0')]],
    [
      'a new chart sorting first, last and in between',
      [newEntry('0first', '1.0.0'), newEntry('zzz', '1.0.0'), newEntry('gamma', '0.1.0')],
    ],
    [
      'an existing version with the same digest',
      [{ ...newEntry('alpha', '2.0.0'), digest: '02'.padEnd(64, 'f') }],
    ],
  ];
  for (const [label, entries] of cases) {
    it(`matches the reference merge: ${label}`, () => {
      const out = fast(ours, entries);
      expect(out, 'fast path declined').toBeDefined();
      expect(load(out as string, { schema: CORE_SCHEMA })).toEqual(reference(ours, entries));
      // Strictly valid, and untouched charts were copied byte for byte.
      expect(() => parseIndex(out as string, 'out.yaml')).not.toThrow();
      const zeta = ours.slice(ours.indexOf('\n  zeta.io:\n') + 1, ours.indexOf('\ngenerated:') + 1);
      expect(out).toContain(zeta);
    });
  }

  it('matches the reference on an index written in another layout (js-yaml dump: indented lists)', () => {
    const other = dump(load(ours, { schema: CORE_SCHEMA }), { sortKeys: true, lineWidth: -1 });
    expect(other).toMatch(/\n {4}- \w+:/); // really another layout
    const entries = [newEntry('alpha', '9.0.0')];
    const out =
      fast(other, entries) ??
      serializeIndex(mergeEntries(parseIndex(other, 'o'), entries, { generated: NOW }).index, 'yaml');
    expect(load(out, { schema: CORE_SCHEMA })).toEqual(reference(other, entries));
  });

  it('mixes copied blocks with re-parsed ones (a chart in js-yaml layout between two in ours)', () => {
    const plain = newIndex(new Date('2024-01-01T00:00:00Z'));
    plain.entries.mid = ['2.0.0', '1.0.0'].map((version) =>
      entryFor(
        {
          metadata: {
            apiVersion: 'v2',
            name: 'mid',
            version,
            description: 'He said "hi"',
            keywords: ['a', 'b'],
          },
          digest: 'd'.repeat(64),
        },
        `https://charts.example.com/mid-${version}.tgz`,
        new Date('2023-05-05T00:00:00Z'),
      ),
    );
    const midBlock = dump({ mid: plain.entries.mid }, { lineWidth: -1 }).replace(/^/gm, '  ').trimEnd();
    expect(midBlock).toMatch(/\n {4}- \w+:/); // lists indented under their key: not helm's layout
    const mixed = ours.replace('\n  unsorted:\n', `\n${midBlock}\n  unsorted:\n`);
    const entries = [newEntry('alpha', '9.0.0')];
    const out = fast(mixed, entries);
    expect(out, 'fast path declined').toBeDefined();
    expect(load(out as string, { schema: CORE_SCHEMA })).toEqual(reference(mixed, entries));
    expect(out).not.toContain(midBlock); // re-emitted in our layout
    const zeta = ours.slice(ours.indexOf('\n  zeta.io:\n') + 1, ours.indexOf('\ngenerated:') + 1);
    expect(out).toContain(zeta); // still copied
  });

  it('takes the fast path on an index written by helm v4 itself, copying its chart block', async () => {
    await withTempDir(async (dir) => {
      const repo = path.join(dir, 'repo');
      const res = await cli(['package', path.join(PROJECT_ROOT, 'test/fixtures/charts/demo'), '--out', repo]);
      expect(res.code, res.stderr).toBe(0);
      const h = await helm('v4', ['repo', 'index', repo, '--url', 'https://x.example/charts'], dir);
      expect(h.code, h.stderr).toBe(0);
      const helmText = await readFile(path.join(repo, 'index.yaml'), 'utf8');
      const entries = [newEntry('other', '1.0.0')];
      const out = fast(helmText, entries);
      expect(out, 'fast path declined').toBeDefined();
      expect(load(out as string, { schema: CORE_SCHEMA })).toEqual(reference(helmText, entries));
      const demo = helmText.slice(helmText.indexOf('  demo:\n'), helmText.indexOf('\ngenerated:') + 1);
      expect(out).toContain(demo);
    });
  });

  it('matches the reference with a blank line between charts (copied with the chart before it)', () => {
    const blank = ours.replace('\n  beta-chart:', '\n\n  beta-chart:');
    const entries = [newEntry('zeta.io', '9.0.0')];
    const out = fast(blank, entries);
    expect(out, 'fast path declined').toBeDefined();
    expect(load(out as string, { schema: CORE_SCHEMA })).toEqual(reference(blank, entries));
  });

  it('reads multi-line scalars (folded plain, quoted, | blocks) exactly as js-yaml does', () => {
    // js-yaml's dump writes | blocks with indicators, and folds long strings: each shape on random text.
    const parts = [
      'a',
      'word',
      ' ',
      '  ',
      '\n',
      '\n\n',
      'é',
      '日本',
      '🚀',
      '"',
      "'",
      '\\',
      '#',
      ': ',
      '-',
      '\t',
      '1e5',
    ];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 400; i++) {
      let s = '';
      const len = 1 + rand(40);
      for (let j = 0; j < len; j++) s += parts[rand(parts.length)];
      for (const lineWidth of [20, 80]) {
        const text = dump({ a: { b: s, c: [s, 'x'] } }, { lineWidth });
        const got = fastParseYaml(text);
        if (got !== undefined) expect(got, JSON.stringify(text)).toEqual(load(text, { schema: CORE_SCHEMA }));
      }
    }
  });

  it('writes awkward strings so that js-yaml reads back exactly what was written', () => {
    expect(load(ours, { schema: CORE_SCHEMA })).toEqual(JSON.parse(JSON.stringify(awkwardIndex())));
  });

  it('reads plain scalars as js-yaml does, or leaves them to js-yaml', () => {
    const samples = [
      'https://example.com/a?b=c&d#frag',
      'x #comment',
      'key: value',
      'trailing:',
      'He said "hi"',
      '1'.repeat(64),
      `12e${'3'.repeat(61)}`,
      `0b${'01'.repeat(31)}`,
      `0b${'0c'.repeat(31)}`,
      `9${'ab'.repeat(31)}f`,
      'a:b',
      'yes',
      'Null',
      '1.2.3+build.4',
      '1.10',
    ];
    for (const s of samples) {
      const text = `a: ${s}\nb:\n- ${s}\n`;
      const ours_ = fastParseYaml(text);
      if (ours_ !== undefined) expect(ours_, s).toEqual(load(text, { schema: CORE_SCHEMA }));
      const emitted = serializeIndex({ ...newIndex(NOW), annotations: { a: s } }, 'yaml');
      expect((load(emitted, { schema: CORE_SCHEMA }) as IndexFile).annotations?.a, s).toBe(s);
    }
    expect(fastParseYaml('a: https://example.com/x\n')).toEqual({ a: 'https://example.com/x' });
  });

  it('throws the reference error for an existing version with a different digest', () => {
    const entries = [newEntry('alpha', '2.0.0')];
    const expected = (() => {
      try {
        reference(ours, entries);
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(expected).toMatch(/old\.yaml: entries\.alpha\[2\]: version 2\.0\.0 is already published/);
    expect(() => fast(ours, entries)).toThrow(expected);
  });

  const declined: [string, (t: string) => string][] = [
    ['CRLF line ends', (t) => t.replaceAll('\n', '\r\n')],
    ['a tab', (t) => t.replace('description: ', 'description:\t')],
    ['a byte order mark', (t) => `\ufeff${t}`],
    ['a raw C1 control character', (t) => t.replace('plain words', 'plain\u0085words')],
    ['a raw C0 control character', (t) => t.replace('plain words', 'plain\u0001words')],
    [
      'a raw C0 control character in a chart copied as it is',
      (t) => t.replace(/(\n {2}zeta\.io:\n[\s\S]*?digest: ....)/, '$1\u001f'),
    ],
    ['a DEL in a chart copied as it is', (t) => t.replace(/(\n {2}deps:\n[\s\S]*?digest: ....)/, '$1\u007f')],
    ['a raw line separator', (t) => t.replace('plain words', 'plain\u2028words')],
    ['a comment', (t) => t.replace('\n  beta-chart:', '\n  # note\n  beta-chart:')],
    [
      'a duplicate chart',
      (t) =>
        t.replace(
          '\ngenerated:',
          `\n${t.slice(t.indexOf('  alpha:'), t.indexOf('  beta-chart:'))}generated:`,
        ),
    ],
    ['a JSON body', (t) => JSON.stringify(load(t, { schema: CORE_SCHEMA }))],
    ['no final newline', (t) => t.slice(0, -1)],
  ];
  for (const [label, edit] of declined) {
    it(`steps aside for ${label}`, () => {
      expect(fast(edit(ours), [newEntry('alpha', '9.0.0')])).toBeUndefined();
    });
  }

  const invalid: [string, (t: string) => string, RegExp][] = [
    [
      'an unknown entry field',
      (t) => t.replace(/ {4}home: .*\n/, '    colour: red\n'),
      /old\.yaml: entries\.[\w.]+\[\d\]\.colour: unknown field/,
    ],
    [
      'a numeric appVersion',
      (t) => t.replace(/appVersion: "1\.10"/, 'appVersion: 1.10'),
      /appVersion: expected a string/,
    ],
    [
      'a bad created',
      (t) => t.replace(/created: "2023-01-0[0-9]T[^"]*"/, 'created: "yesterday"'),
      /created: expected an RFC 3339 timestamp/,
    ],
    [
      'a name that is not the key',
      (t) => t.replace('    name: zeta.io\n', '    name: other\n'),
      /entries\.zeta\.io\[\d\]\.name: expected "zeta\.io"/,
    ],
    [
      'a duplicate field',
      (t) => t.replace('    name: zeta.io\n', '    name: zeta.io\n    name: zeta.io\n'),
      /invalid YAML/,
    ],
  ];
  for (const [label, edit, message] of invalid) {
    it(`leaves ${label} in an untouched chart to the strict path (CLI: clear error, nothing written)`, async () => {
      const bad = edit(ours);
      expect(bad).not.toBe(ours);
      expect(fast(bad, [newEntry('beta-chart', '9.0.0')])).toBeUndefined();
      await withTempDir(async (dir) => {
        await mkdir(path.join(dir, 'repo'));
        await writeFile(path.join(dir, 'repo', 'index.yaml'), 'previous');
        await writeFile(path.join(dir, 'old.yaml'), bad);
        const res = await cli(['index', path.join(dir, 'repo'), '--merge', path.join(dir, 'old.yaml')]);
        expect(res.code).toBe(1);
        expect(res.stderr).toContain('old.yaml');
        expect(res.stderr).toMatch(message);
        expect(await readFile(path.join(dir, 'repo', 'index.yaml'), 'utf8')).toBe('previous');
      });
    });
  }

  it('refuses an index that is not valid UTF-8, naming the line', async () => {
    await withTempDir(async (dir) => {
      await mkdir(path.join(dir, 'repo'));
      const bytes = Buffer.concat([
        Buffer.from(ours.slice(0, 40)),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(ours.slice(40)),
      ]);
      await writeFile(path.join(dir, 'old.yaml'), bytes);
      const res = await cli(['index', path.join(dir, 'repo'), '--merge', path.join(dir, 'old.yaml')]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/old\.yaml: line \d+: expected UTF-8 text/);
      expect(await readFile(path.join(dir, 'repo', 'index.yaml')).catch(() => 'absent')).toBe('absent');
    });
  });

  it('writes a merged index that helm v3 and v4 read exactly like the reference merge', async () => {
    await withTempDir(async (dir) => {
      const repo = path.join(dir, 'repo');
      const refRepo = path.join(dir, 'ref');
      await mkdir(refRepo);
      const res = await cli(['package', path.join(PROJECT_ROOT, 'test/fixtures/charts/demo'), '--out', repo]);
      expect(res.code, res.stderr).toBe(0);
      await writeFile(path.join(dir, 'old.yaml'), ours);
      const server = await serveDirectory(repo);
      const refServer = await serveDirectory(refRepo);
      try {
        const merged = await cli(
          ['index', repo, '--url', server.url, '--merge', path.join(dir, 'old.yaml')],
          {
            env: { SOURCE_DATE_EPOCH: String(NOW.getTime() / 1000) },
          },
        );
        expect(merged.code, merged.stderr).toBe(0);
        const text = await readFile(path.join(repo, 'index.yaml'), 'utf8');
        expect(text).toContain(ours.slice(ours.indexOf('  alpha:\n'), ours.indexOf('  beta-chart:\n'))); // copied
        const demo = parseIndex(text, 'new').entries.demo[0];
        const refIndex = mergeEntries(parseIndex(ours, 'old'), [demo], { generated: NOW }).index;
        await writeFile(path.join(refRepo, 'index.yaml'), serializeIndex(refIndex, 'yaml'));
        expect(load(text, { schema: CORE_SCHEMA })).toEqual(reference(ours, [demo]));
        for (const major of HELM_MAJORS) {
          const home = path.join(dir, `home-${major}`);
          const search = async (name: string, url: string) => {
            const add = await helm(major, ['repo', 'add', name, url], home);
            expect(add.code, add.stderr).toBe(0);
            const r = await helm(
              major,
              ['search', 'repo', `${name}/`, '--versions', '--devel', '-o', 'json'],
              home,
            );
            expect(r.code, r.stderr).toBe(0);
            // helm orders equal versions (v1.0 and 1.0.0) arbitrarily: compare as sets.
            return (JSON.parse(r.stdout) as { name: string }[])
              .map((f) => JSON.stringify({ ...f, name: f.name.slice(name.length) }))
              .sort();
          };
          const ours_ = await search('ours', server.url);
          expect(ours_.length).toBeGreaterThan(20);
          expect(ours_.some((f) => f.includes('"name":"/demo"'))).toBe(true);
          expect(ours_).toEqual(await search('ref', refServer.url));
        }
      } finally {
        await server.close();
        await refServer.close();
      }
    });
  });
});
