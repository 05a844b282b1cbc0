/**
 * publish --to file://DIR (the embedded default) and `serve`: the same protocol on a directory, served
 * to real helm v3 and v4.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishCharts } from '../../src/stages/publish/publish.ts';
import { startServer } from '../../src/stages/serve/server.ts';
import { CLI, cli, HELM_MAJORS, helm } from '../support/run.ts';
import { expectMatchesSchema } from '../support/schemas.ts';
import { makeChart, writeChartDir } from './charts.ts';

type Index = { entries: Record<string, { version: string; digest: string; urls: string[] }[]> };

describe('publish to a directory, and serve it', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'vineyard-publish-file-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('publishes via the CLI; helm v3/v4 add the served repository, pull with the indexed digest, template', async () => {
    const repo = path.join(work, 'repo1');
    const a = await makeChart(work, 'demo', '1.0.0');
    const res = await cli(['publish', a.file, '--to', `file://${repo}`, '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).index.action).toBe('created');
    expectMatchesSchema('publish-summary.schema.json', JSON.parse(res.stdout));
    // `serve` exactly as a user runs it, on a free port
    const child = spawn(process.execPath, [CLI, 'serve', repo, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const first = (await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next())
        .value as string;
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(first)?.[1];
      expect(url, first).toBeDefined();
      for (const major of HELM_MAJORS) {
        const home = path.join(work, `helm-${major}`);
        expect((await helm(major, ['repo', 'add', 'vineyard', url as string], home)).code).toBe(0);
        const search = await helm(major, ['search', 'repo', 'vineyard/demo', '-o', 'json'], home);
        expect(JSON.parse(search.stdout)[0].version).toBe('1.0.0');
        const dest = path.join(home, 'out');
        await mkdir(dest, { recursive: true });
        const pull = await helm(major, ['pull', 'vineyard/demo', '--version', '1.0.0', '-d', dest], home);
        expect(pull.code, pull.stderr).toBe(0);
        const bytes = await readFile(path.join(dest, 'demo-1.0.0.tgz'));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(a.digest);
        const tpl = await helm(major, ['template', 'r', path.join(dest, 'demo-1.0.0.tgz')], home);
        expect(tpl.stdout).toContain('name: r-greeting');
      }
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('concurrent publishers to one directory lose nothing; a re-run changes nothing', async () => {
    const repo = path.join(work, 'repo2');
    const charts = await Promise.all(
      Array.from({ length: 12 }, (_, i) => makeChart(work, 'many', `0.${i}.0`)),
    );
    const results = await Promise.all(charts.map((c) => publishCharts([c.file], { to: `file://${repo}` })));
    expect(Math.max(...results.map((r) => r.index.attempts))).toBeGreaterThan(1);
    const index = load(await readFile(path.join(repo, 'index.yaml'), 'utf8')) as Index;
    expect(index.entries.many.map((e) => e.version).sort()).toEqual(charts.map((_, i) => `0.${i}.0`).sort());
    for (const e of index.entries.many) {
      const bytes = await readFile(path.join(repo, e.urls[0]));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(e.digest);
    }
    const again = await publishCharts(
      charts.map((c) => c.file),
      { to: `file://${repo}` },
    );
    expect(again.index.action).toBe('unchanged');
    expect((await readdir(repo)).filter((f) => f.startsWith('.') || f.includes('.tmp-'))).toEqual([]);
  });

  it('--dry-run writes nothing; a changed tarball is refused unless --force', async () => {
    const repo = path.join(work, 'repo3');
    const a = await makeChart(work, 'imm', '1.0.0');
    const dry = await publishCharts([a.file], { to: `file://${repo}`, dryRun: true });
    expect(dry.objects.map((o) => o.action)).toEqual(['would-upload']);
    expect(dry.index).toMatchObject({ action: 'would-create', added: ['imm@1.0.0'] });
    expect(existsSync(repo)).toBe(false);
    await publishCharts([a.file], { to: `file://${repo}` });
    const indexBefore = await readFile(path.join(repo, 'index.yaml'), 'utf8');
    const other = path.join(work, 'changed');
    const dir = await writeChartDir(other, 'imm', '1.0.0');
    await writeFile(path.join(dir, 'values.yaml'), 'greeting: changed\n');
    const { packageChart } = await import('../../src/stages/package/package.ts');
    const changed = await packageChart(dir, { outDir: path.join(other, 'out') });
    const refused = await cli(['publish', changed.file, '--to', `file://${repo}`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `imm 1.0.0 is already published at ${path.join(repo, 'imm-1.0.0.tgz')} with different content (values.yaml)`,
    );
    expect(await readFile(path.join(repo, 'index.yaml'), 'utf8')).toBe(indexBefore);
    expect(
      createHash('sha256')
        .update(await readFile(path.join(repo, 'imm-1.0.0.tgz')))
        .digest('hex'),
    ).toBe(a.digest);
    const forced = await publishCharts([changed.file], { to: `file://${repo}`, force: true });
    expect(forced.objects[0].action).toBe('replaced');
    const index = load(await readFile(path.join(repo, 'index.yaml'), 'utf8')) as Index;
    expect(index.entries.imm[0].digest).toBe(changed.digest);
  });

  it('serve answers only files inside the directory, never hidden ones', async () => {
    const repo = path.join(work, 'repo4');
    await mkdir(repo, { recursive: true });
    await writeFile(path.join(repo, 'index.yaml'), 'apiVersion: v1\nentries: {}\n');
    await writeFile(path.join(repo, '.publish.lock'), '1');
    await writeFile(path.join(work, 'secret.txt'), 'outside');
    const server = await startServer(repo);
    try {
      const ok = await fetch(`${server.url}/index.yaml`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toContain('text/yaml');
      expect(ok.headers.get('cache-control')).toBe('no-cache');
      for (const p of ['/.publish.lock', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/missing.tgz', '/']) {
        expect((await fetch(`${server.url}${p}`)).status, p).toBe(404);
      }
      expect((await fetch(`${server.url}/index.yaml`, { method: 'PUT', body: 'x' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('usage errors: no charts (exit 2), a bad --to (exit 2), a missing file (exit 1)', async () => {
    expect((await cli(['publish'])).code).toBe(2);
    const badTo = await cli(['publish', 'x.tgz', '--to', 'ftp://nowhere']);
    expect(badTo.code).toBe(2);
    expect(badTo.stderr).toContain('expected file://DIR or s3://BUCKET[/PREFIX]');
    const missing = await cli(['publish', path.join(work, 'nope-1.0.0.tgz'), '--to', `file://${work}/r`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope-1.0.0.tgz: file not found');
  });
});
