/** .helmignore globs: Go's path.Match semantics (Go's own test table) in linear time. */
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readChartDir } from '../../src/helm/chart/directory.ts';
import { globMatch, IgnoreRules } from '../../src/helm/chart/helmignore.ts';
import { withTempDir } from '../support/run.ts';

// From Go's src/path/match_test.go (matchTests); `undefined` stands for ErrBadPattern.
const GO_CASES: [string, string, boolean | undefined][] = [
  ['abc', 'abc', true],
  ['*', 'abc', true],
  ['*c', 'abc', true],
  ['a*', 'a', true],
  ['a*', 'abc', true],
  ['a*', 'ab/c', false],
  ['a*/b', 'abc/b', true],
  ['a*/b', 'a/c/b', false],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
  ['a*b?c*x', 'abxbbxdbxebxczzx', true],
  ['a*b?c*x', 'abxbbxdbxebxczzy', false],
  ['ab[c]', 'abc', true],
  ['ab[b-d]', 'abc', true],
  ['ab[e-g]', 'abc', false],
  ['ab[^c]', 'abc', false],
  ['ab[^b-d]', 'abc', false],
  ['ab[^e-g]', 'abc', true],
  ['a\\*b', 'a*b', true],
  ['a\\*b', 'ab', false],
  ['a?b', 'a☺b', true],
  ['a[^a]b', 'a☺b', true],
  ['a???b', 'a☺b', false],
  ['a[^a][^a][^a]b', 'a☺b', false],
  ['[a-ζ]*', 'α', true],
  ['*[a-ζ]', 'A', false],
  ['a?b', 'a/b', false],
  ['a*b', 'a/b', false],
  ['[\\]a]', ']', true],
  ['[\\-]', '-', true],
  ['[x\\-]', 'x', true],
  ['[x\\-]', '-', true],
  ['[x\\-]', 'z', false],
  ['[\\-x]', 'x', true],
  ['[\\-x]', '-', true],
  ['[\\-x]', 'a', false],
  ['[]a]', ']', undefined],
  ['[-]', '-', undefined],
  ['[x-]', 'x', undefined],
  ['[x-]', '-', undefined],
  ['[x-]', 'z', undefined],
  ['[-x]', 'x', undefined],
  ['[-x]', '-', undefined],
  ['[-x]', 'a', undefined],
  ['\\', 'a', undefined],
  ['[a-b-c]', 'a', undefined],
  ['[', 'a', undefined],
  ['[^', 'a', undefined],
  ['[^bc', 'a', undefined],
  ['a[', 'a', undefined],
  ['a[', 'ab', undefined],
  ['a[', 'x', undefined],
  ['a/b[', 'x', undefined],
  ['*x', 'xxx', true],
];

describe('globMatch (Go path.Match)', () => {
  it.each(GO_CASES)('%s vs %s', (pattern, name, want) => {
    expect(globMatch(pattern, name)).toBe(want);
  });

  // A backtracking RegExp takes exponential time here; Go's algorithm (and ours) is linear per star.
  it('answers pathological star patterns at once', { timeout: 5_000 }, () => {
    const pattern = `${'*x'.repeat(30)}*y`;
    const name = 'x'.repeat(5_000);
    expect(globMatch(pattern, name)).toBe(false);
    const rules = IgnoreRules.parse(`${pattern}\n`, '.helmignore');
    expect(rules.ignores(`templates/${name}`, false)).toBe(false);
  });
});

describe('.helmignore that is not a regular file', () => {
  const cases: [string, (file: string, dir: string) => Promise<void>, string][] = [
    [
      'a symbolic link',
      async (file, dir) => {
        await writeFile(path.join(dir, 'secret.txt'), 'TOP-SECRET-CONTENT\n');
        await symlink(path.join(dir, 'secret.txt'), file);
      },
      'a symbolic link',
    ],
    ['a directory', (file) => mkdir(file).then(() => undefined), 'a directory'],
    [
      'a FIFO',
      async (file) => {
        execFileSync('mkfifo', [file]);
      },
      'a special file',
    ],
  ];
  it.each(cases)(
    'is refused when it is %s, naming the file and without reading it',
    { timeout: 10_000 },
    async (_n, make, what) =>
      withTempDir(async (dir) => {
        const chart = path.join(dir, 'chart');
        await mkdir(chart);
        await writeFile(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 0.1.0\n');
        await make(path.join(chart, '.helmignore'), dir);
        const err = await readChartDir(chart).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(err?.message).toBe(
          `${path.join(chart, '.helmignore')}: expected a regular file, found ${what}`,
        );
        expect(err?.message).not.toContain('TOP-SECRET');
      }),
  );
});
