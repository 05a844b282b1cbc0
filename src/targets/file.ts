/**
 * `file://DIR`: a repository in a local directory, with the same conditional-write semantics as S3,
 * so that several local publishers running at once lose nothing either. A compare-and-swap runs under
 * an exclusive lock file; the new content is written to a temporary file and renamed into place, so
 * readers (and `serve`) never see a half-written object.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PipelineError } from '../errors.ts';
import {
  bareEtag,
  type ObjectInfo,
  type PutOptions,
  type PutResult,
  type Storage,
  type StoredObject,
} from './storage.ts';

export const LOCK_FILE = '.publish.lock';
const LOCK_STALE_MS = 60_000;
const LOCK_WAIT_MS = 30_000;

function md5Etag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class FileStorage implements Storage {
  readonly stats = { requests: 0, bytesSent: 0, bytesReceived: 0 };
  readonly location: string;

  constructor(readonly root: string) {
    this.location = `file://${root}`;
  }

  describe(key: string): string {
    return this.pathOf(key);
  }

  private pathOf(key: string): string {
    if (key.split('/').some((part) => part === '..' || part === '')) {
      throw new PipelineError(`${this.root}: refusing object key '${key}' outside the repository`);
    }
    return path.join(this.root, key);
  }

  async get(key: string): Promise<StoredObject | null> {
    this.stats.requests++;
    try {
      const body = await readFile(this.pathOf(key));
      this.stats.bytesReceived += body.length;
      return { body, etag: md5Etag(body) };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const obj = await this.get(key);
    return obj && { etag: obj.etag, size: obj.body.length };
  }

  async put(key: string, body: Buffer, opts: PutOptions): Promise<PutResult> {
    this.stats.requests++;
    this.stats.bytesSent += body.length;
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    if (opts.contentMd5 && createHash('md5').update(body).digest('base64') !== opts.contentMd5) {
      throw new PipelineError(`${file}: body does not match its Content-MD5`);
    }
    return this.withLock(async () => {
      let current: string | null = null;
      try {
        current = md5Etag(await readFile(file));
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
      if (opts.ifNoneMatch === '*' && current !== null)
        return { ok: false, reason: 'precondition', status: 412 };
      if (opts.ifMatch !== undefined && (current === null || bareEtag(opts.ifMatch) !== bareEtag(current))) {
        return { ok: false, reason: 'precondition', status: 412 };
      }
      const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      const handle = await open(tmp, 'wx');
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
      return { ok: true, etag: md5Etag(body) };
    });
  }

  async delete(key: string): Promise<void> {
    this.stats.requests++;
    await rm(this.pathOf(key), { force: true });
  }

  /** Nothing stays open between calls (each lock and file handle is released by its own operation). */
  async close(): Promise<void> {}

  /** Exclusive lock: create-if-absent is atomic; a lock left by a dead process is taken over. */
  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const lock = path.join(this.root, LOCK_FILE);
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lock, 'wx');
        await handle.writeFile(String(process.pid));
        await handle.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        await this.breakStaleLock(lock);
        if (Date.now() > deadline) {
          throw new PipelineError(`${lock}: still locked after ${LOCK_WAIT_MS / 1000}s by another publisher`);
        }
        await new Promise((r) => setTimeout(r, 2 + Math.random() * 10));
      }
    }
    try {
      return await fn();
    } finally {
      await unlink(lock).catch(() => undefined);
    }
  }

  private async breakStaleLock(lock: string): Promise<void> {
    try {
      const [text, info] = await Promise.all([readFile(lock, 'utf8'), stat(lock)]);
      const pid = Number(text);
      const dead = Number.isInteger(pid) && pid > 0 && !processAlive(pid);
      if (dead || Date.now() - info.mtimeMs > LOCK_STALE_MS) await unlink(lock);
    } catch {
      // the lock vanished or is being written right now: just retry
    }
  }
}
