/**
 * `s3://BUCKET[/PREFIX]` through @aws-sdk/client-s3. Credentials, region and endpoint come from the
 * SDK's standard chain (AWS_* variables, shared profiles, AWS_ENDPOINT_URL_S3, web identity); `--endpoint`
 * and `--path-style` cover S3-compatible stores (MinIO, Ceph RGW, R2). Only providers/s3.ts imports
 * this module, and only when an s3:// target is opened: nothing else pays for loading the SDK.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { PipelineError, UsageError } from '../errors.ts';
import { describeS3Failure, rememberSecret, type S3Deadlines } from './redact.ts';
import { checkS3Endpoint } from './s3-endpoint.ts';
import type {
  ListedObject,
  ObjectInfo,
  PutOptions,
  PutResult,
  Storage,
  StoredObject,
  TrafficStats,
} from './storage.ts';
import type { S3Options } from './target.ts';

export interface S3Location {
  bucket: string;
  prefix: string;
}

interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(err: unknown): number | undefined {
  return (err as SdkError).$metadata?.httpStatusCode;
}

async function resolveRegion(opts: S3Options): Promise<string> {
  if (opts.region) return opts.region;
  try {
    // the SDK's own chain: AWS_REGION, then the shared config profile
    const probe = new S3Client({});
    const region = await probe.config.region();
    probe.destroy();
    return region;
  } catch {
    return 'us-east-1'; // S3-compatible stores rarely care; AWS redirects a wrong region with a clear error
  }
}

/** Deadlines per HTTP attempt; tests shorten them through the environment (S3_TIMEOUT_VARIABLES). */
export const S3_TIMEOUT_DEFAULTS: S3Deadlines = { connectTimeoutMs: 10_000, requestTimeoutMs: 30_000 };
export const S3_TIMEOUT_VARIABLES = {
  connect: 'VINEYARD_CHARTS_S3_CONNECT_TIMEOUT',
  request: 'VINEYARD_CHARTS_S3_REQUEST_TIMEOUT',
} as const;
/** SDK attempts per request when the caller names none: a dead endpoint fails after this many. */
export const S3_DEFAULT_MAX_ATTEMPTS = 3;
const MAX_ATTEMPTS_CAP = 10;

function secondsFromEnv(variable: string, fallbackMs: number, env: NodeJS.ProcessEnv): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallbackMs;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(value > 0) || value > 3600) {
    throw new UsageError(`${variable}=${raw}: expected a number of seconds (0 < N <= 3600)`);
  }
  return Math.round(value * 1000);
}

/** The connect and request deadlines: defaults, overridden by VINEYARD_CHARTS_S3_*_TIMEOUT (seconds). */
export function s3Deadlines(env: NodeJS.ProcessEnv = process.env): S3Deadlines {
  return {
    connectTimeoutMs: secondsFromEnv(S3_TIMEOUT_VARIABLES.connect, S3_TIMEOUT_DEFAULTS.connectTimeoutMs, env),
    requestTimeoutMs: secondsFromEnv(S3_TIMEOUT_VARIABLES.request, S3_TIMEOUT_DEFAULTS.requestTimeoutMs, env),
  };
}

export async function openS3Storage(loc: S3Location, opts: S3Options): Promise<S3Storage> {
  // The SDK warns on every run that releases after January 2027 will need Node 22; the pinned version
  // supports Node 20, and the warning would bury our own output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (opts.endpoint !== undefined) checkS3Endpoint(opts.endpoint);
  for (const variable of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']) {
    const value = process.env[variable];
    if (value) checkS3Endpoint(value, variable);
  }
  const deadlines = s3Deadlines();
  const region = await resolveRegion(opts);
  const client = new S3Client({
    region,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    forcePathStyle: opts.pathStyle ?? false,
    maxAttempts: Math.min(Math.max(opts.maxAttempts ?? S3_DEFAULT_MAX_ATTEMPTS, 1), MAX_ATTEMPTS_CAP),
    // Without deadlines an endpoint that accepts the connection and never answers hangs forever:
    // connectionTimeout bounds the TCP connect, requestTimeout (thrown, not just logged) the wait for
    // the response head, socketTimeout any silence while a body streams.
    requestHandler: {
      connectionTimeout: deadlines.connectTimeoutMs,
      requestTimeout: deadlines.requestTimeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: deadlines.requestTimeoutMs,
    },
    // Ceph RGW 16 and older S3-compatible stores reject the SDK's default trailing CRC checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  rememberResolvedCredentials(client);
  return new S3Storage(
    client,
    loc,
    opts.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL,
    deadlines,
  );
}

/**
 * Whatever the SDK's chain resolves (environment, shared credentials file, SSO, web identity,
 * container/instance metadata) is remembered as a secret the moment it is resolved, so no output can
 * show the secret key or session token, wherever they came from. The auth middleware reads
 * `config.credentials` on every request, so wrapping it after construction is enough.
 */
function rememberResolvedCredentials(client: S3Client): void {
  const config = client.config as { credentials: S3Client['config']['credentials'] };
  const resolve = config.credentials;
  config.credentials = async (...args: Parameters<typeof resolve>) => {
    const identity = await resolve(...args);
    rememberSecret(identity.secretAccessKey);
    rememberSecret(identity.sessionToken);
    return identity;
  };
}

export class S3Storage implements Storage {
  readonly stats: TrafficStats = { requests: 0, bytesSent: 0, bytesReceived: 0 };
  readonly location: string;

  constructor(
    private readonly client: S3Client,
    private readonly loc: S3Location,
    private readonly endpoint: string | undefined,
    private readonly deadlines: S3Deadlines = S3_TIMEOUT_DEFAULTS,
  ) {
    this.location = `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
    // Runs once per HTTP attempt (below the SDK's retry loop), so retries are counted too.
    client.middlewareStack.add(
      (next) => async (args) => {
        this.stats.requests++;
        const body = (args.request as { body?: unknown }).body;
        if (Buffer.isBuffer(body) || body instanceof Uint8Array) this.stats.bytesSent += body.byteLength;
        return next(args);
      },
      { step: 'deserialize', name: 'vineyardTrafficCounter', priority: 'low' },
    );
  }

  describe(key: string): string {
    return `${this.location}/${key}`;
  }

  private keyOf(key: string): string {
    return this.loc.prefix ? `${this.loc.prefix}/${key}` : key;
  }

  private fail(op: string, key: string, err: unknown): never {
    throw new PipelineError(
      `${op} ${this.describe(key)} failed: ${describeS3Failure(err, this.endpoint, this.deadlines)}`,
    );
  }

  async get(key: string): Promise<StoredObject | null> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.loc.bucket, Key: this.keyOf(key) }),
      );
      const body = Buffer.from((await res.Body?.transformToByteArray()) ?? new Uint8Array());
      this.stats.bytesReceived += body.length;
      if (!res.ETag) throw new PipelineError(`GET ${this.describe(key)}: the store returned no ETag`);
      return { body, etag: res.ETag };
    } catch (err) {
      if (err instanceof PipelineError) throw err;
      if (statusOf(err) === 404) return null;
      this.fail('GET', key, err);
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const res = await this.client.send(
        new HeadObjectCommand({ Bucket: this.loc.bucket, Key: this.keyOf(key) }),
      );
      return { etag: res.ETag ?? '', size: res.ContentLength ?? -1 };
    } catch (err) {
      if (statusOf(err) === 404) return null;
      this.fail('HEAD', key, err);
    }
  }

  async put(key: string, body: Buffer, opts: PutOptions): Promise<PutResult> {
    const input: PutObjectCommandInput = {
      Bucket: this.loc.bucket,
      Key: this.keyOf(key),
      Body: body,
      ContentLength: body.length,
      ContentType: opts.contentType,
      // helm turns off transparent decompression, so a Content-Encoding would break `helm pull`
      ContentEncoding: undefined,
      ...(opts.cacheControl ? { CacheControl: opts.cacheControl } : {}),
      ...(opts.contentMd5 ? { ContentMD5: opts.contentMd5 } : {}),
      ...(opts.ifMatch !== undefined ? { IfMatch: opts.ifMatch } : {}),
      ...(opts.ifNoneMatch ? { IfNoneMatch: opts.ifNoneMatch } : {}),
    };
    const conditional = opts.ifMatch !== undefined || opts.ifNoneMatch !== undefined;
    try {
      const res = await this.client.send(new PutObjectCommand(input));
      return { ok: true, etag: res.ETag ?? '' };
    } catch (err) {
      const status = statusOf(err);
      if (conditional && status === 412) return { ok: false, reason: 'precondition', status };
      // AWS answers 404 to If-Match on a missing key
      if (opts.ifMatch !== undefined && status === 404) return { ok: false, reason: 'precondition', status };
      // AWS: 409 ConditionalRequestConflict; Ceph RGW: 500 for the loser of a conditional race
      if (conditional && (status === 409 || status === 500)) return { ok: false, reason: 'conflict', status };
      this.fail('PUT', key, err);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.loc.bucket, Key: this.keyOf(key) }));
    } catch (err) {
      if (statusOf(err) === 404) return;
      this.fail('DELETE', key, err);
    }
  }

  async list(prefix: string): Promise<ListedObject[]> {
    const full = this.keyOf(prefix);
    try {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.loc.bucket, Prefix: full, MaxKeys: 1000 }),
      );
      const strip = full.length - prefix.length;
      return (res.Contents ?? []).flatMap((o) =>
        o.Key && o.LastModified ? [{ key: o.Key.slice(strip), lastModified: o.LastModified }] : [],
      );
    } catch (err) {
      this.fail('LIST', prefix, err);
    }
  }

  async *listPages(prefix: string): AsyncIterable<ListedObject[]> {
    const full = this.keyOf(prefix);
    const strip = full.length - prefix.length;
    let token: string | undefined;
    do {
      let res: ListObjectsV2CommandOutput;
      try {
        res = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.loc.bucket,
            Prefix: full,
            MaxKeys: 1000,
            ContinuationToken: token,
          }),
        );
      } catch (err) {
        this.fail('LIST', prefix, err);
      }
      yield (res.Contents ?? []).flatMap((o) =>
        o.Key && o.LastModified
          ? [{ key: o.Key.slice(strip), lastModified: o.LastModified, size: o.Size }]
          : [],
      );
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
