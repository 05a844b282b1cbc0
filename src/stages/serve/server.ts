/**
 * A static HTTP server for a chart repository directory, on 127.0.0.1 only: enough for
 * `helm repo add` / `helm pull` against a repository published with `--to file://DIR`.
 * GET and HEAD only; no directory listings; only what a chart repository holds (index.yaml, Artifact
 * Hub's metadata, chart tarballs and their .prov): never hidden files (a publisher's stages, probe
 * objects), temporary files, or anything outside the directory. Every file it serves is complete:
 * publishers only ever rename finished files into place.
 *
 * Outside the directory means by real path too: a request is served only when the file's real path is
 * exactly the root's real path plus the request's segments (no symlink anywhere below the root, neither
 * the file nor a directory on the way), it is opened with O_NOFOLLOW, and the opened descriptor must be
 * a regular file whose path (/proc/self/fd on Linux) is still inside the root, so a link swapped in
 * between the check and the open is not followed either.
 *
 * DNS rebinding: a web page can make a browser send requests to 127.0.0.1 under the page's own host
 * name. Requests whose Host header is not a loopback name (127.0.0.1, localhost, [::1], any port) are
 * refused with 421 Misdirected Request.
 */
import { constants } from 'node:fs';
import { type FileHandle, open, readlink, realpath } from 'node:fs/promises';
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

/** The bound address; the Host names below are the only ones a local client uses for it. */
const LISTEN_HOST = '127.0.0.1';

/** Host header values we answer: loopback names with an optional port. Anything else may be rebinding. */
export function isAllowedHost(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  if (!m) return false;
  const name = m[1].toLowerCase();
  return name === LISTEN_HOST || name === 'localhost' || name === '[::1]';
}

/** `file`, opened without following links, if it is a regular file truly inside `realRoot`. */
async function openInside(realRoot: string, root: string, file: string): Promise<FileHandle | null> {
  // The path below the root must be free of links: its real path is exactly root's real path + segments.
  const expected = path.join(realRoot, path.relative(root, file));
  const real = await realpath(file).catch(() => null);
  if (real !== expected) return null;
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null; // ELOOP: the last segment became a link; ENOENT; EACCES
  }
  try {
    const info = await handle.stat();
    // What was opened, not what the path names now (a directory on the way may have been swapped).
    const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => expected);
    if (info.isFile() && opened === expected) return handle;
  } catch {
    // fall through: refused
  }
  await handle.close();
  return null;
}

async function handle(
  root: string,
  realRoot: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!isAllowedHost(req.headers.host)) {
    return send(res, 421, 'misdirected request: this server answers only to 127.0.0.1 or localhost\n');
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'method not allowed\n');
  }
  const file = resolveRequestPath(root, req.url ?? '/');
  const fh = file ? await openInside(realRoot, root, file) : null;
  if (!file || !fh) return send(res, 404, 'not found\n');
  let info: Awaited<ReturnType<FileHandle['stat']>>;
  try {
    info = await fh.stat();
  } catch (err) {
    await fh.close();
    throw err;
  }
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Last-Modified': info.mtime.toUTCString(),
    // the index changes with every publish; tarballs never do
    'Cache-Control': path.extname(file) === '.tgz' ? 'public, max-age=300' : 'no-cache',
  });
  if (req.method === 'HEAD' || info.size === 0) {
    await fh.close();
    return void res.end();
  }
  // exactly the bytes fstat counted: a file that grows meanwhile cannot break Content-Length
  fh.createReadStream({ start: 0, end: info.size - 1, autoClose: true })
    .on('error', () => res.destroy())
    .pipe(res);
}

export async function startServer(dir: string, port = 0): Promise<RunningServer> {
  const root = path.resolve(dir);
  const realRoot = await realpath(root);
  const server = createServer((req, res) => {
    handle(root, realRoot, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LISTEN_HOST, () => {
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      resolve({
        url: `http://${LISTEN_HOST}:${actual}`,
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
