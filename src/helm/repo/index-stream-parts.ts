/**
 * The parts of the streamed merge (index-stream.ts) that need no I/O: splitting a window of the
 * `entries:` mapping into chart blocks, and our charts merged in go-yaml order as the old blocks go by.
 */
import { goYamlLess } from './go-yaml-order.ts';
import { type IndexEntry, type IndexFile, mergeEntries } from './index-file.ts';
import { type ChartBlock, chartKey, SCAN, unsafeAt } from './index-splice.ts';
import { emitYaml } from './index-yaml.ts';

export interface Region {
  /** Blocks whose end was seen, in file order. */
  blocks: ChartBlock[];
  /** Start of the last block, still open at the end of the region; -1 if none. */
  open: number;
  /** Where `entries:` ends (a top-level line, or the end of the file); -1 if not yet. */
  to: number;
}

/**
 * Splits the lines of `text` (bytes [base, ...) of the buffer as latin1; text[0] is the newline before
 * the first line) of the `entries:` mapping into chart blocks, like index-splice.ts's chartBlocks; an
 * error string for what the fast path refuses. Offsets in the result are the buffer's.
 */
export function scanRegion(text: string, base: number, eof: boolean, first: boolean): Region | string {
  const blocks: ChartBlock[] = [];
  const end = base + text.length;
  let open: ChartBlock | undefined;
  SCAN.lastIndex = 0;
  for (let m = SCAN.exec(text); m; m = SCAN.exec(text)) {
    if (text.charCodeAt(m.index) !== 10) {
      if (unsafeAt(text, m.index))
        return 'a character YAML readers disagree on (DEL, NEL, another C1 control, LS/PS or BOM)';
      continue;
    }
    const start = base + m.index + 1;
    if (open) {
      open.end = start;
      blocks.push(open);
      open = undefined;
    }
    if (text.charCodeAt(m.index + 1) !== 32) {
      if (first && blocks.length === 0) return 'no chart under entries:';
      return { blocks, open: -1, to: start };
    }
    if (m.index !== 0 && blocks.length === 0) return "entries: not in helm's layout";
    const nl = text.indexOf('\n', m.index + 1);
    const name = chartKey(text.slice(m.index + 3, nl));
    if (name === undefined) return 'a chart key the fast reader does not read';
    open = { name, start, body: base + nl + 1, end };
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

/** The charts of the new archives, in go-yaml order, merged as the old blocks go by. */
export class OurCharts {
  readonly pending: string[];
  private next = 0;
  private readonly byName = new Map<string, IndexEntry[]>();
  readonly counts: StreamResult = { added: 0, unchanged: 0, total: 0 };

  constructor(
    entries: IndexEntry[],
    private readonly file: string,
    private readonly generated: Date,
  ) {
    for (const e of entries) this.byName.set(e.name, [...(this.byName.get(e.name) ?? []), e]);
    this.pending = [...this.byName.keys()].sort((a, b) => (goYamlLess(a, b) ? -1 : goYamlLess(b, a) ? 1 : 0));
  }

  /** Our next chart if it sorts before `name` (or at all, for undefined), taken off the list. */
  before(name: string | undefined): string | undefined {
    const ours = this.pending[this.next];
    if (ours === undefined || (name !== undefined && !goYamlLess(ours, name))) return undefined;
    this.next++;
    return ours;
  }

  /**
   * Whether `name` (an old block's chart) is ours next; taken off the list if so. undefined when it is
   * ours but not next (written already, or behind another): an order the stream cannot follow, which
   * would write the chart twice.
   */
  take(name: string): boolean | undefined {
    if (this.pending[this.next] === name) {
      this.next++;
      return true;
    }
    return this.byName.has(name) ? undefined : false;
  }

  /** Our chart `name` merged into `list` (its block in the old index, if any), as YAML. */
  merged(name: string, list: IndexEntry[]): Buffer | string {
    const index: IndexFile = {
      apiVersion: 'v1',
      generated: '',
      entries: list.length ? { [name]: list } : {},
    };
    let r: ReturnType<typeof mergeEntries>;
    try {
      r = mergeEntries(index, this.byName.get(name) ?? [], { file: this.file, generated: this.generated });
    } catch {
      return `merging chart ${JSON.stringify(name)} fails`; // the in-memory path words the error
    }
    this.counts.added += r.added.length;
    this.counts.unchanged += r.unchanged.length;
    return this.emitted(name, r.index.entries[name]);
  }

  emitted(name: string, list: IndexEntry[]): Buffer {
    this.counts.total += list.length;
    return Buffer.from(`${emitYaml({ [name]: list }, [], '  ').join('\n')}\n`);
  }
}
