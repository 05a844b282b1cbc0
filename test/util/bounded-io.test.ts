/** Every input is read with a cap: no /dev/zero, FIFO or endless HTTP body is read without limit. */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchBounded, readRegularFile } from '../../src/util/bounded-io.ts';
import { cli, withTempDir } from '../support/run.ts';

describe('readRegularFile', () => {
  it('reads a regular file within the cap, refuses one above it', () =>
    withTempDir(async (dir) => {
      const f = path.join(dir, 'a');
      await writeFile(f, 'x'.repeat(100));
      expect((await readRegularFile(f, 100)).length).toBe(100);
      await expect(readRegularFile(f, 99, 'index')).rejects.toThrow(
        `${f}: index is 100 bytes; at most 99 expected`,
      );
    }));

  it('refuses /dev/zero, a FIFO and a directory at once, naming them', { timeout: 5_000 }, () =>
    withTempDir(async (dir) => {
      const fifo = path.join(dir, 'chart.tgz');
      execFileSync('mkfifo', [fifo]);
      await expect(readRegularFile('/dev/zero', 1 << 20)).rejects.toThrow(
        '/dev/zero: expected a regular file (file), found a device',
      );
      await expect(readRegularFile(fifo, 1 << 20)).rejects.toThrow(
        `${fifo}: expected a regular file (file), found a FIFO`,
      );
      await expect(readRegularFile(dir, 1 << 20)).rejects.toThrow('found a directory');
    }),
  );
});

describe('CLI inputs that are not regular files', () => {
  it(
    'lint FIFO.tgz, index --merge /dev/zero, manifests -f /dev/zero: one line, exit 1, at once',
    { timeout: 30_000 },
    () =>
      withTempDir(async (dir) => {
        const fifo = path.join(dir, 'chart.tgz');
        execFileSync('mkfifo', [fifo]);
        const lint = await cli(['lint', fifo]);
        expect(lint.code).toBe(1);
        expect(lint.stdout).toContain(
          `unable to load chart: ${fifo}: expected a regular file (chart archive), found a FIFO`,
        );
        for (const args of [
          ['index', dir, '--merge', '/dev/zero'],
          ['manifests', '-f', '/dev/zero'],
        ]) {
          const res = await cli(args);
          expect(res.code, args.join(' ')).toBe(1);
          expect(res.stderr.trim().split('\n'), res.stderr).toHaveLength(1);
          expect(res.stderr).toMatch(/expected a regular file .*found a (FIFO|device)/);
        }
      }),
  );
});

describe('fetchBounded', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/endless') {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const pump = () => {
          while (res.write(chunk)) {}
          res.once('drain', pump);
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
      } else if (req.url === '/huge') {
        res.writeHead(200, { 'content-length': String(8 * 1024 ** 3) });
        res.write('a');
      } else if (req.url === '/silent') {
        // never answers
      } else {
        res.writeHead(200);
        res.end('apiVersion: v1\n');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('reads a small body, and stops an endless, an announced-huge and a silent one', {
    timeout: 20_000,
  }, async () => {
    const limits = { maxBytes: 4 * 1024 * 1024, timeoutMs: 2_000 };
    expect((await fetchBounded(`${base}/ok`, limits)).toString()).toBe('apiVersion: v1\n');
    await expect(fetchBounded(`${base}/endless`, limits)).rejects.toThrow(
      `GET ${base}/endless: body larger than 4194304 bytes`,
    );
    await expect(fetchBounded(`${base}/huge`, limits)).rejects.toThrow(
      'body of 8589934592 bytes; at most 4194304 expected',
    );
    await expect(fetchBounded(`${base}/silent`, limits)).rejects.toThrow('no complete answer within 2 s');
  });
});
