/**
 * A static HTTP server for a chart repository directory, on 127.0.0.1 only: enough for
 * `helm repo add` / `helm pull` against a repository published with `--to file://DIR`.
 * GET and HEAD only; no directory listings; only what a chart repository holds (index.yaml, Artifact
 * Hub's metadata, chart tarballs and their .prov): never hidden files (a publisher's stages, probe
 * objects), temporary files, or anything outside the directory. Every file it serves is complete:
 * publishers only ever rename finished files into place.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.yaml': 'text/yaml; charset=utf-8',
  '.yml': 'text/yaml; charset=utf-8',
  '.tgz': 'application/gzip',
  '.prov': 'application/pgp-signature',
};

/** The names a chart repository serves; anything else (e.g. `x.tgz.tmp-123-abcd` of a crash) is not. */
const SERVED = /^(index\.yaml|artifacthub-repo\.yml|[^/]+\.tgz|[^/]+\.tgz\.prov)$/;

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Maps a request path to a file inside root, or null if it could escape or names a file not served. */
export function resolveRequestPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const parts = decoded.split('/').filter((p) => p !== '');
  if (parts.some((p) => p.startsWith('.')) || !SERVED.test(parts.at(-1) ?? '')) return null;
  const file = path.join(root, ...parts);
  return file.startsWith(root + path.sep) ? file : null;
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'method not allowed\n');
  }
  const file = resolveRequestPath(root, req.url ?? '/');
  const info = file ? await stat(file).catch(() => null) : null;
  if (!file || !info?.isFile()) return send(res, 404, 'not found\n');
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Last-Modified': info.mtime.toUTCString(),
    // the index changes with every publish; tarballs never do
    'Cache-Control': path.extname(file) === '.tgz' ? 'public, max-age=300' : 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

export function startServer(dir: string, port = 0): Promise<RunningServer> {
  const root = path.resolve(dir);
  const server = createServer((req, res) => {
    handle(root, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      resolve({
        url: `http://127.0.0.1:${actual}`,
        port: actual,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
