/**
 * spliceMerge (index-splice.ts) without holding the index in memory: the old index is read in chunks,
 * each complete chart block is checked and either copied to the output as it is or parsed, merged and
 * written again, and the output is written as it goes, to a temporary file renamed at the end. Memory
 * stays at a few chunks whatever the index's size (a 1,000,000-entry index is ~950 MB: held whole, it
 * would alone exceed 1 GB, and no JavaScript string can hold it).
 *
 * Streaming needs the chart keys in the order helm's writers put them (go-yaml's key order, see
 * goYamlLess), so that each new chart's block can be written where it belongs as the old blocks go by:
 * the output keeps helm's order, which for keys with digits (chart-9, chart-10) is not the slow path's
 * plain string order; the mapping, all a reader sees, is the same. Anything else, and
 * anything the checks do not vouch for, makes it return undefined: the caller then runs the in-memory
 * fast path, then the slow path, which decide and word every error (nothing is left behind).
 */
import { isUtf8 } from 'node:buffer';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { openFileAtomic } from '../../util/atomic-write.ts';
import { ChunkReader, ChunkWriter } from '../../util/chunk-io.ts';
import { BlockCheckHelper, helperTuning } from './block-check-helper.ts';
import type { FileIdentity } from './block-check-worker.ts';
import { goYamlLess, LONG_DIGITS } from './go-yaml-order.ts';
import { type IndexEntry, type IndexFile, serializeIndex } from './index-file.ts';
import {
  declined,
  ENTRIES_LINE,
  PLACEHOLDER,
  parseBlock,
  parseTopText,
  spliceStats,
} from './index-splice.ts';
import { OurCharts, type StreamResult, scanRegion } from './index-stream-parts.ts';
import { fieldStats, verbatimEntryCount } from './verbatim-chart.ts';

/**
 * Bytes read at a time (a chart block longer than this grows the buffer), and bytes decoded as one
 * latin1 string (small enough for V8's young generation). Tests shrink both to cross every boundary.
 */
export const streamTuning = { chunk: 4 << 20, window: 64 * 1024 };
/** The lines before `entries:` (apiVersion, maybe annotations) and after it (generated...) are small. */
const HEAD_MAX = 1 << 20;
/** Stands for the tail (read last) while the header's part before `entries:` is written first. */
const GENERATED_PLACEHOLDER = 'generated: "1970-01-01T00:00:00Z"\n';

export type { StreamResult };

/**
 * Merges `entries` into the index in `file`, writing the result to `outFile` (atomically), like
 * spliceMerge; undefined (and no output) when the caller must take another path.
 */
export async function spliceMergeStream(
  file: string,
  outFile: string,
  entries: IndexEntry[],
  generated: Date,
  maxBytes: number,
): Promise<StreamResult | undefined> {
  Object.assign(spliceStats, { path: 'none', streamed: true, reason: '' });
  Object.assign(spliceStats, { copiedBlocks: 0, reparsedBlocks: 0, jsYamlBlocks: 0, helperBlocks: 0 });
  const fields0 = { ...fieldStats };
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return declined('cannot open the index');
  }
  const writer = await openFileAtomic(outFile).catch(() => undefined);
  if (!writer) {
    await fh.close();
    return declined('cannot write the output');
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > maxBytes) return declined('not a regular file of the allowed size');
    const identity = { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
    const result = await stream(fh, file, identity, writer.write, entries, generated, maxBytes);
    if (typeof result === 'string') return declined(result);
    await writer.commit();
    Object.assign(spliceStats, {
      path: 'fast',
      wholeEntries: fieldStats.wholeEntries - fields0.wholeEntries,
      decodedFields: fieldStats.decoded - fields0.decoded,
      jsYamlFields: fieldStats.jsYaml - fields0.jsYaml,
    });
    return result;
  } finally {
    await writer.abort();
    await fh.close();
  }
}

type Write = (pieces: readonly Buffer[]) => Promise<void>;

async function stream(
  fh: FileHandle,
  file: string,
  identity: FileIdentity,
  write: Write,
  entries: IndexEntry[],
  generated: Date,
  maxBytes: number,
): Promise<StreamResult | string> {
  const reader = new ChunkReader(fh, streamTuning.chunk, maxBytes);
  const writer = new ChunkWriter(write);
  const helper: Helper = { identity };
  try {
    const result = await merge(reader, writer, file, helper, entries, generated, maxBytes);
    await writer.flush();
    return result;
  } finally {
    spliceStats.helperBlocks = helper.thread?.used ?? 0;
    await helper.thread?.stop();
    await writer.settle();
    await reader.close();
  }
}

/** The helper thread, started once the entries' first byte is known. */
interface Helper {
  identity: FileIdentity;
  thread?: BlockCheckHelper;
}

async function merge(
  r: ChunkReader,
  w: ChunkWriter,
  file: string,
  helper: Helper,
  entries: IndexEntry[],
  generated: Date,
  maxBytes: number,
): Promise<StreamResult | string> {
  // The head: everything before the `entries:` line.
  let from = -1;
  while (from < 0) {
    await r.fill();
    if (/^\s*\{/.test(r.buf.toString('latin1', 0, Math.min(r.len, 64)))) return 'a JSON body';
    from = r.buf.toString('latin1', 0, ENTRIES_LINE.length) === ENTRIES_LINE ? 0 : -1;
    if (from < 0) from = r.buf.subarray(0, r.len).indexOf(`\n${ENTRIES_LINE}`) + 1 || -1;
    if (from < 0 && (r.eof || r.len > HEAD_MAX)) return 'no `entries:` line near the top';
  }
  if (!isUtf8(r.buf.subarray(0, from))) return 'invalid UTF-8';
  const head = r.buf.toString('utf8', 0, from);
  const top0 = parseTopText(head + PLACEHOLDER + GENERATED_PLACEHOLDER, file);
  if (!top0) return 'the lines before entries: are not read by the fast reader';
  const prefix = headerParts(top0, generated)[0];
  await w.add([Buffer.from(prefix)]);

  const ours = new OurCharts(entries, file, generated);
  if (ours.pending.some((n) => LONG_DIGITS.test(n))) return 'a chart name with a run of more than 15 digits';
  let pos = from + ENTRIES_LINE.length; // the first line not yet split into blocks
  helper.thread = BlockCheckHelper.start(file, helper.identity, r.total - r.len + pos, streamTuning.chunk);
  if (helperTuning.wait) await helper.thread?.finished();
  let checked = pos; // bytes before this one are known to be UTF-8
  let prev: string | undefined;
  let to = -1; // where `entries:` ends
  let first = true;
  while (to < 0) {
    if (!r.eof) await r.fill();
    if (r.total > maxBytes) return 'larger than allowed';
    const { buf, len, eof } = r;
    const fileBase = r.total - len; // buf[i] is the file's byte fileBase + i
    const end = eof ? len : buf.lastIndexOf(10, len - 1) + 1;
    if (eof && buf[len - 1] !== 10) return 'no final newline';
    if (!isUtf8(buf.subarray(checked, end))) return 'invalid UTF-8';
    checked = end;
    const pieces: Buffer[] = [];
    let run = -1; // [run, runEnd): adjacent blocks copied as they are, one piece
    let runEnd = -1;
    const flush = () => {
      if (run >= 0) pieces.push(buf.subarray(run, runEnd));
      run = -1;
    };
    // Windows of whole blocks, small enough for their latin1 strings to stay in V8's young
    // generation (reused memory, no page faults); a block longer than a window widens it.
    let open = -1;
    for (let ws = pos, win = streamTuning.window; ws < end; ) {
      let we = Math.min(ws + win, end);
      if (we < end) we = buf.lastIndexOf(10, we - 1) + 1;
      if (we <= ws) we = buf.indexOf(10, ws) + 1;
      const text = buf.toString('latin1', ws - 1, we);
      const region = scanRegion(text, ws - 1, eof && we === end, first);
      if (typeof region === 'string') return region;
      first = false;
      for (const block of region.blocks) {
        if (LONG_DIGITS.test(block.name)) return 'a chart key with a run of more than 15 digits';
        if (prev !== undefined && !goYamlLess(prev, block.name)) return "chart keys not in helm's order";
        prev = block.name;
        for (let name = ours.before(block.name); name !== undefined; name = ours.before(block.name)) {
          flush();
          const out = ours.merged(name, []);
          if (typeof out === 'string') return out;
          pieces.push(out);
        }
        const touched = ours.take(block.name);
        if (touched === undefined) return `chart ${JSON.stringify(block.name)} out of go-yaml's order`;
        const base = ws - 1;
        const count = touched
          ? -1
          : (helper.thread?.count(fileBase + block.start, fileBase + block.end) ??
            verbatimEntryCount(text, block.body - base, block.name, block.end - base));
        if (count >= 0) {
          spliceStats.copiedBlocks++;
          ours.counts.total += count;
          if (run < 0) run = block.start;
          runEnd = block.end;
          continue;
        }
        flush();
        const list = parseBlock(buf, block, file);
        if (!list) return `chart ${JSON.stringify(block.name)}: invalid, or not read alike by js-yaml alone`;
        if (!touched) spliceStats.reparsedBlocks++;
        const out = touched ? ours.merged(block.name, list) : ours.emitted(block.name, list);
        if (typeof out === 'string') return out;
        pieces.push(out);
      }
      if (region.to >= 0) to = region.to;
      if (region.to >= 0 || we === end) {
        open = region.open;
        break;
      }
      if (region.open === ws) win *= 2;
      else [ws, win] = [region.open, streamTuning.window];
    }
    flush();
    await w.add(pieces);
    if (to < 0) {
      // The open block (and the newline before it) goes to the front for the next round.
      const keep = open - 1;
      r.consume(keep);
      checked -= keep;
      pos = 1;
    }
  }

  // The tail: top-level lines after the entries (generated, serverInfo...). Filling switches buffers:
  // the writes of pieces of the other one must be over.
  await w.flush();
  while (!r.eof && r.len - to <= HEAD_MAX) await r.fill();
  if (!r.eof || r.total > maxBytes) return 'too much after entries:';
  const { buf, len } = r;
  if (buf[len - 1] !== 10) return 'no final newline';
  if (!isUtf8(buf.subarray(to, len))) return 'invalid UTF-8';
  const top = parseTopText(head + PLACEHOLDER + buf.toString('utf8', to, len), file);
  if (!top) return 'the lines outside entries: are not read by the fast reader';
  const [prefixNow, suffix] = headerParts(top, generated);
  if (prefixNow !== prefix) return 'top-level keys after entries: that sort before it';
  const pieces: Buffer[] = [];
  for (let name = ours.before(undefined); name !== undefined; name = ours.before(undefined)) {
    const out = ours.merged(name, []);
    if (typeof out === 'string') return out;
    pieces.push(out);
  }
  pieces.push(Buffer.from(suffix));
  await w.add(pieces);
  return ours.counts;
}

/** serializeIndex's header for `top` merged at `generated`, around its entries: [before, after]. */
function headerParts(top: IndexFile, generated: Date): [string, string] {
  const header = serializeIndex({ ...top, entries: {}, generated: generated.toISOString() }, 'yaml');
  const at = header.indexOf(`\n${PLACEHOLDER}`) + 1;
  return [header.slice(0, at) + ENTRIES_LINE, header.slice(at + PLACEHOLDER.length)];
}
