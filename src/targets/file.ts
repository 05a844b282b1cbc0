/**
 * `file://DIR`: a repository in a local directory, with the same conditional-write semantics as S3, so
 * that local publishers running at once lose nothing either, whatever happens to any of them (kill -9,
 * SIGSTOP for minutes, power loss between two system calls).
 *
 * INVARIANT. Once `put` has reported a write of an object as committed, every later content of that
 * object was built on it: on index.yaml, where every writer merges its entries into the version it
 * read (remote-index.ts), an entry whose publisher exited 0 is never removed by anyone later.
 *
 * WHY NO LOCK. A lock cannot give this: a stopped process is indistinguishable from a dead one, so
 * waiters must break its lock to make progress, and when it continues it cannot know that it lost the
 * lock between its last check and its rename. Here correctness rests on what the file system does
 * atomically, and nothing ever waits on anyone: rename(2) replaces the object atomically, fails with
 * ENOENT if its source was removed, and anyone can remove anyone's source. A write (file/commit.ts):
 *   1. writes the new content to its own stage file S, named after the version it expects (E);
 *   2. compares: the object's content is still E (else: precondition failed, retry);
 *   3. rename(S, object) at time r (ENOENT: someone revoked S, retry);
 *   4. fsyncs the directory, then revokes (unlinks) every stage of the object whose expected version
 *      is not the content it just wrote, reading the directory from time v > r on;
 *   5. verifies at time c > v that the object is still S's inode, and only then reports success.
 * ARGUMENT. Let A succeed. Step 5 proves no rename replaced the object in (r, c): any rename would have
 * left another inode there (A keeps S open throughout, so no other file can get its inode number), and
 * A's inode is only ever renamed in once. Now take the renames after c in
 * order, each of a stage X built on expected version E_X, compared in step 2 at time x, and assume every
 * content of the object between c and X's rename was built on A's (true for the first one):
 *   - X created before v: X existed throughout A's directory read, so A unlinked it unless E_X is A's
 *     content. It was not unlinked (its rename worked), so X was built on A's content.
 *   - X created after v: its compare came later still (x > v > r). If x <= c, the object held A's
 *     content at x (no rename in (r, c)); if x > c, it held a content built on A's (the assumption).
 *     The compare passed, so E_X is that content.
 * Either way X's content is built on A's, and by induction so is every later content. MD5 stands for
 * the content here, as the ETag does on S3; a content that comes back (ABA) is harmless, since a writer
 * only needs the entries of what it compared against. Revoking a live writer's stage only makes it retry,
 * so leftovers may be removed at any age; power loss loses at most writes not yet reported (stages are
 * fsynced before the rename, the directory after it).
 *
 * The stage files are hidden, so `serve` never answers them; a stage left by a crash is removed after
 * VINEYARD_CHARTS_STALE_MS (tuning.ts), and revoked by the next commit anyway. Readers (and
 * `serve`) only ever see a complete object.
 */
import { mkdir, opendir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PipelineError } from '../errors.ts';
import { commit, type Expectation, md5Hex } from './file/commit.ts';
import { isLeftover } from './file/names.ts';
import { sweepLeftovers } from './file/sweep.ts';
import {
  bareEtag,
  type ListedObject,
  type ObjectInfo,
  type PutOptions,
  type PutResult,
  type Storage,
  type StoredObject,
} from './storage.ts';
import { staleMs } from './tuning.ts';

/** A stage lives for milliseconds; one this old was left by a crash. */
const STAGE_STALE_MS = 10 * 60_000;

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

function expectation(opts: PutOptions): Expectation | null {
  if (opts.ifNoneMatch === '*') return { kind: 'absent' };
  if (opts.ifMatch === undefined) return { kind: 'any' };
  const md5 = bareEtag(opts.ifMatch);
  // every ETag this store hands out is an MD5: anything else can never match
  return /^[0-9a-f]{32}$/.test(md5) ? { kind: 'match', md5 } : null;
}

export class FileStorage implements Storage {
  readonly stats = { requests: 0, bytesSent: 0, bytesReceived: 0 };
  readonly location: string;
  private swept = false;

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
      return { body, etag: `"${md5Hex(body)}"` };
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
    if (opts.contentMd5 && md5Hex(body) !== Buffer.from(opts.contentMd5, 'base64').toString('hex')) {
      throw new PipelineError(`${file}: body does not match its Content-MD5`);
    }
    if (!this.swept) {
      this.swept = true;
      await sweepLeftovers(this.root, staleMs(STAGE_STALE_MS));
    }
    const expect = expectation(opts);
    const outcome = expect ? await commit(file, body, expect) : 'precondition';
    if (outcome === 'committed') return { ok: true, etag: `"${md5Hex(body)}"` };
    return outcome === 'precondition'
      ? { ok: false, reason: 'precondition', status: 412 }
      : { ok: false, reason: 'conflict', status: 409 };
  }

  async delete(key: string): Promise<void> {
    this.stats.requests++;
    await rm(this.pathOf(key), { force: true });
  }

  /** Nothing stays open between calls. */
  async close(): Promise<void> {}

  /** Objects directly in the repository directory whose name starts with `prefix`. */
  async list(prefix: string): Promise<ListedObject[]> {
    this.stats.requests++;
    const names = await readdir(this.root).catch((err) => {
      if (isMissing(err)) return [] as string[];
      throw err;
    });
    const out: ListedObject[] = [];
    for (const key of names.filter((n) => n.startsWith(prefix))) {
      const info = await stat(path.join(this.root, key)).catch(() => null);
      if (info?.isFile()) out.push({ key, lastModified: info.mtime });
    }
    return out;
  }

  /** Regular files directly in the repository directory, streamed from the directory in pages. */
  async *listPages(prefix: string): AsyncIterable<ListedObject[]> {
    this.stats.requests++;
    let dir: Awaited<ReturnType<typeof opendir>>;
    try {
      dir = await opendir(this.root);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    let page: ListedObject[] = [];
    for await (const entry of dir) {
      if (!entry.name.startsWith(prefix) || isLeftover(entry.name) || !entry.isFile()) continue;
      const info = await stat(path.join(this.root, entry.name)).catch(() => null);
      if (info?.isFile()) page.push({ key: entry.name, lastModified: info.mtime, size: info.size });
      if (page.length >= 1000) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }
}
