/** .helmignore globs: Go's path.Match semantics (Go's own test table) in linear time. */
import { describe, expect, it } from 'vitest';
import { globMatch, IgnoreRules } from '../../src/helm/chart/helmignore.ts';

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
