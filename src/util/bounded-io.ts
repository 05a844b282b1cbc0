/**
 * Reading what a person names, with bounds. A path may be /dev/zero, a FIFO or a 6 GB file; a URL may
 * answer with an endless body or never answer. Every input the tool reads goes through these two
 * functions, so each has a byte cap and (for HTTP) a time limit, and fails with one line naming it.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError, PipelineError } from '../errors.ts';

const MiB = 1024 * 1024;
/** Caps by kind of input: helm's where helm has one (a chart archive: 100 MiB decompressed, pkg/chart/loader). */
export const LIMITS = {
  chartArchive: 100 * MiB,
  indexFile: 1024 * MiB,
  valuesFile: 64 * MiB,
  smallFile: 1 * MiB,
} as const;

function kindOf(mode: number): string {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFDIR:
      return 'a directory';
    case constants.S_IFIFO:
      return 'a FIFO';
    case constants.S_IFCHR:
    case constants.S_IFBLK:
      return 'a device';
    case constants.S_IFSOCK:
      return 'a socket';
    default:
      return 'not a regular file';
  }
}

/** The whole of a regular file of at most `maxBytes`; anything else is an InputError naming the file. */
export async function readRegularFile(file: string, maxBytes: number, what = 'file'): Promise<Buffer> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(file, '', code === 'ENOENT' ? `${what} not found` : `cannot read ${what}: ${code}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw new InputError(file, '', `expected a regular file (${what}), found ${kindOf(st.mode)}`);
    if (st.size > maxBytes)
      throw new InputError(file, '', `${what} is ${st.size} bytes; at most ${maxBytes} expected`);
    // Read one byte past the cap so that a file growing while we read is caught too.
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw new InputError(file, '', `${what} is larger than ${maxBytes} bytes`);
      if (length === buf.length) break;
    }
    return buf.subarray(0, length);
  } finally {
    await fh.close();
  }
}

export interface FetchLimits {
  maxBytes: number;
  /** Whole request, headers and body. */
  timeoutMs: number;
}

/** GET `url` with a byte cap and a deadline; non-2xx, too big, too slow: a PipelineError naming the URL. */
export async function fetchBounded(
  url: string,
  limits: FetchLimits,
  init: RequestInit = {},
): Promise<Buffer> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal, redirect: init.redirect ?? 'follow' });
  } catch (err) {
    throw new PipelineError(`GET ${url}: ${describeFetchError(err, limits)}`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new PipelineError(`GET ${url}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > limits.maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new PipelineError(`GET ${url}: body of ${declared} bytes; at most ${limits.maxBytes} expected`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body ?? []) {
      total += chunk.length;
      if (total > limits.maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw new PipelineError(`GET ${url}: body larger than ${limits.maxBytes} bytes`);
      }
      chunks.push(Buffer.from(chunk));
    }
  } catch (err) {
    if (err instanceof PipelineError) throw err;
    throw new PipelineError(`GET ${url}: ${describeFetchError(err, limits)}`);
  }
  return Buffer.concat(chunks);
}

function describeFetchError(err: unknown, limits: FetchLimits): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return `no complete answer within ${limits.timeoutMs / 1000} s`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
