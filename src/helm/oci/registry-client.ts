/**
 * The few distribution-spec (OCI registry) calls a chart push needs, over Node's fetch, with the
 * registry auth flows: anonymous, Basic, and the Bearer token challenge (`WWW-Authenticate: Bearer
 * realm=…,service=…,scope=…`, token fetched with Basic credentials or an OAuth2 refresh token).
 * Every credential sent and every token received is remembered as a secret (src/targets/redact.ts),
 * and a server's error text is masked before it is cut short, so no part of a secret it echoes leaks.
 */
import { PipelineError } from '../../errors.ts';
import { redactSecrets, rememberSecret } from '../../targets/redact.ts';
import type { Credential } from './credentials.ts';
import { type Blob, OCI_MANIFEST_MEDIA_TYPE, sha256Digest } from './manifest.ts';

const DOCKER_MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

export interface RegistryClientOptions {
  registry: string;
  repository: string;
  plainHttp: boolean;
  credential: Credential | undefined;
  /** Where credentials were looked for, named in the error when none matched. */
  credentialSources: string[];
  /** Token scope actions: pull for read-only runs, pull+push otherwise. */
  actions: 'pull' | 'pull,push';
  timeoutMs?: number;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (quoted or token values). */
export function parseChallenge(header: string): Challenge {
  const space = header.indexOf(' ');
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const m of (space === -1 ? '' : header.slice(space + 1)).matchAll(re)) {
    params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  return { scheme, params };
}

/** A Basic authorization header value; its base64 is remembered as a secret. */
function basicAuthorization(cred: Credential): string {
  const password = cred.password ?? '';
  rememberSecret(password);
  const encoded = Buffer.from(`${cred.username}:${password}`).toString('base64');
  rememberSecret(encoded);
  return `Basic ${encoded}`;
}

async function registryErrorText(res: Response): Promise<string> {
  // masked before parsing and truncation: a cut could leave a secret's prefix that no longer matches
  const text = redactSecrets(await res.text().catch(() => ''));
  try {
    const errors = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
    if (errors.length > 0) return errors.map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ');
  } catch {
    // not JSON: fall through to the raw (truncated) body
  }
  return text.slice(0, 200).trim();
}

export class RegistryClient {
  private authorization: string | undefined;
  readonly baseUrl: string;

  constructor(private readonly opts: RegistryClientOptions) {
    this.baseUrl = `${opts.plainHttp ? 'http' : 'https'}://${opts.registry}`;
  }

  private get scope(): string {
    return `repository:${this.opts.repository}:${this.opts.actions}`;
  }

  private async send(
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: Buffer,
  ): Promise<Response> {
    try {
      return await fetch(url, {
        method,
        headers: this.authorization ? { ...headers, Authorization: this.authorization } : headers,
        body: body ? new Uint8Array(body) : undefined,
        redirect: 'follow',
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 120_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      const hint = this.opts.plainHttp ? '' : ' (for a registry without TLS pass --plain-http)';
      throw new PipelineError(
        `cannot reach OCI registry ${this.baseUrl}: ${method} ${new URL(url).pathname}: ${why}${hint}`,
      );
    }
  }

  /** One request, answering a 401 challenge once and remembering the result for later requests. */
  async request(
    method: string,
    pathOrUrl: string,
    headers: Record<string, string> = {},
    body?: Buffer,
  ): Promise<Response> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.baseUrl}${pathOrUrl}`;
    let res = await this.send(method, url, headers, body);
    if (res.status !== 401) return res;
    const header = res.headers.get('www-authenticate') ?? '';
    await res.body?.cancel();
    this.authorization = await this.authorize(parseChallenge(header));
    res = await this.send(method, url, headers, body);
    if (res.status === 401) {
      await res.body?.cancel();
      throw new PipelineError(
        `OCI registry ${this.opts.registry} refused the credentials from ${this.opts.credential?.source} for ${this.scope}`,
      );
    }
    return res;
  }

  private noCredentials(): PipelineError {
    return new PipelineError(
      `OCI registry ${this.opts.registry} requires authentication and no credentials were found for it; ` +
        `looked in ${this.opts.credentialSources.join(', ')} (run \`helm registry login ${this.opts.registry}\`)`,
    );
  }

  private async authorize(challenge: Challenge): Promise<string> {
    const cred = this.opts.credential;
    if (challenge.scheme === 'basic') {
      if (cred?.username === undefined) throw this.noCredentials();
      return basicAuthorization(cred);
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) {
      throw new PipelineError(
        `OCI registry ${this.opts.registry} asked for unsupported authentication "${challenge.scheme || '(none)'}"`,
      );
    }
    if (cred?.registryToken) {
      rememberSecret(cred.registryToken);
      return `Bearer ${cred.registryToken}`;
    }
    return `Bearer ${await this.fetchToken(challenge.params, cred)}`;
  }

  private async fetchToken(params: Record<string, string>, cred: Credential | undefined): Promise<string> {
    const realm = new URL(params.realm);
    const query = new URLSearchParams();
    if (params.service) query.set('service', params.service);
    query.set('scope', this.scope);
    let res: Response;
    const signal = AbortSignal.timeout(this.opts.timeoutMs ?? 60_000);
    try {
      if (cred?.identityToken) {
        rememberSecret(cred.identityToken);
        query.set('grant_type', 'refresh_token');
        query.set('refresh_token', cred.identityToken);
        query.set('client_id', 'vineyard-charts');
        res = await fetch(realm, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: query.toString(),
          signal,
        });
      } else {
        for (const [k, v] of query) realm.searchParams.set(k, v);
        const headers: Record<string, string> = {};
        if (cred?.username !== undefined) {
          headers.Authorization = basicAuthorization(cred);
        }
        res = await fetch(realm, { headers, signal });
      }
    } catch (err) {
      throw new PipelineError(
        `cannot reach the token service ${realm.origin}${realm.pathname}: ${(err as Error).message}`,
      );
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw cred
        ? new PipelineError(`token service ${realm.origin} refused the credentials from ${cred.source}`)
        : this.noCredentials();
    }
    if (!res.ok) {
      throw new PipelineError(
        `token service ${realm.origin} answered ${res.status}: ${await registryErrorText(res)}`,
      );
    }
    const doc = (await res.json().catch(() => ({}))) as {
      token?: unknown;
      access_token?: unknown;
      refresh_token?: unknown;
    };
    const token = typeof doc.token === 'string' ? doc.token : doc.access_token;
    // Both are credentials from now on: a registry that echoes the Authorization header must not print them.
    if (typeof doc.access_token === 'string') rememberSecret(doc.access_token);
    if (typeof doc.refresh_token === 'string') rememberSecret(doc.refresh_token);
    if (typeof token !== 'string' || token === '') {
      throw new PipelineError(`token service ${realm.origin} returned no token`);
    }
    rememberSecret(token);
    return token;
  }

  private async fail(what: string, res: Response): Promise<never> {
    throw new PipelineError(
      `OCI registry ${this.opts.registry}: ${what} failed with HTTP ${res.status}: ${await registryErrorText(res)}`,
    );
  }

  private repoPath(rest: string): string {
    return `/v2/${this.opts.repository}/${rest}`;
  }

  /** The manifest a tag points at, or undefined when the tag (or repository) does not exist. */
  async getManifest(tag: string): Promise<FetchedManifest | undefined> {
    const res = await this.request('GET', this.repoPath(`manifests/${tag}`), {
      Accept: `${OCI_MANIFEST_MEDIA_TYPE}, ${DOCKER_MANIFEST_MEDIA_TYPE}`,
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) return this.fail(`GET manifest ${tag}`, res);
    const bytes = Buffer.from(await res.arrayBuffer());
    return { digest: sha256Digest(bytes), mediaType: res.headers.get('content-type') ?? '', bytes };
  }

  /** Every tag of the repository ([] when the repository does not exist yet). Follows `Link` pages. */
  async listTags(): Promise<string[]> {
    const tags: string[] = [];
    let next: string | null = this.repoPath('tags/list?n=1000');
    for (let page = 0; next && page < 100; page++) {
      const res = await this.request('GET', next);
      if (res.status === 404) {
        await res.body?.cancel();
        return tags;
      }
      if (!res.ok) return this.fail('GET tags/list', res);
      const body = (await res.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const link = res.headers.get('link')?.match(/<([^>]+)>/)?.[1];
      next = link ? new URL(link, this.baseUrl).toString() : null;
    }
    return tags;
  }

  /** A blob's bytes, checked against its digest. */
  async getBlob(digest: string): Promise<Buffer> {
    const res = await this.request('GET', this.repoPath(`blobs/${digest}`));
    if (!res.ok) return this.fail(`GET blob ${digest}`, res);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (sha256Digest(bytes) !== digest) {
      throw new PipelineError(`OCI registry ${this.opts.registry} served blob ${digest} with other content`);
    }
    return bytes;
  }

  async blobExists(digest: string): Promise<boolean> {
    const res = await this.request('HEAD', this.repoPath(`blobs/${digest}`));
    await res.body?.cancel();
    if (res.status === 404) return false;
    if (res.ok) return true;
    return this.fail(`HEAD blob ${digest}`, res);
  }

  /** POST to open an upload session, then one monolithic PUT with the digest. */
  async uploadBlob(blob: Blob): Promise<void> {
    const start = await this.request('POST', this.repoPath('blobs/uploads/'), { 'Content-Length': '0' });
    if (start.status !== 202) return this.fail(`start upload of ${blob.digest}`, start);
    await start.body?.cancel();
    const location = start.headers.get('location');
    if (!location)
      throw new PipelineError(`OCI registry ${this.opts.registry} opened an upload without a Location`);
    const url = new URL(location, this.baseUrl);
    url.searchParams.set('digest', blob.digest);
    const put = await this.request(
      'PUT',
      url.toString(),
      { 'Content-Type': 'application/octet-stream' },
      blob.bytes,
    );
    if (put.status !== 201) return this.fail(`upload of ${blob.digest}`, put);
    await put.body?.cancel();
    const stored = put.headers.get('docker-content-digest');
    if (stored && stored !== blob.digest) {
      throw new PipelineError(
        `OCI registry ${this.opts.registry} stored blob ${stored}, expected ${blob.digest}`,
      );
    }
  }

  async putManifest(tag: string, bytes: Buffer, mediaType: string): Promise<void> {
    const res = await this.request(
      'PUT',
      this.repoPath(`manifests/${tag}`),
      { 'Content-Type': mediaType },
      bytes,
    );
    if (res.status !== 201) return this.fail(`PUT manifest ${tag}`, res);
    await res.body?.cancel();
  }

  /** A blob's bytes as served, unchecked (repo verify compares the digest itself); undefined on 404. */
  async fetchBlob(digest: string): Promise<Buffer | undefined> {
    const res = await this.request('GET', this.repoPath(`blobs/${digest}`));
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) return this.fail(`GET blob ${digest}`, res);
    return Buffer.from(await res.arrayBuffer());
  }

  /**
   * Repositories of the registry whose name starts with `prefix` (`/v2/_catalog`, paginated); undefined
   * when the registry does not offer the catalog (many hosted registries do not).
   */
  async listRepositories(prefix: string): Promise<string[] | undefined> {
    const out: string[] = [];
    let next: string | null = '/v2/_catalog?n=1000';
    for (let page = 0; next && page < 1000; page++) {
      const res = await this.request('GET', next);
      if (res.status === 404 || res.status === 401 || res.status === 403 || res.status === 405) {
        await res.body?.cancel();
        return undefined;
      }
      if (!res.ok) return this.fail('GET _catalog', res);
      const body = (await res.json()) as { repositories?: string[] | null };
      out.push(...(body.repositories ?? []).filter((r) => r.startsWith(prefix)));
      const link = res.headers.get('link')?.match(/<([^>]+)>/)?.[1];
      next = link ? new URL(link, this.baseUrl).toString() : null;
    }
    return out;
  }

  /**
   * Whether the registry refuses deleting manifests (null: allowed), asked without deleting anything: a DELETE of a
   * digest that no manifest has answers 404 where deletes are allowed and 405 UNSUPPORTED where they
   * are not (docker-registry without REGISTRY_STORAGE_DELETE_ENABLED). Anything else counts as allowed:
   * the real DELETE then says.
   */
  async deleteRefusal(): Promise<{ status: number; message: string } | null> {
    const res = await this.deleteManifest(`sha256:${'0'.repeat(64)}`);
    return res.ok || !res.unsupported ? null : { status: res.status, message: res.message };
  }

  /**
   * Deletes a manifest by digest (which removes every tag pointing at it). `unsupported` when the
   * registry refuses deletes (405, or the UNSUPPORTED error code; docker-registry without
   * REGISTRY_STORAGE_DELETE_ENABLED), with the registry's own words.
   */
  async deleteManifest(
    digest: string,
  ): Promise<{ ok: true } | { ok: false; unsupported: boolean; status: number; message: string }> {
    const res = await this.request('DELETE', this.repoPath(`manifests/${digest}`));
    if (res.status === 202 || res.status === 200 || res.status === 204) {
      await res.body?.cancel();
      return { ok: true };
    }
    const message = await registryErrorText(res);
    const unsupported = res.status === 405 || /UNSUPPORTED/.test(message);
    return { ok: false, unsupported, status: res.status, message };
  }
}
