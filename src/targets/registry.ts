/**
 * Targets by URL scheme, like helm's `pusher.Providers.ByScheme`. Adding a backend = one provider file
 * under providers/ + one line in PROVIDERS. Every target leaves here wrapped by the redaction seam, so
 * no provider can print or throw a credential.
 */
import { UsageError } from '../errors.ts';
import { fileProvider } from './providers/file.ts';
import { ociProvider } from './providers/oci.ts';
import { s3Provider } from './providers/s3.ts';
import { redactError, redacting } from './redact.ts';
import type { OpenOptions, Provider, Target } from './target.ts';

export const DEFAULT_TARGET = 'file://charts-out/repo';

const PROVIDERS: Provider[] = [fileProvider, s3Provider, ociProvider];

/** The provider for `url`'s scheme, or a usage error listing the URL forms we know. */
export function providerFor(url: string): Provider {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(url)?.[1];
  const provider = PROVIDERS.find((p) => p.scheme === scheme);
  if (provider) return provider;
  throw redactError(new UsageError(`--to ${url}: expected ${PROVIDERS.map((p) => p.usage).join(' or ')}`));
}

/** Validates `url` without any I/O: call it for every target before reading or writing anything. */
export function checkTarget(url: string, cwd?: string): Provider {
  const provider = providerFor(url);
  try {
    provider.check(url, cwd);
  } catch (err) {
    throw redactError(err);
  }
  return provider;
}

export async function openTarget(url: string, opts: OpenOptions = {}): Promise<Target> {
  const provider = checkTarget(url, opts.cwd);
  try {
    return redacting(await provider.open(url, opts));
  } catch (err) {
    throw redactError(err);
  }
}
