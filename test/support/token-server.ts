/**
 * A registry token service (the role Docker Hub's auth.docker.io or ghcr.io/token play) for the bearer
 * challenge tests: checks Basic credentials and issues an ES256 JWT with an `x5c` header that the real
 * docker-registry verifies against the certificate bundle it is configured with.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface TokenRequestLog {
  service: string | null;
  scope: string | null;
  user: string | undefined;
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certFile: string;
  requests: TokenRequestLog[];
  /** Every token issued, to check that none is ever printed. */
  issued: string[];
  /**
   * When set, every request is answered 500 with a plain-text body echoing what the client sent: the
   * Authorization header, the decoded user and password, the query and the request body (a refresh
   * token), the way careless token services do.
   */
  echoCredentials: boolean;
  stop(): Promise<void>;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A self-signed P-256 certificate and key, made by the openssl CLI into `dir`. */
function makeSigningCert(dir: string): { keyPem: string; certFile: string; certDer: Buffer } {
  const keyFile = path.join(dir, 'token.key');
  const certFile = path.join(dir, 'token.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
    ].concat(['-out', certFile, '-days', '1', '-subj', '/CN=vineyard-charts-test-token-issuer']),
    { stdio: 'ignore' },
  );
  return {
    keyPem: readFileSync(keyFile, 'utf8'),
    certFile,
    certDer: new X509Certificate(readFileSync(certFile)).raw,
  };
}

function parseScope(scope: string | null): { type: string; name: string; actions: string[] }[] {
  if (!scope) return [];
  return scope.split(' ').map((s) => {
    const [type, ...rest] = s.split(':');
    const actions = rest.pop() ?? '';
    return { type, name: rest.join(':'), actions: actions.split(',').filter(Boolean) };
  });
}

export async function startTokenServer(dir: string, users: Record<string, string>): Promise<TokenServer> {
  const { keyPem, certFile, certDer } = makeSigningCert(dir);
  const key = createPrivateKey(keyPem);
  const service = 'vineyard-test-registry';
  const issuer = 'vineyard-test-issuer';
  const requests: TokenRequestLog[] = [];
  const issued: string[] = [];
  const state = { echoCredentials: false };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, password] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(/:(.*)/s) : [];
    requests.push({ service: url.searchParams.get('service'), scope: url.searchParams.get('scope'), user });
    if (state.echoCredentials) {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(
        `password=${password} authorization=${req.headers.authorization} ` +
          `body=${Buffer.concat(chunks).toString('utf8')} query=${url.search} user=${user}`,
      );
      return;
    }
    if (user === undefined || users[user] !== password) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: user,
      aud: url.searchParams.get('service'),
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: parseScope(url.searchParams.get('scope')),
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${input}.${b64url(signature)}`;
    issued.push(token);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    requests,
    issued,
    get echoCredentials() {
      return state.echoCredentials;
    },
    set echoCredentials(on: boolean) {
      state.echoCredentials = on;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
