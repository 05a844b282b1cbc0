/** Writes a file so readers see either the old content or the new one, never half of it. */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** `data` may be a list of pieces (e.g. views into a large input), written in order without joining. */
export async function writeFileAtomic(
  file: string,
  data: string | Buffer | readonly Buffer[],
): Promise<void> {
  const writer = await openFileAtomic(file);
  try {
    await writer.write(
      typeof data === 'string' ? [Buffer.from(data)] : Buffer.isBuffer(data) ? [data] : data,
    );
    await writer.commit();
  } finally {
    await writer.abort();
  }
}

/** A file written piece by piece, appearing under its name only on commit (writeFileAtomic's rules). */
export interface AtomicWriter {
  /** Writes the pieces in order; they may be reused once the returned promise settles. */
  write(pieces: readonly Buffer[]): Promise<void>;
  commit(): Promise<void>;
  /** Removes the temporary file; safe to call after commit or twice. */
  abort(): Promise<void>;
}

export async function openFileAtomic(file: string): Promise<AtomicWriter> {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  const handle = await open(tmp, 'w', 0o644);
  let open_ = true;
  let done = false;
  const close = async () => {
    if (open_) {
      open_ = false;
      await handle.close();
    }
  };
  return {
    async write(pieces) {
      // Batches stay under IOV_MAX (1024 on Linux); a short write is an error, never a truncated file.
      for (let i = 0; i < pieces.length; i += 512) {
        const batch = pieces.slice(i, i + 512);
        const { bytesWritten } = await handle.writev(batch);
        const expected = batch.reduce((n, b) => n + b.length, 0);
        if (bytesWritten !== expected)
          throw new Error(`${tmp}: short write (${bytesWritten} of ${expected} bytes)`);
      }
    },
    async commit() {
      await close();
      await rename(tmp, file);
      done = true;
    },
    async abort() {
      await close().catch(() => {});
      if (!done) await rm(tmp, { force: true });
    },
  };
}
