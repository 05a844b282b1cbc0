/** An index.yaml never makes us fetch outside its repository (SSRF) unless the user allows it. */
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStorage } from '../../src/targets/file.ts';
import { publishedInRepository } from '../../src/targets/repository/published.ts';
import { keyUnderBaseUrl, withinRepository } from '../../src/util/repo-urls.ts';
import { cli, withTempDir } from '../support/run.ts';

describe('withinRepository / keyUnderBaseUrl', () => {
  it('tells repository locations from others', () => {
    expect(
      withinRepository('https://c.example/stable/index.yaml', 'https://c.example/stable/a-1.0.0.tgz'),
    ).toBe(true);
    expect(
      withinRepository('https://c.example/stable/index.yaml', 'https://c.example/other/a-1.0.0.tgz'),
    ).toBe(false);
    expect(
      withinRepository('https://c.example/stable/index.yaml', 'http://169.254.169.254/latest/meta-data'),
    ).toBe(false);
    expect(withinRepository('/repo/index.yaml', '/repo/charts/a-1.0.0.tgz')).toBe(true);
    expect(withinRepository('/repo/index.yaml', '/etc/passwd')).toBe(false);
    expect(withinRepository('/repo/index.yaml', 'file:///repo/a.tgz')).toBe(false);
    expect(keyUnderBaseUrl('https://c.example/stable', 'https://c.example/stable/a-1.0.0.tgz')).toBe(
      'a-1.0.0.tgz',
    );
    expect(keyUnderBaseUrl('https://c.example/stable', 'https://c.example/stable/../x.tgz')).toBeUndefined();
    expect(keyUnderBaseUrl(undefined, 'https://c.example/stable/a.tgz')).toBeUndefined();
  });
});

describe('an index naming a URL outside the repository', () => {
  let server: Server;
  let requests = 0;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests++;
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/latest/meta-data/x.tgz`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const indexNaming = (u: string) =>
    `apiVersion: v1\nentries:\n  vineyard:\n    - apiVersion: v2\n      name: vineyard\n      version: 0.0.1\n      created: "2026-01-01T00:00:00Z"\n      digest: ${'a'.repeat(64)}\n      urls:\n        - ${u}\ngenerated: "2026-01-01T00:00:00Z"\n`;

  it('lint --against: a finding naming the URL and the flag, and no request', () =>
    withTempDir(async (dir) => {
      const index = path.join(dir, 'index.yaml');
      await writeFile(index, indexNaming(url));
      requests = 0;
      const res = await cli(['lint', 'charts-out/vineyard', '--against', index]);
      expect(res.stdout).toContain(
        `names ${url}, outside the repository; not fetched (pass --allow-off-repo-urls`,
      );
      expect(requests).toBe(0);
      await cli(['lint', 'charts-out/vineyard', '--against', index, '--allow-off-repo-urls']);
      expect(requests).toBe(1);
    }));

  it('a target repository (release reads what it holds): refused, no request; allowed with the flag', () =>
    withTempDir(async (dir) => {
      const repo = path.join(dir, 'repo');
      await mkdir(repo);
      await writeFile(path.join(repo, 'index.yaml'), indexNaming(url));
      const storage = new FileStorage(repo);
      const charts = [{ name: 'vineyard', version: '0.0.2' }];
      requests = 0;
      await expect(publishedInRepository(storage, charts)).rejects.toThrow(
        /outside the repository; not fetched/,
      );
      expect(requests).toBe(0);
      await expect(publishedInRepository(storage, charts, { allowOffRepoUrls: true })).rejects.toThrow(
        /HTTP 404/,
      );
      expect(requests).toBe(1);
    }));
});
