import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CORE_SCHEMA, load } from 'js-yaml';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { parseIndex, serializeIndex } from '../../src/helm/repo/index-file.ts';
import { fastParseYaml, isPlainStringRead } from '../../src/helm/repo/index-yaml.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { cli, HELM_MAJORS, helm, withTempDir } from '../support/run.ts';
import { serveDirectory } from '../support/static-server.ts';

const FIXTURE = path.join(PROJECT_ROOT, 'test/fixtures/charts/demo');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function packageVersion(dir: string, version: string): Promise<string> {
  const src = path.join(dir, `src-${version}`, 'demo');
  await cp(FIXTURE, src, { recursive: true });
  const chartYaml = await readFile(path.join(src, 'Chart.yaml'), 'utf8');
  await writeFile(path.join(src, 'Chart.yaml'), chartYaml.replace(/^version: .*$/m, `version: ${version}`));
  const res = await cli(['package', src, '--out', path.join(dir, 'repo')], {
    env: { SOURCE_DATE_EPOCH: '1700000000' },
  });
  expect(res.code, res.stderr).toBe(0);
  return path.join(dir, 'repo', `demo-${version}.tgz`);
}

/** A .tgz with arbitrary tar entries, for the archive reader's bad-input cases. */
async function craftArchive(entries: Partial<tar.Header>[], body = 'x'): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    const header = { name: 'x', ...e } as tar.Header;
    if (header.type === 'symlink') pack.entry(header);
    else pack.entry(header, header.size ? Buffer.alloc(header.size) : body);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

const CHART_YAML = 'apiVersion: v2\nname: demo\nversion: 0.1.0\n';

describe('index', () => {
  for (const [label, json] of [
    ['YAML', false],
    ['JSON body', true],
  ] as const) {
    it(`serves a ${label} index that helm v3 and v4 repo add / search / pull accept`, async () => {
      await withTempDir(async (dir) => {
        await packageVersion(dir, '1.0.0');
        await packageVersion(dir, '1.2.3+build.7');
        const server = await serveDirectory(path.join(dir, 'repo'));
        try {
          const res = await cli([
            'index',
            path.join(dir, 'repo'),
            '--url',
            `${server.url}/`,
            ...(json ? ['--json'] : []),
          ]);
          expect(res.code, res.stderr).toBe(0);
          const text = await readFile(path.join(dir, 'repo', 'index.yaml'), 'utf8');
          if (json) expect(() => JSON.parse(text)).not.toThrow();
          const index = parseIndex(text, 'index.yaml');
          expect(index.entries.demo.map((e) => e.version)).toEqual(['1.2.3+build.7', '1.0.0']);
          expect(index.entries.demo[0].urls).toEqual([`${server.url}/demo-1.2.3%2Bbuild.7.tgz`]);
          for (const major of HELM_MAJORS) {
            const home = path.join(dir, `home-${major}`);
            const add = await helm(major, ['repo', 'add', 'ours', server.url], home);
            expect(add.code, add.stderr).toBe(0);
            const search = await helm(
              major,
              ['search', 'repo', 'ours/demo', '--versions', '-o', 'json'],
              home,
            );
            expect(search.code, search.stderr).toBe(0);
            const found = JSON.parse(search.stdout) as {
              name: string;
              version: string;
              app_version: string;
            }[];
            expect(found.map((f) => [f.name, f.version, f.app_version])).toEqual([
              ['ours/demo', '1.2.3+build.7', '1.10'],
              ['ours/demo', '1.0.0', '1.10'],
            ]);
            const dest = path.join(dir, `pulled-${major}`);
            await mkdir(dest);
            const pull = await helm(
              major,
              ['pull', 'ours/demo', '--version', '1.2.3+build.7', '-d', dest],
              home,
            );
            expect(pull.code, pull.stderr).toBe(0);
            const [pulled] = await readdir(dest);
            expect(sha256(await readFile(path.join(dest, pulled)))).toBe(index.entries.demo[0].digest);
          }
        } finally {
          await server.close();
        }
      });
    });
  }

  it('merge keeps created and digest of existing entries; a changed digest is an error', async () => {
    await withTempDir(async (dir) => {
      const repo = path.join(dir, 'repo');
      await packageVersion(dir, '1.0.0');
      const first = await cli(['index', repo, '--url', 'https://charts.example.com'], {
        env: { SOURCE_DATE_EPOCH: '1600000000' },
      });
      expect(first.code, first.stderr).toBe(0);
      const old = path.join(dir, 'old-index.yaml');
      await cp(path.join(repo, 'index.yaml'), old);
      await packageVersion(dir, '1.1.0');
      const second = await cli(['index', repo, '--url', 'https://charts.example.com', '--merge', old], {
        env: { SOURCE_DATE_EPOCH: '1700000000' },
      });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain('1 added, 1 unchanged');
      const merged = parseIndex(await readFile(path.join(repo, 'index.yaml'), 'utf8'), 'index.yaml');
      const byVersion = Object.fromEntries(merged.entries.demo.map((e) => [e.version, e]));
      expect(byVersion['1.0.0'].created).toBe('2020-09-13T12:26:40.000Z');
      expect(byVersion['1.1.0'].created).toBe('2023-11-14T22:13:20.000Z');
      expect(merged.generated).toBe('2023-11-14T22:13:20.000Z');

      // Same version, different content: refused, and index.yaml stays as it was.
      const before = await readFile(path.join(repo, 'index.yaml'), 'utf8');
      const src = path.join(dir, 'src-1.0.0', 'demo');
      await writeFile(path.join(src, 'values.yaml'), 'message: changed\n');
      expect((await cli(['package', src, '--out', repo])).code).toBe(0);
      const third = await cli(['index', repo, '--merge', path.join(repo, 'index.yaml')]);
      expect(third.code).toBe(1);
      expect(third.stderr).toMatch(
        /index\.yaml: entries\.demo\[\d\]: version 1\.0\.0 is already published with digest/,
      );
      expect(await readFile(path.join(repo, 'index.yaml'), 'utf8')).toBe(before);
    });
  });

  it('writes relative, escaped URLs without --url', async () => {
    await withTempDir(async (dir) => {
      await packageVersion(dir, '2.0.0-rc.1+meta');
      const res = await cli(['index', path.join(dir, 'repo')]);
      expect(res.code, res.stderr).toBe(0);
      const index = parseIndex(await readFile(path.join(dir, 'repo', 'index.yaml'), 'utf8'), 'index.yaml');
      expect(index.entries.demo[0].urls).toEqual(['demo-2.0.0-rc.1%2Bmeta.tgz']);
    });
  });

  it('reads an index written by helm itself and re-serialises it losslessly', async () => {
    await withTempDir(async (dir) => {
      await packageVersion(dir, '1.0.0');
      await packageVersion(dir, '0.9.0');
      const h = await helm(
        'v4',
        ['repo', 'index', path.join(dir, 'repo'), '--url', 'https://x.example/a b'],
        dir,
      );
      expect(h.code, h.stderr).toBe(0);
      const helmText = await readFile(path.join(dir, 'repo', 'index.yaml'), 'utf8');
      const ours = parseIndex(helmText, 'helm-index.yaml');
      const reference = load(helmText, { schema: CORE_SCHEMA }) as { entries: { demo: object[] } };
      expect(ours.entries.demo).toEqual(reference.entries.demo);
      // Our serialisation: the fast reader and js-yaml (an independent YAML parser) agree on it.
      const text = serializeIndex(ours, 'yaml');
      expect(fastParseYaml(text)).toEqual(load(text, { schema: CORE_SCHEMA }));
      expect(parseIndex(text, 'ours.yaml')).toEqual(ours);
    });
  });

  describe('bad input: exit 1, clear message, index.yaml not written or replaced', () => {
    const archives: [string, () => Promise<Buffer>, RegExp][] = [
      [
        'corrupt gzip',
        async () => Buffer.concat([gzipSync(Buffer.alloc(2048)).subarray(0, 20), Buffer.alloc(30, 7)]),
        /corrupt gzip/,
      ],
      ['not gzip at all', async () => Buffer.from('apiVersion: v1\n'.repeat(4)), /not a gzip/],
      [
        'parent-directory entry',
        () =>
          craftArchive([
            { name: 'demo/Chart.yaml', size: CHART_YAML.length },
            { name: 'demo/../../evil', size: 1 },
          ]),
        /demo\/\.\.\/\.\.\/evil: parent-directory references/,
      ],
      [
        'absolute path',
        () => craftArchive([{ name: '/etc/demo/Chart.yaml', size: 3 }]),
        /\/etc\/demo\/Chart\.yaml: absolute paths/,
      ],
      [
        'symlink entry',
        () => craftArchive([{ name: 'demo/templates/x.yaml', type: 'symlink', linkname: '/etc/passwd' }]),
        /demo\/templates\/x\.yaml: only regular files are allowed, found a symlink/,
      ],
      [
        'oversize file',
        () => craftArchive([{ name: 'demo/big.bin', size: 5 * 1024 * 1024 + 1 }]),
        /demo\/big\.bin: file is 5242881 bytes, over helm's per-file limit/,
      ],
      [
        'no Chart.yaml',
        () => craftArchive([{ name: 'demo/values.yaml', size: 1 }]),
        /no <chart>\/Chart\.yaml/,
      ],
    ];
    for (const [label, make, message] of archives) {
      it(`archive: ${label}`, async () => {
        await withTempDir(async (dir) => {
          await writeFile(path.join(dir, 'bad-0.1.0.tgz'), await make());
          const res = await cli(['index', dir]);
          expect(res.code).toBe(1);
          expect(res.stderr).toContain('bad-0.1.0.tgz');
          expect(res.stderr).toMatch(message);
          expect(await readdir(dir)).toEqual(['bad-0.1.0.tgz']);
        });
      });
    }

    it('archive: invalid Chart.yaml inside', async () => {
      await withTempDir(async (dir) => {
        const body = 'apiVersion: v2\nname: demo\nversion: not-semver\n';
        const pack = tar.pack();
        pack.entry({ name: 'demo/Chart.yaml' }, body);
        pack.finalize();
        const chunks: Buffer[] = [];
        for await (const c of pack) chunks.push(c as Buffer);
        await writeFile(path.join(dir, 'demo.tgz'), gzipSync(Buffer.concat(chunks)));
        const res = await cli(['index', dir]);
        expect(res.code).toBe(1);
        expect(res.stderr).toMatch(/demo\.tgz:demo\/Chart\.yaml: version: expected a semantic version/);
      });
    });

    const indexes: [string, string, RegExp][] = [
      [
        'unknown field',
        'apiVersion: v1\ngenerated: "2024-01-01T00:00:00Z"\nentries: {}\nextra: 1\n',
        /old\.yaml: extra: unknown field/,
      ],
      [
        'unknown entry field',
        'apiVersion: v1\ngenerated: "2024-01-01T00:00:00Z"\nentries:\n  demo:\n  - name: demo\n    version: 1.0.0\n    apiVersion: v2\n    created: "2024-01-01T00:00:00Z"\n    urls: []\n    colour: red\n',
        /old\.yaml: entries\.demo\[0\]\.colour: unknown field/,
      ],
      [
        'numeric appVersion',
        'apiVersion: v1\ngenerated: "2024-01-01T00:00:00Z"\nentries:\n  demo:\n  - name: demo\n    version: 1.0.0\n    apiVersion: v2\n    appVersion: 1.10\n    created: "2024-01-01T00:00:00Z"\n    urls: []\n',
        /old\.yaml: entries\.demo\[0\]\.appVersion: expected a string/,
      ],
      ['corrupt YAML', 'apiVersion: v1\nentries: [\n', /old\.yaml: invalid YAML/],
      ['empty', '\n', /old\.yaml: empty index file/],
    ];
    for (const [label, text, message] of indexes) {
      it(`merge index: ${label}`, async () => {
        await withTempDir(async (dir) => {
          await mkdir(path.join(dir, 'repo'));
          await writeFile(path.join(dir, 'repo', 'index.yaml'), 'previous');
          await writeFile(path.join(dir, 'old.yaml'), text);
          const res = await cli(['index', path.join(dir, 'repo'), '--merge', path.join(dir, 'old.yaml')]);
          expect(res.code).toBe(1);
          expect(res.stderr).toMatch(message);
          expect(await readFile(path.join(dir, 'repo', 'index.yaml'), 'utf8')).toBe('previous');
        });
      });
    }
  });
});

describe('plain scalars the fast reader takes as strings without asking js-yaml', () => {
  it('are read by js-yaml as the same string (every string of up to 4 number-ish characters)', () => {
    const alphabet = ['0', '1', '9', 'e', 'E', 'x', 'o', 'b', 'r', 'n', '-', '+', '.', '_'];
    const jsYamlSays = (s: string) => {
      try {
        return load(s, { schema: CORE_SCHEMA }) === s;
      } catch {
        return false;
      }
    };
    let strings = [''];
    let checked = 0;
    for (let len = 1; len <= 4; len++) {
      strings = strings.flatMap((s) => alphabet.map((c) => s + c));
      for (const s of strings) {
        // Never a string js-yaml reads otherwise; and a dashed one js-yaml reads as itself is taken.
        const dashed = /^[^-].*-/.test(s) && !/[eE]-/.test(s) && !s.startsWith('...');
        if (isPlainStringRead(s) && !jsYamlSays(s)) expect.fail(`${JSON.stringify(s)}: not a string`);
        if (dashed && jsYamlSays(s) && !isPlainStringRead(s)) expect.fail(`${JSON.stringify(s)}: refused`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40_000);
    for (const s of ['012-r001', '3scale-operator', '1.0-rc1', '2024-01-01', '0x1-f'])
      expect(isPlainStringRead(s)).toBe(true);
    for (const s of ['1e-5', '-1', '+.5e-3']) expect(isPlainStringRead(s)).toBe(false);
  });
});
