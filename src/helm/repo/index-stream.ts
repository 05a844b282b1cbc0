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
import { open } from 'node:fs/promises';
import { openFileAtomic } from '../../util/atomic-write.ts';
import { type IndexEntry, type IndexFile, mergeEntries, serializeIndex } from './index-file.ts';
import {
  type ChartBlock,
  chartKey,
  declined,
  ENTRIES_LINE,
  PLACEHOLDER,
  parseBlock,
  parseTopText,
  SCAN,
  spliceStats,
  UNSAFE_SEQUENCE,
  WINDOW,
} from './index-splice.ts';
import { emitYaml } from './index-yaml.ts';
import { fieldStats, verbatimEntryCount } from './verbatim-chart.ts';

/** Bytes read at a time; a chart block longer than this grows the buffer. */
const CHUNK = 8 << 20;
/** The lines before `entries:` (apiVersion, maybe annotations) and after it (generated...) are small. */
const HEAD_MAX = 1 << 20;
/** Stands for the tail (read last) while the header's part before `entries:` is written first. */
const GENERATED_PLACEHOLDER = 'generated: "1970-01-01T00:00:00Z"\n';

interface Region {
  /** Blocks whose end was seen, in file order. */
  blocks: ChartBlock[];
  /** Start of the last block, still open at the end of the region; -1 if none. */
  open: number;
  /** Where `entries:` ends (a top-level line, or the end of the file); -1 if not yet. */
  to: number;
}

/**
 * Splits bytes [from, end) (whole lines; bytes[from - 1] is a newline) of the `entries:` mapping into
 * chart blocks, like index-splice.ts's chartBlocks; an error string for what the fast path refuses.
 */
function scanRegion(bytes: Buffer, from: number, end: number, eof: boolean, first: boolean): Region | string {
  const blocks: ChartBlock[] = [];
  let open: ChartBlock | undefined;
  for (let pos = from - 1; pos < end - 1; ) {
    let stop = Math.min(pos + WINDOW, end);
    if (stop < end) stop = bytes.lastIndexOf(10, stop - 1) + 1;
    if (stop <= pos + 1) stop = bytes.indexOf(10, pos + 1) + 1; // one line longer than a window
    const text = bytes.toString('latin1', pos, stop);
    SCAN.lastIndex = 0;
    for (let m = SCAN.exec(text); m; m = SCAN.exec(text)) {
      if (text.charCodeAt(m.index) !== 10) {
        if (m[0] < '\x80' || UNSAFE_SEQUENCE.test(text.slice(m.index, m.index + 3)))
          return 'a character YAML readers disagree on (tab, CR, control, NEL, LS/PS or BOM)';
        continue;
      }
      const start = pos + m.index + 1;
      if (open) {
        open.end = start;
        blocks.push(open);
        open = undefined;
      }
      if (text.charCodeAt(m.index + 1) !== 32) {
        if (first && blocks.length === 0) return 'no chart under entries:';
        return { blocks, open: -1, to: start };
      }
      if (start !== from && blocks.length === 0) return "entries: not in helm's layout";
      const nl = bytes.indexOf(10, start);
      const name = chartKey(bytes.toString('latin1', start + 2, nl));
      if (name === undefined) return 'a chart key the fast reader does not read';
      open = { name, start, body: nl + 1, end };
    }
    pos = stop - 1;
  }
  if (open && eof) blocks.push(open);
  else if (!open && first && blocks.length === 0) return 'no chart under entries:';
  return { blocks, open: open && !eof ? open.start : -1, to: eof ? end : -1 };
}

export interface StreamResult {
  added: number;
  unchanged: number;
  total: number;
}

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
  Object.assign(spliceStats, { copiedBlocks: 0, reparsedBlocks: 0, jsYamlBlocks: 0 });
  const fields0 = { ...fieldStats };
  let fh: Awaited<ReturnType<typeof open>>;
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
    const result = await stream(fh, file, writer.write, entries, generated, maxBytes);
    if (typeof result === 'string') return declined(result);
    await writer.commit();
    Object.assign(spliceStats, {
      path: 'fast',
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
  fh: Awaited<ReturnType<typeof open>>,
  file: string,
  write: Write,
  entries: IndexEntry[],
  generated: Date,
  maxBytes: number,
): Promise<StreamResult | string> {
  let buf = Buffer.allocUnsafe(CHUNK);
  let len = 0;
  let readTotal = 0;
  let eof = false;
  const fill = async () => {
    if (len === buf.length) buf = Buffer.concat([buf.subarray(0, len), Buffer.allocUnsafe(buf.length)]);
    const { bytesRead } = await fh.read(buf, len, buf.length - len, null);
    len += bytesRead;
    readTotal += bytesRead;
    eof = bytesRead === 0 || readTotal > maxBytes;
  };

  // The head: everything before the `entries:` line.
  let from = -1;
  while (from < 0) {
    await fill();
    if (/^\s*\{/.test(buf.toString('latin1', 0, Math.min(len, 64)))) return 'a JSON body';
    from = buf.toString('latin1', 0, ENTRIES_LINE.length) === ENTRIES_LINE ? 0 : -1;
    if (from < 0) from = buf.subarray(0, len).indexOf(`\n${ENTRIES_LINE}`) + 1 || -1;
    if (from < 0 && (eof || len > HEAD_MAX)) return 'no `entries:` line near the top';
  }
  if (!isUtf8(buf.subarray(0, from))) return 'invalid UTF-8';
  const head = buf.toString('utf8', 0, from);
  const top0 = parseTopText(head + PLACEHOLDER + GENERATED_PLACEHOLDER, file);
  if (!top0) return 'the lines before entries: are not read by the fast reader';
  const prefix = headerParts(top0, generated)[0];
  await write([Buffer.from(prefix)]);

  const byName = new Map<string, IndexEntry[]>();
  for (const e of entries) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
  const pending = [...byName.keys()].sort((a, b) => (goYamlLess(a, b) ? -1 : goYamlLess(b, a) ? 1 : 0));
  if (pending.some((n) => LONG_DIGITS.test(n))) return 'a chart name with a run of more than 15 digits';
  let next = 0; // pending[next] is the next chart of ours to write
  const counts: StreamResult = { added: 0, unchanged: 0, total: 0 };
  /** Our chart `name` merged into `list` (its block in the old index, if any), as YAML. */
  const merged = (name: string, list: IndexEntry[]): Buffer | string => {
    const index: IndexFile = {
      apiVersion: 'v1',
      generated: '',
      entries: list.length ? { [name]: list } : {},
    };
    let r: ReturnType<typeof mergeEntries>;
    try {
      r = mergeEntries(index, byName.get(name) ?? [], { file, generated });
    } catch {
      return `merging chart ${JSON.stringify(name)} fails`; // the in-memory path words the error
    }
    counts.added += r.added.length;
    counts.unchanged += r.unchanged.length;
    return emitted(name, r.index.entries[name]);
  };
  const emitted = (name: string, list: IndexEntry[]) => {
    counts.total += list.length;
    return Buffer.from(`${emitYaml({ [name]: list }, [], '  ').join('\n')}\n`);
  };

  let pos = from + ENTRIES_LINE.length;
  let checked = pos; // bytes before this one are known to be UTF-8
  let prev: string | undefined;
  let to = -1;
  let stalled = false; // the last round found no whole block: the buffer must grow
  for (let first = true; ; first = false) {
    if (!eof && (len - pos < CHUNK / 2 || stalled)) await fill();
    if (readTotal > maxBytes) return 'larger than allowed';
    const end = eof ? len : buf.lastIndexOf(10, len - 1) + 1;
    if (eof && buf[len - 1] !== 10) return 'no final newline';
    if (!isUtf8(buf.subarray(checked, end))) return 'invalid UTF-8';
    checked = end;
    const region = scanRegion(buf, pos, end, eof, first);
    if (typeof region === 'string') return region;
    const pieces: Buffer[] = [];
    let run = -1; // start of the current run of copied blocks
    let runEnd = -1;
    const flush = () => {
      if (run >= 0) pieces.push(buf.subarray(run, runEnd));
      run = -1;
    };
    for (const block of region.blocks) {
      if (LONG_DIGITS.test(block.name)) return 'a chart key with a run of more than 15 digits';
      if (prev !== undefined && !goYamlLess(prev, block.name)) return "chart keys not in helm's order";
      prev = block.name;
      for (; next < pending.length && goYamlLess(pending[next], block.name); next++) {
        flush();
        const out = merged(pending[next], []);
        if (typeof out === 'string') return out;
        pieces.push(out);
      }
      const ours = pending[next] === block.name;
      const count = ours
        ? -1
        : verbatimEntryCount(
            buf.toString('latin1', block.start, block.end),
            block.body - block.start,
            block.name,
          );
      if (count >= 0) {
        spliceStats.copiedBlocks++;
        counts.total += count;
        if (run < 0) run = block.start;
        runEnd = block.end;
        continue;
      }
      flush();
      const list = parseBlock(buf, block, file);
      if (!list) return `chart ${JSON.stringify(block.name)}: invalid, or not read alike by js-yaml alone`;
      if (!ours) spliceStats.reparsedBlocks++;
      const out = ours ? merged(pending[next++], list) : emitted(block.name, list);
      if (typeof out === 'string') return out;
      pieces.push(out);
    }
    flush();
    await write(pieces);
    if (region.to >= 0) {
      to = region.to;
      break;
    }
    // Keep the open block (and the newline before it) for the next round.
    const keep = region.open >= 0 ? region.open - 1 : end - 1;
    stalled = region.blocks.length === 0;
    buf.copyWithin(0, keep, len);
    len -= keep;
    checked -= keep;
    pos = region.open >= 0 ? 1 : end - keep;
  }

  // The tail: top-level lines after the entries (generated, serverInfo...).
  while (!eof && len - to <= HEAD_MAX) await fill();
  if (!eof || readTotal > maxBytes) return 'too much after entries:';
  if (buf[len - 1] !== 10) return 'no final newline';
  if (!isUtf8(buf.subarray(to, len))) return 'invalid UTF-8';
  const top = parseTopText(head + PLACEHOLDER + buf.toString('utf8', to, len), file);
  if (!top) return 'the lines outside entries: are not read by the fast reader';
  const [prefixNow, suffix] = headerParts(top, generated);
  if (prefixNow !== prefix) return 'top-level keys after entries: that sort before it';
  const pieces: Buffer[] = [];
  for (; next < pending.length; next++) {
    const out = merged(pending[next], []);
    if (typeof out === 'string') return out;
    pieces.push(out);
  }
  pieces.push(Buffer.from(suffix));
  await write(pieces);
  return counts;
}

/** serializeIndex's header for `top` merged at `generated`, around its entries: [before, after]. */
function headerParts(top: IndexFile, generated: Date): [string, string] {
  const header = serializeIndex({ ...top, entries: {}, generated: generated.toISOString() }, 'yaml');
  const at = header.indexOf(`\n${PLACEHOLDER}`) + 1;
  return [header.slice(0, at) + ENTRIES_LINE, header.slice(at + PLACEHOLDER.length)];
}

/** Digit runs compare as numbers below: beyond 15 digits, doubles (and Go's int64) lose the order. */
const LONG_DIGITS = /[0-9]{16}/;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * go-yaml v2's map key order (sorter.go keyList.Less), in which helm, chart-releaser and helm-s3 write
 * an index's chart keys (sigs.k8s.io/yaml goes through go-yaml): digit runs compare as numbers, and a
 * non-letter sorts before a letter. For ASCII keys, which are all the fast path accepts.
 */
export function goYamlLess(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const al = isLetter(ca);
    const bl = isLetter(cb);
    if (al && bl) return ca < cb;
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    if (ca === 48 || cb === 48) {
      for (let j = i - 1; j >= 0 && isDigit(a.charCodeAt(j)); j--) {
        if (a.charCodeAt(j) !== 48) {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < a.length && isDigit(a.charCodeAt(ai)); ai++) an = an * 10 + a.charCodeAt(ai) - 48;
    for (; bi < b.length && isDigit(b.charCodeAt(bi)); bi++) bn = bn * 10 + b.charCodeAt(bi) - 48;
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ca < cb;
  }
  return a.length < b.length;
}
