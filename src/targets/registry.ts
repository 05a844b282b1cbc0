/** Parses `--to` (file://DIR or s3://BUCKET[/PREFIX]) and opens the matching storage. */
import path from 'node:path';
import { UsageError } from '../errors.ts';
import { FileStorage } from './file.ts';
import { openS3Storage, type S3Options } from './s3.ts';
import type { Storage } from './storage.ts';

export const DEFAULT_TARGET = 'file://charts-out/repo';

export type Target = { kind: 'file'; dir: string } | { kind: 's3'; bucket: string; prefix: string };

// S3 bucket naming rules (lowercase letters, digits, dots, hyphens; 3-63 characters)
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseTarget(to: string, cwd = process.cwd()): Target {
  if (to.startsWith('file://')) {
    const rest = to.slice('file://'.length);
    if (!rest) throw new UsageError(`--to ${to}: expected file://DIR`);
    return { kind: 'file', dir: path.resolve(cwd, rest) };
  }
  if (to.startsWith('s3://')) {
    const [bucket, ...parts] = to.slice('s3://'.length).split('/');
    if (!BUCKET.test(bucket)) {
      throw new UsageError(
        `--to ${to}: '${bucket}' is not a valid bucket name (expected s3://BUCKET[/PREFIX])`,
      );
    }
    const prefix = parts.filter((p) => p !== '').join('/');
    if (prefix.split('/').some((p) => p === '.' || p === '..')) {
      throw new UsageError(`--to ${to}: the prefix must not contain . or .. segments`);
    }
    return { kind: 's3', bucket, prefix };
  }
  throw new UsageError(`--to ${to}: expected file://DIR or s3://BUCKET[/PREFIX]`);
}

export async function openStorage(target: Target, s3: S3Options = {}): Promise<Storage> {
  if (target.kind === 'file') return new FileStorage(target.dir);
  return openS3Storage({ bucket: target.bucket, prefix: target.prefix }, s3);
}
