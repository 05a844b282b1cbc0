/**
 * Keeps credentials out of everything we print: the one seam every target's output passes through.
 * Error texts from the SDK and the store are reduced to status, error code and a cause we phrase
 * ourselves; `redacting` wraps every target the registry opens, so its errors, progress lines,
 * summaries and locations are passed through `redactSecrets`, and the CLI's last-resort error printer
 * (src/cli/main.ts) passes every message through it too.
 *
 * What is masked: a process-wide registry of secrets. Whoever reads a credential calls
 * `rememberSecret(value)` at that moment (OCI passwords, docker `auth` strings, identity and registry
 * tokens from helm's/docker's registry config or the environment, bearer tokens a token service hands
 * out, the AWS SDK's resolved secret key and session token, signing passphrases); `redactSecrets`
 * replaces each remembered value, and the encodings it travels in (base64, base64url, URL and form
 * encoding, JSON string escaping), with `***`. The AWS secret variables and the OCI password variable
 * are also read from the environment on every call, and the user-info part of URLs is always masked.
 * Values shorter than MIN_SECRET_LENGTH are not masked: doing so would garble ordinary text.
 */
import { InputError, PipelineError, UsageError } from '../errors.ts';
import type { Storage } from './storage.ts';
import type { PublishedChart, PublishOptions, Target } from './target.ts';

const SECRET_VARIABLES = [
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'VINEYARD_CHARTS_OCI_PASSWORD',
];

export const MIN_SECRET_LENGTH = 4;

/** Every remembered secret with its encodings, longest first (so a longer form is masked whole). */
const remembered = new Set<string>();
let ordered: string[] = [];

/** The forms a secret travels in: as is, base64, base64url, URL/form encoded, JSON-escaped. */
function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  return [
    value,
    bytes.toString('base64'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    JSON.stringify(value).slice(1, -1),
  ];
}

/**
 * Registers a credential this process holds, so that no output ever shows it (or its encodings).
 * Call it wherever a credential is read or received; undefined and too-short values are ignored.
 */
export function rememberSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
  let added = false;
  for (const form of encodings(value)) {
    if (form.length >= MIN_SECRET_LENGTH && !remembered.has(form)) {
      remembered.add(form);
      added = true;
    }
  }
  if (added) ordered = [...remembered].sort((a, b) => b.length - a.length);
}

/** Forgets every remembered secret (tests only). */
export function forgetSecretsForTests(): void {
  remembered.clear();
  ordered = [];
}

/** Masks known secret values (remembered, from the environment, `extraSecrets`) and URL user-info. */
export function redactSecrets(text: string, extraSecrets: string[] = []): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
  const fromEnv = [...SECRET_VARIABLES.map((v) => process.env[v]), ...extraSecrets].filter(
    (s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH && !remembered.has(s),
  );
  const secrets =
    fromEnv.length === 0
      ? ordered
      : [...fromEnv.flatMap(encodings), ...ordered].sort((a, b) => b.length - a.length);
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join('***');
  }
  return out;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

function networkCode(err: SdkError): string | undefined {
  for (let e: SdkError | undefined = err, depth = 0; e && depth < 5; e = e.cause as SdkError, depth++) {
    if (e.code && /^E[A-Z]+$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** The client's deadlines, named in the message when one of them expired. */
export interface S3Deadlines {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** One line saying what went wrong with an S3 call, and what to do, without echoing the server text. */
export function describeS3Failure(
  err: unknown,
  endpoint: string | undefined,
  deadlines?: S3Deadlines,
): string {
  const e = (err ?? {}) as SdkError;
  const where = endpoint ? redactSecrets(endpoint) : 'the default AWS S3 endpoint';
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'TimeoutError' && deadlines) {
    // @smithy/node-http-handler: connectionTimeout, requestTimeout (until the response head) or the
    // socket idle timeout (while the body streams) expired.
    const connecting = /establish a connection/i.test(e.message ?? '');
    const ms = connecting ? deadlines.connectTimeoutMs : deadlines.requestTimeoutMs;
    const subject = endpoint ? `s3 endpoint ${where}` : where;
    return (
      `${subject} did not answer within ${seconds(ms)} ` +
      `(${connecting ? 'no connection accepted' : 'no response'}); ` +
      'check --endpoint / AWS_ENDPOINT_URL_S3 and that the store is up'
    );
  }
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message ?? '')) {
    return (
      'no S3 credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, ' +
      'or AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE'
    );
  }
  if (
    ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken', 'ExpiredToken'].includes(
      e.name ?? '',
    )
  ) {
    return `${where} rejected the credentials (HTTP ${status ?? '?'} ${e.name}); check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile`;
  }
  if (e.name === 'NoSuchBucket')
    return `the bucket does not exist at ${where} (HTTP ${status ?? 404} NoSuchBucket)`;
  const net = networkCode(e);
  if (net) return `cannot reach ${where} (${net}); check --endpoint / AWS_ENDPOINT_URL_S3`;
  if (e.name === 'TimeoutError') return `timed out talking to ${where}`;
  if (status) return `${where} answered HTTP ${status}${e.name && e.name !== 'Unknown' ? ` ${e.name}` : ''}`;
  // Unrecognised: keep the SDK's class name and a redacted message so the cause is not lost.
  return redactSecrets(`${e.name ?? 'error'}: ${e.message ?? String(err)}`);
}

/** Our own errors keep their class (exit code) with the message masked; others become a PipelineError. */
export function redactError(err: unknown): Error {
  if (err instanceof InputError || err instanceof UsageError || err instanceof PipelineError) {
    err.message = redactSecrets(err.message);
    return err;
  }
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new PipelineError(`publish failed: ${redactSecrets(text)}`);
}

/** Every string inside a JSON-like value (a summary) masked; other leaves are kept as they are. */
function redactStrings<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map(redactStrings) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v)])) as T;
  }
  return value;
}

async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw redactError(err);
  }
}

/** What a target prints or throws, masked. Archives are data, not output: only their locations are. */
export function redacting(target: Target): Target {
  const published = (p: PublishedChart): PublishedChart => {
    const at = <V extends { location: string }>(v: V | undefined) =>
      v && { ...v, location: redactSecrets(v.location) };
    return { ...p, newest: at(p.newest), current: at(p.current) };
  };
  return {
    kind: target.kind,
    describe: () => redactSecrets(target.describe()),
    publish: (files, opts: PublishOptions = {}) => {
      const progress = opts.onProgress;
      const onProgress = progress && ((m: string) => progress(redactSecrets(m)));
      return guarded(async () => redactStrings(await target.publish(files, { ...opts, onProgress })));
    },
    readPublished: (charts) => guarded(async () => (await target.readPublished(charts)).map(published)),
    // maintenance stages print the storage's findings through redactSecrets themselves
    ...(target.storage ? { storage: () => guarded(() => (target.storage as () => Promise<Storage>)()) } : {}),
    close: () => guarded(() => target.close()),
  };
}
