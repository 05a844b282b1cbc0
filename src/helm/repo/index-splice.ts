/**
 * The fast path of `index --merge` for large indexes: instead of turning every entry of the old index
 * into an object and printing it again, copy the bytes of each chart block that the merge does not
 * touch straight to the output, after checking it line by line (verbatim-chart.ts). Only the charts
 * that receive new archives, and blocks the line check does not vouch for, are parsed and re-emitted.
 *
 * The result must be exactly what the slow path (parseIndex + mergeEntries + serializeIndex) means,
 * only laid out differently. Whenever something is outside what this path understands, or invalid, it
 * returns undefined and the caller runs the slow path, which decides and words every error.
 */

import { CORE_SCHEMA, load } from 'js-yaml';
import { bounded } from '../../util/tree-bounds.ts';
import {
  type IndexEntry,
  type IndexFile,
  mergeEntries,
  serializeIndex,
  validateIndex,
} from './index-file.ts';
import {
  DOUBLE_QUOTED,
  emitYaml,
  fastParseYaml,
  hasControl,
  isPlainStringRead,
  RESERVED,
  SAFE_KEY,
} from './index-yaml.ts';
import { fieldStats, verbatimEntryCount } from './verbatim-chart.ts';

/**
 * What the last spliceMerge did: which path, why not the fast one, and how each chart block went
 * (copied as it is, or parsed and written again, by the fast reader or js-yaml). `index` prints it with
 * VINEYARD_CHARTS_DEBUG=index; the tests hold helm-written indexes to the fast path with it.
 */
export const spliceStats = {
  path: 'none' as 'none' | 'fast' | 'slow',
  /** The fast path read the index in chunks (index-stream.ts), never holding all of it. */
  streamed: false,
  reason: '',
  copiedBlocks: 0,
  /** Copied blocks whose check the helper thread did (block-check-helper.ts). */
  helperBlocks: 0,
  reparsedBlocks: 0,
  jsYamlBlocks: 0,
  /** Entries of copied blocks checked whole by one expression (verbatim-entry.ts), on the main thread. */
  wholeEntries: 0,
  decodedFields: 0,
  jsYamlFields: 0,
};

export function declined(reason: string): undefined {
  spliceStats.path = 'slow';
  spliceStats.reason = reason;
  return undefined;
}

export interface SpliceResult {
  /** The new index.yaml, in pieces (copied blocks are views of the input, not copies). */
  chunks: Buffer[];
  added: number;
  unchanged: number;
  total: number;
}

/**
 * One scan finds both the structure and some of what the fast path refuses: a chart key line (indented
 * by exactly two spaces, not a list item), a top-level line (not indented), DEL, or the UTF-8 lead byte,
 * seen through latin1, of a C1 control/NEL (C2), LS/PS (E2) or BOM/U+FFFE/U+FFFF (EF), then told apart
 * from harmless characters by UNSAFE_SEQUENCE. The C0 controls (tabs and CRs among them) are refused
 * where the bytes are read: chart keys by chartKey, entries by the whole-entry expression, which cannot
 * match them, or by verbatimEntryCount, and reparsed blocks by parseBlock (index-yaml.ts's hasControl).
 * Looking for them here as well took a third of the scan's time (24 -> 16 ms for 19 MB).
 */
export const SCAN = /\n(?: {2}[^ \n-]|[^ \n])|[\x7f\xc2\xe2\xef]/g;
const UNSAFE_SEQUENCE = /^(?:\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]|\xef(?:\xbb\xbf|\xbf[\xbe\xbf]))/;

/** Whether SCAN's match at `at` (not a newline) is a character the fast path refuses. */
export function unsafeAt(text: string, at: number): boolean {
  return text.charCodeAt(at) === 0x7f || UNSAFE_SEQUENCE.test(text.slice(at, at + 3));
}
/** Scan window: small enough for strings to stay in V8's young generation (no page faults). */
export const WINDOW = 64 * 1024;
export const ENTRIES_LINE = 'entries:\n';
export const PLACEHOLDER = 'entries: {}\n';

export interface ChartBlock {
  name: string;
  /** Byte offsets: the `  name:` line, its first entry line, and the end of the block. */
  start: number;
  body: number;
  end: number;
}

/** The chart key of a `  name:` line, decoded as the fast reader would, or undefined. */
export function chartKey(line: string): string | undefined {
  if (!line.endsWith(':')) return undefined;
  const raw = line.slice(0, -1);
  if (raw.charCodeAt(0) !== 34 /* " */) {
    if (SAFE_KEY.test(raw) && !RESERVED.test(raw)) return raw;
    // e.g. 3scale-operator: plain, as helm writes it, when it cannot read as a number
    return /^[!-~]+$/.test(raw) && isPlainStringRead(raw) ? raw : undefined;
  }
  if (!DOUBLE_QUOTED.test(raw) || /[^ -~]/.test(raw)) return undefined; // ASCII keys only
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * Splits the `entries:` mapping starting at byte `from` into chart blocks and finds where it ends;
 * undefined if it is not helm's layout or holds a character the fast path refuses.
 */
function chartBlocks(bytes: Buffer, from: number): { blocks: ChartBlock[]; to: number } | string {
  const blocks: ChartBlock[] = [];
  const names = new Set<string>();
  for (let pos = from - 1; pos < bytes.length - 1; ) {
    // Windows start at the newline before a line and end after a newline, so every match is whole.
    let end = Math.min(pos + WINDOW, bytes.length);
    if (end < bytes.length) end = bytes.lastIndexOf(10, end - 1) + 1;
    if (end <= pos + 1) end = bytes.indexOf(10, pos + 1) + 1; // one line longer than a window
    const text = bytes.toString('latin1', pos, end);
    SCAN.lastIndex = 0;
    for (let m = SCAN.exec(text); m; m = SCAN.exec(text)) {
      if (text.charCodeAt(m.index) !== 10) {
        if (unsafeAt(text, m.index))
          return `a character YAML readers disagree on (DEL, NEL, another C1 control, LS/PS or BOM) at byte ${pos + m.index}`;
        continue;
      }
      const start = pos + m.index + 1;
      if (blocks.length > 0) blocks[blocks.length - 1].end = start;
      if (text.charCodeAt(m.index + 1) !== 32)
        return blocks.length > 0 ? { blocks, to: start } : 'no chart under entries:';
      if (blocks.length === 0 && start !== from) return "entries: not in helm's layout";
      const nl = bytes.indexOf(10, start);
      const name = chartKey(bytes.toString('latin1', start + 2, nl));
      if (name === undefined) return `a chart key the fast reader does not read, at byte ${start}`;
      if (names.has(name)) return `chart ${JSON.stringify(name)} appears twice`;
      names.add(name);
      blocks.push({ name, start, body: nl + 1, end: bytes.length });
    }
    pos = end - 1;
  }
  return blocks.length > 0 ? { blocks, to: bytes.length } : 'no chart under entries:';
}

/** Parses and strictly validates one chart block with the fast reader, or undefined. */
export function parseBlock(bytes: Buffer, block: ChartBlock, file: string): IndexEntry[] | undefined {
  const text = ENTRIES_LINE + bytes.toString('utf8', block.start, block.end);
  if (hasControl(text)) return undefined; // js-yaml below would not refuse them all
  let raw = fastParseYaml(text);
  if (raw === undefined) {
    // The block alone, by js-yaml (it is a whole subtree: its scalars cannot run past its lines, and a
    // block cut inside a quoted scalar would hold its opening quote without the closing one, an error).
    spliceStats.jsYamlBlocks++;
    try {
      raw = bounded(() => load(text, { schema: CORE_SCHEMA }));
    } catch {
      return undefined;
    }
  }
  try {
    const doc = { apiVersion: 'v1', generated: '1970-01-01T00:00:00Z', ...(raw as object) };
    return validateIndex(doc, file).entries[block.name];
  } catch {
    return undefined;
  }
}

/** Everything but `entries`, validated like the whole file would be; undefined if not handled. */
function parseTop(bytes: Buffer, from: number, to: number, file: string): IndexFile | undefined {
  return parseTopText(bytes.toString('utf8', 0, from) + PLACEHOLDER + bytes.toString('utf8', to), file);
}

/** The lines outside `entries:`, with PLACEHOLDER in its place, read and validated; or undefined. */
export function parseTopText(rest: string, file: string): IndexFile | undefined {
  const raw = fastParseYaml(rest);
  if (raw === undefined) return undefined;
  try {
    return validateIndex(raw, file);
  } catch {
    return undefined;
  }
}

/**
 * Merges `entries` into the index whose bytes are given, like mergeEntries on the parsed index, and
 * returns the serialised result; undefined when the slow path must decide. A version already present
 * with another digest throws the same InputError as mergeEntries.
 */
export function spliceMerge(
  bytes: Buffer,
  file: string,
  entries: IndexEntry[],
  generated: Date,
): SpliceResult | undefined {
  Object.assign(spliceStats, {
    path: 'none',
    streamed: false,
    reason: '',
    copiedBlocks: 0,
    reparsedBlocks: 0,
    jsYamlBlocks: 0,
  });
  const fields0 = { ...fieldStats };
  const head = bytes.toString('latin1', 0, Math.min(bytes.length, WINDOW));
  if (bytes[bytes.length - 1] !== 10) return declined('no final newline');
  if (/^\s*\{/.test(head)) return declined('a JSON body');
  const from = head.startsWith(ENTRIES_LINE) ? 0 : bytes.indexOf(`\n${ENTRIES_LINE}`) + 1;
  if (from === 0 && !head.startsWith(ENTRIES_LINE)) return declined('no `entries:` line');
  const found = chartBlocks(bytes, from + ENTRIES_LINE.length);
  if (typeof found === 'string') return declined(found);
  const top = parseTop(bytes, from, found.to, file);
  if (!top)
    return declined(
      'the lines outside entries: (apiVersion, generated, ...) are not read by the fast reader',
    );

  const touched = new Set(entries.map((e) => e.name));
  const parsed: IndexFile = { ...top, entries: {} };
  const verbatim = new Map<string, ChartBlock>();
  let total = 0;
  for (const block of found.blocks) {
    const count = touched.has(block.name)
      ? -1
      : verbatimEntryCount(
          bytes.toString('latin1', block.start, block.end),
          block.body - block.start,
          block.name,
        );
    if (count >= 0) {
      verbatim.set(block.name, block);
      total += count;
      continue;
    }
    const list = parseBlock(bytes, block, file);
    if (!list)
      return declined(`chart ${JSON.stringify(block.name)}: invalid, or not read alike by js-yaml alone`);
    if (!touched.has(block.name)) spliceStats.reparsedBlocks++;
    parsed.entries[block.name] = list;
  }
  Object.assign(spliceStats, {
    path: 'fast',
    copiedBlocks: verbatim.size,
    wholeEntries: fieldStats.wholeEntries - fields0.wholeEntries,
    decodedFields: fieldStats.decoded - fields0.decoded,
    jsYamlFields: fieldStats.jsYaml - fields0.jsYaml,
  });
  const merged = mergeEntries(parsed, entries, { file, generated });

  const chunks: Buffer[] = [];
  let run: ChartBlock | undefined; // adjacent copied blocks become one chunk
  const flush = () => {
    if (run) chunks.push(bytes.subarray(run.start, run.end));
    run = undefined;
  };
  const names = [...verbatim.keys(), ...Object.keys(merged.index.entries)].sort();
  for (const name of names) {
    const block = verbatim.get(name);
    if (block && run?.end === block.start) run = { ...run, end: block.end };
    else if (block) {
      flush();
      run = block;
    } else {
      flush();
      const list = merged.index.entries[name];
      total += list.length;
      chunks.push(Buffer.from(`${emitYaml({ [name]: list }, [], '  ').join('\n')}\n`));
    }
  }
  flush();
  const header = serializeIndex({ ...merged.index, entries: {} }, 'yaml');
  const at = header.indexOf(`\n${PLACEHOLDER}`) + 1;
  if (names.length > 0) {
    chunks.unshift(Buffer.from(`${header.slice(0, at)}${ENTRIES_LINE}`));
    chunks.push(Buffer.from(header.slice(at + PLACEHOLDER.length)));
  } else chunks.unshift(Buffer.from(header));
  return { chunks, added: merged.added.length, unchanged: merged.unchanged.length, total };
}
