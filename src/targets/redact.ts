/**
 * Keeps credentials out of everything we print. Error texts from the SDK and the store are reduced to
 * status, error code and a cause we phrase ourselves, and every line leaving the CLI is passed through
 * `redactSecrets`, which masks any credential value known to this process.
 */

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
