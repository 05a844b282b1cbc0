/**
 * The helper thread of the streamed merge (block-check-helper.ts): checks chart blocks of the old index
 * from its end backwards, while the main thread checks them from the start, until the two meet. It
 * answers for each block what verbatimEntryCount answers on the main thread: the same function on the
 * same bytes, which the main thread uses only for a block whose start and end it found itself.
 *
 * It reads the file through its own descriptor and gives up unless that is the file the main thread
 * opened (same device, inode, size and mtime): an index replaced meanwhile must not be vouched for.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type MessagePort, workerData } from 'node:worker_threads';
import { chartKey } from './index-splice.ts';
import { verbatimEntryCount } from './verbatim-chart.ts';

export interface HelperData {
  file: string;
  identity: FileIdentity;
  /** The first byte of the entries mapping: nothing before it is a chart block. */
  from: number;
  /** Bytes read at a time (a block longer than this doubles it). */
  chunk: number;
  /** [0]: where the main thread is, in KiB; blocks before it are not worth checking any more. */
  progress: Int32Array;
  port: MessagePort;
}

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

/** Verdicts are posted in batches of this many blocks, so the main thread sees them early. */
const POST_EVERY = 32;

/** A chart key line: indented by exactly two spaces, not a list item. */
const BLOCK_START = /\n {2}[^ \n-]/g;

function readAt(fd: number, buf: Buffer, length: number, position: number): void {
  for (let done = 0; done < length; ) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new Error('the index shrank');
    done += n;
  }
}

/**
 * Posts [start, end, count, ...] per chunk, newest (highest) blocks first, and ends when it reaches
 * the main thread or the entries' start. The last block of the file is left to the main thread: where
 * it ends depends on the top-level lines after it.
 */
function run({ file, identity, from, chunk, progress, port }: HelperData): void {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    const same =
      st.dev === identity.dev &&
      st.ino === identity.ino &&
      st.size === identity.size &&
      st.mtimeMs === identity.mtimeMs;
    if (!same) return;
    // Where the main thread is: blocks before it are not worth checking any more.
    const passed = (offset: number) => Atomics.load(progress, 0) * 1024 > offset;
    let buf = Buffer.allocUnsafe(chunk);
    let size = chunk;
    let hi = identity.size; // the lowest block start found so far (blocks below end there)
    while (hi > from && !passed(hi)) {
      const lo = Math.max(from, hi - size);
      if (buf.length < hi - lo) buf = Buffer.allocUnsafe(hi - lo);
      readAt(fd, buf, hi - lo, lo);
      const text = buf.toString('latin1', 0, hi - lo);
      const starts: number[] = [];
      BLOCK_START.lastIndex = 0;
      for (let m = BLOCK_START.exec(text); m; m = BLOCK_START.exec(text)) starts.push(m.index + 1);
      if (starts.length === 0) {
        if (lo === from) return;
        size *= 2; // a block longer than a chunk
        continue;
      }
      // The file's last block (read first) ends where the lines after the entries begin: not known here.
      const lastEnd = hi === identity.size ? -1 : hi - lo;
      const verdicts: number[] = [];
      let met = false;
      for (let i = starts.length - 1; i >= 0; i--) {
        const start = starts[i];
        const end = i + 1 < starts.length ? starts[i + 1] : lastEnd;
        if (end < 0) continue;
        if (passed(lo + start)) {
          met = true;
          break;
        }
        const nl = text.indexOf('\n', start);
        const name = chartKey(text.slice(start + 2, nl));
        const count = name === undefined ? -1 : verbatimEntryCount(text, nl + 1, name, end);
        verdicts.push(lo + start, lo + end, count);
        if (verdicts.length === 3 * POST_EVERY) {
          port.postMessage(Float64Array.from(verdicts));
          verdicts.length = 0;
        }
      }
      port.postMessage(Float64Array.from(verdicts));
      if (met) return;
      hi = lo + starts[0];
      size = chunk;
    }
  } finally {
    closeSync(fd);
  }
}

run(workerData as HelperData);
