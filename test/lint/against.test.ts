/**
 * `lint --against` takes what `helm repo add` takes (the repository URL; index.yaml is appended), a
 * directory or file://DIR, and the targets release publishes to: oci:// (the newest semver tag is the
 * published chart) — issue 14, item 4. The check that proves the comparison ran: a chart whose content
 * changed without a version bump is an ERROR release-version-bump, the published chart itself is clean.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexUrl, localIndex } from '../../src/stages/lint/against.ts';
import { startServer } from '../../src/stages/serve/server.ts';
import { type RunningRegistry, startRegistry } from '../support/docker-registry.ts';
import { cli } from '../support/run.ts';
import { BASE, CORPUS_DIR } from './corpus.ts';

let work: string;
let repo: string;
let reg: RunningRegistry;

async function chartCopy(name: string, edits: [string, string, string][] = []): Promise<string> {
  const dir = path.join(work, name, 'ok-base');
  await cp(path.join(CORPUS_DIR, BASE), dir, { recursive: true });
  for (const [file, from, to] of edits) {
    const p = path.join(dir, file);
    const text = await readFile(p, 'utf8');
    if (!text.includes(from)) throw new Error(`${file}: ${from} not found`);
    await writeFile(p, text.replace(from, to));
  }
  return dir;
}

const BUMP = /Chart\.yaml: version: release-version-bump ERROR chart content changed since published (\S+) /;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'vineyard-lint-against-'));
  repo = path.join(work, 'repo');
  reg = await startRegistry();
  const published = await chartCopy('published');
  const pkg = await cli(['package', published, '-d', path.join(work, 'pkg')]);
  expect(pkg.code, pkg.stderr).toBe(0);
  const tgz = pkg.stdout.split(/\s+/)[0];
  for (const to of [`file://${repo}`, `oci://${reg.registry}/charts`]) {
    const res = await cli(['publish', tgz, '--to', to, '--plain-http']);
    expect(res.code, res.stderr).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await reg?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('lint --against', () => {
  it('resolves repository URLs and directories to their index.yaml', () => {
    expect(indexUrl('https://charts.example.com')).toBe('https://charts.example.com/index.yaml');
    expect(indexUrl('https://charts.example.com/stable/')).toBe(
      'https://charts.example.com/stable/index.yaml',
    );
    expect(indexUrl('https://charts.example.com/index.yaml')).toBe('https://charts.example.com/index.yaml');
    expect(localIndex(`file://${repo}`)).toBe(path.join(repo, 'index.yaml'));
    expect(localIndex(repo)).toBe(path.join(repo, 'index.yaml'));
    expect(localIndex(path.join(repo, 'index.yaml'))).toBe(path.join(repo, 'index.yaml'));
  });

  it('a repository URL (as for helm repo add), file://DIR and a directory', async () => {
    const server = await startServer(repo, 0);
    try {
      const nobump = await chartCopy('nobump', [['values.yaml', 'replicaCount: 1', 'replicaCount: 2']]);
      const same = await chartCopy('same');
      for (const against of [server.url, `${server.url}/`, `file://${repo}`, repo]) {
        const res = await cli(['lint', nobump, '--against', against]);
        expect(res.code, `${against}\n${res.stdout}${res.stderr}`).toBe(1);
        expect(res.stdout).toMatch(BUMP);
        const clean = await cli(['lint', same, '--against', against]);
        expect(clean.code, `${against}\n${clean.stdout}`).toBe(0);
      }
    } finally {
      await server.close();
    }
  });

  it('oci://: the newest semver tag is the published chart to compare', async () => {
    // publish 0.2.0 too: the comparison must pick it over 0.1.0
    const v2 = await chartCopy('v2', [['Chart.yaml', 'version: 0.1.0', 'version: 0.2.0']]);
    const pkg = await cli(['package', v2, '-d', path.join(work, 'pkg2')]);
    const pushed = await cli([
      'publish',
      pkg.stdout.split(/\s+/)[0],
      '--to',
      `oci://${reg.registry}/charts`,
      '--plain-http',
    ]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const nobump = await chartCopy('oci-nobump', [
      ['values.yaml', 'replicaCount: 1', 'replicaCount: 2'],
      ['Chart.yaml', 'version: 0.1.0', 'version: 0.2.0'],
    ]);
    const against = `oci://${reg.registry}/charts`;
    const res = await cli(['lint', nobump, '--against', against, '--plain-http']);
    expect(res.code, res.stdout + res.stderr).toBe(1);
    expect(BUMP.exec(res.stdout)?.[1]).toBe('0.2.0');
    const same = await cli(['lint', v2, '--against', against, '--plain-http']);
    expect(same.code, same.stdout + same.stderr).toBe(0);
  });

  it('an unknown scheme is a usage error', async () => {
    const res = await cli(['lint', await chartCopy('ftp'), '--against', 'ftp://example.com/charts']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--against ftp:\/\/example\.com\/charts: expected a repository URL/);
  });
});
