/**
 * A loopback HTTP proxy in front of an S3 server that misbehaves on purpose: on a random subset of
 * requests it resets the connection or answers 500/503, either before forwarding (the store never saw
 * the request) or after (the store applied it, the client never learns). It also counts requests and
 * bytes in both directions, which the benchmark uses.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Fault =
  | 'reset-before'
  | '500-before'
  | '503-before'
  | 'reset-after'
  | '500-after'
  | 'reset-midway';
export const ALL_FAULTS: Fault[] = [
  'reset-before',
  '500-before',
  '503-before',
  'reset-after',
  '500-after',
  'reset-midway',
];

export interface FaultProxy {
  url: string;
  /** probability (0..1) that a request is sabotaged */
  rate: number;
  faults: Fault[];
  stats: {
    requests: number;
    faults: number;
    bytesIn: number;
    bytesOut: number;
    byMethod: Record<string, number>;
  };
  resetStats(): void;
  close(): Promise<void>;
}

/** Deterministic PRNG (mulberry32), so a failing trial can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function reset(socket: Socket): void {
  // RST rather than FIN: the client sees ECONNRESET, like a dropped connection
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${status === 503 ? 'SlowDown' : 'InternalError'}</Code><Message>injected</Message></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startFaultProxy(
  upstream: string,
  random: () => number = Math.random,
): Promise<FaultProxy> {
  const target = new URL(upstream);
  const emptyStats = () => ({
    requests: 0,
    faults: 0,
    bytesIn: 0,
    bytesOut: 0,
    byMethod: {} as Record<string, number>,
  });
  const proxy: FaultProxy = {
    url: '',
    rate: 0,
    faults: ALL_FAULTS,
    stats: emptyStats(),
    resetStats: () => {
      proxy.stats = emptyStats();
    },
    close: async () => undefined,
  };

  const forward = (
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const up = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (res) => {
          readBody(res).then(
            (b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }),
            reject,
          );
        },
      );
      up.on('error', reject);
      up.end(body);
    });

  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      proxy.stats.requests++;
      proxy.stats.byMethod[req.method ?? '?'] = (proxy.stats.byMethod[req.method ?? '?'] ?? 0) + 1;
      proxy.stats.bytesIn += body.length;
      const fault =
        random() < proxy.rate ? proxy.faults[Math.floor(random() * proxy.faults.length)] : undefined;
      if (fault) proxy.stats.faults++;
      if (fault === 'reset-before') return reset(req.socket);
      if (fault === '500-before') return answer(res, 500);
      if (fault === '503-before') return answer(res, 503);
      const up = await forward(req, body);
      if (fault === 'reset-after') return reset(req.socket);
      if (fault === '500-after') return answer(res, 500);
      proxy.stats.bytesOut += up.body.length;
      const headers = { ...up.headers };
      delete headers['transfer-encoding'];
      // a HEAD answer has no body but announces the object's length: keep the store's value
      if (req.method !== 'HEAD') headers['content-length'] = String(up.body.length);
      res.writeHead(up.status, headers);
      if (fault === 'reset-midway' && up.body.length > 1) {
        res.write(up.body.subarray(0, Math.floor(up.body.length / 2)));
        setImmediate(() => reset(req.socket));
        return;
      }
      res.end(up.body);
    } catch {
      reset(req.socket);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  proxy.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
