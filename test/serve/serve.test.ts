/**
 * `serve` never leaves the repository directory through a symbolic link, and refuses requests whose Host
 * header is not a loopback name (DNS rebinding), while real helm v3/v4 still add and pull from it
 * (issue 16, item 7).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAllowedHost, type RunningServer, startServer } from '../../src/stages/serve/server.ts';
import { makeChart } from '../publish/charts.ts';
import { CLI, cli, HELM_MAJORS, helm, run } from '../support/run.ts';

/** A GET with the Host header we choose (fetch does not let us set it). */
function get(
  base: string,
  urlPath: string,
  host?: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: urlPath,
        headers: host === undefined ? {} : { Host: host },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error(`GET ${urlPath}: no answer in 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('serve: symbolic links and Host headers', () => {
  let work: string;
  let repo: string;
  let chart: { file: string; digest: string };
  let server: RunningServer;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'vineyard-serve-'));
    repo = path.join(work, 'repo');
    chart = await makeChart(work, 'demo', '1.0.0');
    const pub = await cli(['publish', chart.file, '--to', `file://${repo}`]);
    expect(pub.code, pub.stderr).toBe(0);
    // outside the repository: a secret, and a directory of "charts"
    const outside = path.join(work, 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'secret.tgz'), 'outside the repository\n');
    await symlink('/etc/passwd', path.join(repo, 'x.tgz'));
    await symlink('/etc/passwd', path.join(repo, 'passwd.tgz.prov'));
    await symlink(path.join(outside, 'secret.tgz'), path.join(repo, 'secret.tgz'));
    await symlink(outside, path.join(repo, 'linked'));
    await symlink('/etc', path.join(repo, 'etc'));
    // a relative link to a file inside: still a link, not served
    await symlink('demo-1.0.0.tgz', path.join(repo, 'alias-1.0.0.tgz'));
    // a FIFO and a directory under a served name: neither hangs nor is served
    await run('mkfifo', [path.join(repo, 'fifo.tgz')]);
    await mkdir(path.join(repo, 'dir.tgz'));
    server = await startServer(repo);
  });
  afterAll(async () => {
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('serves the repository files', async () => {
    const index = await get(server.url, '/index.yaml');
    expect(index.status).toBe(200);
    expect(index.body).toContain('demo-1.0.0.tgz');
    expect((await get(server.url, '/demo-1.0.0.tgz')).status).toBe(200);
  });

  it('a symlink to a file outside (x.tgz -> /etc/passwd) or inside, and a symlinked directory, are 404', async () => {
    for (const p of [
      '/x.tgz',
      '/passwd.tgz.prov',
      '/secret.tgz',
      '/linked/secret.tgz',
      '/etc/passwd.tgz',
      '/alias-1.0.0.tgz',
      '/fifo.tgz',
      '/dir.tgz',
    ]) {
      const res = await get(server.url, p);
      expect(res.status, p).toBe(404);
      expect(res.body, p).not.toContain('root:');
      expect(res.body, p).not.toContain('outside the repository');
    }
  });

  it('a repository directory that is itself reached through a link is served', async () => {
    const viaLink = path.join(work, 'repo-link');
    await symlink(repo, viaLink);
    const other = await startServer(viaLink);
    try {
      expect((await get(other.url, '/index.yaml')).status).toBe(200);
      expect((await get(other.url, '/x.tgz')).status).toBe(404);
    } finally {
      await other.close();
    }
  });

  it('refuses a Host header that is not a loopback name (DNS rebinding): 421', async () => {
    const port = server.port;
    for (const host of [
      'attacker.example',
      `attacker.example:${port}`,
      `127.0.0.1.attacker.example:${port}`,
      `localhost.attacker.example`,
      '10.0.0.1',
      `[::ffff:7f00:1]:${port}`,
    ]) {
      const res = await get(server.url, '/index.yaml', host);
      expect(res.status, host).toBe(421);
      expect(res.body, host).not.toContain('apiVersion');
    }
    for (const host of [
      `127.0.0.1:${port}`,
      '127.0.0.1',
      `localhost:${port}`,
      'LOCALHOST',
      `[::1]:${port}`,
    ]) {
      expect((await get(server.url, '/index.yaml', host)).status, host).toBe(200);
    }
    expect(isAllowedHost(undefined)).toBe(false);
    expect(isAllowedHost('')).toBe(false);
  });

  it('`serve` as a user runs it: helm v3/v4 repo add and pull still work; --help documents the checks', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', repo, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const first = (await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next())
        .value as string;
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(first)?.[1] as string;
      expect(url, first).toBeDefined();
      for (const major of HELM_MAJORS) {
        const home = path.join(work, `helm-${major}`);
        const add = await helm(major, ['repo', 'add', 'vineyard', url], home);
        expect(add.code, add.stderr).toBe(0);
        const dest = path.join(home, 'out');
        await mkdir(dest, { recursive: true });
        const pull = await helm(major, ['pull', 'vineyard/demo', '--version', '1.0.0', '-d', dest], home);
        expect(pull.code, pull.stderr).toBe(0);
        const bytes = await readFile(path.join(dest, 'demo-1.0.0.tgz'));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(chart.digest);
      }
      const rebound = await get(url, '/index.yaml', 'rebind.attacker.example');
      expect(rebound.status).toBe(421);
    } finally {
      child.kill('SIGTERM');
    }
    const help = await cli(['serve', '--help']);
    expect(help.stdout).toContain('never through a symbolic link');
    expect(help.stdout).toContain('421 Misdirected Request');
  });
});
