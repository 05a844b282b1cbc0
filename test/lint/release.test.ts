/**
 * Release checks against a repository built by real helm (`helm package` + `helm repo index`), read
 * from a file and over HTTP from a server this test starts on 127.0.0.1.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintCharts } from '../../src/stages/lint/lint.ts';
import { cli, helm } from '../support/run.ts';
import { BASE, CORPUS_DIR } from './corpus.ts';

let work: string;
let server: Server;
let baseUrl: string;

async function chartCopy(name: string, edits: [string, string, string][] = []): Promise<string> {
  const dir = path.join(work, name);
  await cp(path.join(CORPUS_DIR, BASE), dir, { recursive: true });
  for (const [file, from, to] of edits) {
    const p = path.join(dir, file);
    const text = await readFile(p, 'utf8');
    if (!text.includes(from)) throw new Error(`${file}: ${from} not found`);
    await writeFile(p, text.replace(from, to));
  }
  return dir;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'vineyard-lint-release-'));
  const published = await chartCopy('published');
  const repo = path.join(work, 'repo');
  const pkg = await helm('v4', ['package', published, '--destination', repo], work);
  expect(pkg.code, pkg.stderr).toBe(0);
  const idx = await helm('v4', ['repo', 'index', repo], work);
  expect(idx.code, idx.stderr).toBe(0);
  server = createServer(async (req, res) => {
    try {
      const body = await readFile(path.join(repo, path.basename(req.url ?? '')));
      res.writeHead(200).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await rm(work, { recursive: true, force: true });
});

const releaseFindings = async (dir: string, against: string) =>
  (await lintCharts([dir], { against })).findings.filter((f) => f.rule.startsWith('release-'));

describe('lint --against a published index', () => {
  it('accepts the published chart itself (same content, same version)', async () => {
    const dir = await chartCopy('same');
    expect(await releaseFindings(dir, path.join(work, 'repo', 'index.yaml'))).toEqual([]);
  });

  it('fails when content changed but the version did not increase', async () => {
    const dir = await chartCopy('nobump', [['values.yaml', 'replicaCount: 1', 'replicaCount: 2']]);
    const f = await releaseFindings(dir, path.join(work, 'repo', 'index.yaml'));
    expect(f.map((x) => [x.rule, x.severity, x.path])).toEqual([
      ['release-version-bump', 'ERROR', 'version'],
    ]);
    expect(f[0].message).toMatch(
      /changed since published 0\.1\.0 \(values\.yaml\) but version 0\.1\.0 is not greater/,
    );
  });

  it('accepts a changed chart with a higher version', async () => {
    const dir = await chartCopy('bumped', [
      ['values.yaml', 'replicaCount: 1', 'replicaCount: 2'],
      ['Chart.yaml', 'version: 0.1.0', 'version: 0.2.0'],
    ]);
    expect(await releaseFindings(dir, path.join(work, 'repo', 'index.yaml'))).toEqual([]);
  });

  it('flags fields Kubernetes cannot update in place, over HTTP too', async () => {
    const dir = await chartCopy('immutable', [
      ['Chart.yaml', 'version: 0.1.0', 'version: 0.2.0'],
      [
        'templates/_helpers.tpl',
        'app.kubernetes.io/instance: {{ .Release.Name }}',
        'app.kubernetes.io/instance: {{ .Release.Name }}\ntier: backend',
      ],
      ['templates/service.yaml', 'spec:\n', 'spec:\n  clusterIP: None\n'],
    ]);
    for (const against of [path.join(work, 'repo', 'index.yaml'), `${baseUrl}/index.yaml`]) {
      const f = await releaseFindings(dir, against);
      const got = f.map((x) => `${x.rule} ${x.file.split('/').pop()} ${x.path}`).sort();
      expect(got, against).toEqual([
        'release-immutable-field deployment.yaml spec.selector',
        'release-immutable-field service.yaml spec.clusterIP',
      ]);
      expect(f.find((x) => x.path === 'spec.clusterIP')?.message).toMatch(
        /changes from unset to "None" since published 0\.1\.0/,
      );
    }
  });

  it('reports an unreadable index as a finding, and exits 1 through the CLI', async () => {
    const dir = await chartCopy('noindex');
    const f = await releaseFindings(dir, `${baseUrl}/missing.yaml`);
    expect(f.map((x) => x.rule)).toEqual(['release-index']);
    expect(f[0].message).toMatch(/HTTP 404/);
    const nobump = await chartCopy('nobump-cli', [['values.yaml', 'replicaCount: 1', 'replicaCount: 3']]);
    const res = await cli(['lint', nobump, '--against', `${baseUrl}/index.yaml`]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toMatch(/Chart\.yaml: version: release-version-bump ERROR /);
  });
});
