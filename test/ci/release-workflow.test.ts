/**
 * The release workflow's essentials, read from the YAML GitHub would run: it triggers on version tags
 * only, gets S3 access by OIDC role assumption (id-token: write) with no long-lived key anywhere, and
 * tests before it holds any credential. The Artifact Hub metadata it publishes parses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';

const WORKFLOW = path.join(PROJECT_ROOT, '.github', 'workflows', 'release.yml');
const text = readFileSync(WORKFLOW, 'utf8');
// js-yaml's core schema keeps `on` a string key (YAML 1.1 would make it `true`).
const wf = load(text) as {
  on: { push: { tags?: string[]; branches?: string[] } } & Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<
    string,
    {
      permissions: Record<string, string>;
      steps: { name?: string; uses?: string; run?: string; with?: Record<string, unknown> }[];
    }
  >;
};

/** GitHub's filter pattern syntax, for the characters our patterns use: [..], +, *, \ escapes. */
function ghPattern(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') re += `\\${pattern[++i]}`;
    else if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      re += pattern.slice(i, end + 1);
      i = end;
    } else if (c === '+' || c === '?') re += c;
    else re += c.replace(/[.^$|(){}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

describe('.github/workflows/release.yml', () => {
  it('runs on version tags only', () => {
    expect(Object.keys(wf.on)).toEqual(['push']);
    expect(wf.on.push.branches).toBeUndefined();
    const patterns = (wf.on.push.tags ?? []).map(ghPattern);
    const matches = (tag: string) => patterns.some((p) => p.test(tag));
    for (const tag of ['v0.1.0', 'v1.22.333', 'v1.2.3-rc.1', 'v1.2.3+build.7'])
      expect(matches(tag), tag).toBe(true);
    for (const tag of ['latest', 'v1.2', '1.2.3', 'vx.y.z', 'release-1.2.3'])
      expect(matches(tag), tag).toBe(false);
  });

  it('assumes an AWS role through OIDC, with no long-lived key anywhere', () => {
    expect(wf.permissions).toEqual({});
    const [job] = Object.values(wf.jobs);
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const aws = job.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(aws?.with?.['role-to-assume']).toMatch(/^\$\{\{ vars\.[A-Z_]+ \}\}$/);
    expect(aws?.with).not.toHaveProperty('aws-access-key-id');
    expect(aws?.with).not.toHaveProperty('aws-secret-access-key');
    expect(text).not.toMatch(/AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|aws-secret-access-key|secrets\./i);
  });

  it('tests before it holds credentials, then releases to S3', () => {
    const [job] = Object.values(wf.jobs);
    const index = (pred: (s: (typeof job.steps)[number]) => boolean) => job.steps.findIndex(pred);
    const tests = index((s) => s.run?.trim() === 'bash .ci/run');
    const creds = index((s) => Boolean(s.uses?.startsWith('aws-actions/configure-aws-credentials@')));
    const release = index((s) => /vineyard-charts\.cjs release --to "s3:\/\//.test(s.run ?? ''));
    expect(tests).toBeGreaterThanOrEqual(0);
    expect(creds).toBeGreaterThan(tests);
    expect(release).toBeGreaterThan(creds);
    // .ci/run is the CI entry: npm ci, then the checks and npm test.
    const commands = readFileSync(path.join(PROJECT_ROOT, '.ci', 'run'), 'utf8')
      .split('\n')
      .filter((line) => /^npm /.test(line));
    expect(commands[0]).toMatch(/^npm ci\b/);
    expect(commands.at(-1)).toBe('npm test');
  });

  it('ships Artifact Hub repository metadata with an owner', () => {
    const meta = load(readFileSync(path.join(PROJECT_ROOT, 'chart-src', 'artifacthub-repo.yml'), 'utf8')) as {
      owners: { name: string; email: string }[];
    };
    expect(meta.owners[0]).toEqual({ name: 'Vineyard maintainers', email: 'developers@v6d.io' });
  });
});
