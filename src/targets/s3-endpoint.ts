/**
 * Checks an S3 endpoint URL without loading the SDK, so the CLI can refuse a bad `--endpoint` while
 * parsing its flags (a usage error, exit 2) instead of the SDK failing later with `TypeError`.
 */
import { UsageError } from '../errors.ts';

/**
 * An S3 endpoint URL as the SDK needs it (http or https, a host, nothing after the path), or a usage
 * error naming where it came from; the SDK itself would fail later with a bare `TypeError: Invalid URL`.
 */
export function checkS3Endpoint(value: string, variable?: string): string {
  const what = variable ? `${variable}=${value}` : `--endpoint ${value}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${what}: expected an http:// or https:// URL, e.g. http://127.0.0.1:7480`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new UsageError(`${what}: expected an http:// or https:// URL, e.g. http://127.0.0.1:7480`);
  }
  if (url.search || url.hash) throw new UsageError(`${what}: expected no query or fragment`);
  return value;
}
