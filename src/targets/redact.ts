/**
 * Keeps credentials out of everything we print: the one seam every target's output passes through.
 * Error texts from the SDK and the store are reduced to status, error code and a cause we phrase
 * ourselves; `redacting` wraps every target the registry opens, so its errors, progress lines,
 * summaries and locations are passed through `redactSecrets`, which masks any credential value known to
 * this process. Teaching it a new secret is a change here only.
 */
import { InputError, PipelineError, UsageError } from '../errors.ts';
import type { PublishedChart, PublishOptions, Target } from './target.ts';

const SECRET_VARIABLES = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN'];

/** Masks known secret values and the user-info part of URLs. */
export function redactSecrets(text: string, extraSecrets: string[] = []): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
  const secrets = [...SECRET_VARIABLES.map((v) => process.env[v]), ...extraSecrets].filter(
    (s): s is string => typeof s === 'string' && s.length >= 4,
  );
  for (const secret of secrets) out = out.split(secret).join('***');
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

/** One line saying what went wrong with an S3 call, and what to do, without echoing the server text. */
export function describeS3Failure(err: unknown, endpoint: string | undefined): string {
  const e = (err ?? {}) as SdkError;
  const where = endpoint ? redactSecrets(endpoint) : 'the default AWS S3 endpoint';
  const status = e.$metadata?.httpStatusCode;
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
    close: () => guarded(() => target.close()),
  };
}
