/**
 * Writes the persisted search index (format: indexFormat.ts): TextColumns
 * (textColumns.ts) writes the texts and postings, IndexWriter the rest from
 * messages handed over one at a time in corpus order (kept in typed arrays
 * sized for the message count), after the text sections, and the header
 * last. Two producers feed them: a scan of the directory's files
 * (indexBuilder.ts: the CLI's first search) and a loaded store
 * (writeSearchCache: a command that loaded the directory anyway).
 */
import * as fs from 'fs';
import { Layout } from '../disk/layout';
import { textTags } from './textTags';
import { fileTail, withFileIfExists } from '../disk/fsutil';
import { DirectoryStore } from '../read/store';
import { StampedSource } from '../read/sources';
import { MessageSearchIndex } from './memoryIndex';
import { align, bytesOf, TextColumns, TextSections, writeAll } from './textColumns';
import {
  BlocksDigest,
  decodeTime,
  encodeTime,
  endsClean,
  FileState,
  FORMAT_VERSION,
  Header,
  hexIdValue,
  idKey,
  LogState,
  MAGIC,
  META,
  PREFIX_BYTES,
} from './indexFormat';

/** One message as the index records it. */
export interface IndexRow {
  number: number | null;
  lastLine: number | null;
  id: string;
  /** The time as encodeTime gives it. */
  time: number;
  from: string;
  target: string;
  room: string | null;
  to: string | null;
  replyTo: number | string | null;
  /** Position of the message it replies to (as messageByRef resolves it), or -1. */
  parent: number;
  /** The transcript blocks that copy it: source key and the block's last line. */
  refs: ReadonlyArray<{ source: string; lastLine: number }>;
  /** Its text's textTags (mentions, alert, attention). */
  tags: readonly string[];
}

/** Writes the index of a loaded store (a command loaded the whole directory anyway). */
export function writeSearchCache(
  layout: Layout,
  store: DirectoryStore,
  index: MessageSearchIndex,
  log: LogState,
  sources: StampedSource[],
): void {
  const count = index.count;
  // Each transcript's blocks as the store read them (every block sits in one message's refs).
  const digests = new Map<string, BlocksDigest>();
  for (let i = 0; i < count; i++) {
    for (const ref of index.stored(i).refs) {
      let digest = digests.get(ref.source);
      if (!digest) digests.set(ref.source, (digest = new BlocksDigest()));
      digest.add(ref.block);
    }
  }
  const files: Record<string, FileState> = {};
  for (const s of sources) files[s.rel] = fileState(s, digests.get(s.key), store.sourceOf(s.key)?.lines ?? 0);
  const tmp = writeTemporary(layout.searchIndex, (fd) => {
    const text = new TextColumns(fd);
    const writer = new IndexWriter(fd, count, store.lineCount);
    for (let i = 0; i < count; i++) {
      const m = index.stored(i);
      text.add({ text: m.text, from: m.from, room: m.room ?? '' });
      writer.add({
        ...m,
        time: encodeTime(m.time),
        parent: index.parent(i),
        refs: m.refs.map((r) => ({ source: r.source, lastLine: r.block.lastLine })),
        tags: textTags(m.text),
      });
    }
    writer.finish(log, files, text.finish([]));
  });
  replaceWith(tmp, layout.searchIndex);
}

/** A transcript's state as the header records it: its stamp, last bytes, lines and blocks. */
export function fileState(source: StampedSource, blocks: BlocksDigest | undefined, lines: number): FileState {
  const tail = withFileIfExists(source.file, '', (fd) => fileTail(fd, source.stamp.size));
  return {
    ...source.stamp,
    tail,
    lines,
    blocks: blocks?.blocks ?? 0,
    digest: (blocks ?? new BlocksDigest()).toString(),
    clean: endsClean(tail),
  };
}

/**
 * Writes a new temporary file beside `file` (named so a later write removes
 * it if this process dies, see isLeftover) and returns its path; removes it
 * and rethrows when `write` fails.
 */
export function writeTemporary(file: string, write: (fd: number) => void): string {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(tmp, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  try {
    write(fd);
    fs.closeSync(fd);
    return tmp;
  } catch (error) {
    try {
      fs.closeSync(fd);
    } catch {
      /* closed */
    }
    removeQuietly(tmp);
    throw error;
  }
}

/** Renames the temporary file over `file` (atomically), or removes it when that fails. */
export function replaceWith(tmp: string, file: string): void {
  try {
    fs.renameSync(tmp, file);
  } catch (error) {
    removeQuietly(tmp);
    throw error;
  }
}

export function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    /* not there */
  }
}

/** Strings numbered in order of first use. */
class Interner {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();

  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(s);
      this.ids.set(s, id);
    }
    return id;
  }
}

class Int32List {
  private data = new Int32Array(1024);
  length = 0;

  push(a: number, b: number): void {
    if (this.length + 2 > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = a;
    this.data[this.length++] = b;
  }

  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

export class IndexWriter {
  private readonly meta: Int32Array;
  private readonly ids: Uint32Array;
  private readonly idKeys: Uint32Array;
  private readonly times: Float64Array;
  private readonly refStarts: Uint32Array;
  private readonly refs = new Int32List();
  private readonly oddIdAt: number[] = [];
  private readonly oddIds: string[] = [];
  /** Senders, targets, rooms and recipients; source keys (the header lists both). */
  private readonly strings = new Interner();
  private readonly sourceKeys = new Interner();
  private readonly replies: Record<string, string | number> = {};
  private n = 0;
  // What the delta needs to know to stay exact (see Header).
  private maxTime = -1;
  private maxLogTime = -1;
  private maxLegacyTime = -1;
  private maxTrailingTime = -1;
  private logCount = 0;
  private unresolvedFrom = 0;
  private readonly unresolvedIds: string[] = [];
  private readonly toNames = new Set<string>();
  private readonly logRooms = new Map<string, [string, string]>();
  /** The rows carrying each text tag, ascending. */
  private readonly tagRows = new Map<string, number[]>();

  /** `count` messages will be added; `lineCount` is the log's physical lines. */
  constructor(
    private readonly fd: number,
    readonly count: number,
    private readonly lineCount: number,
  ) {
    this.meta = new Int32Array(count * META);
    this.ids = new Uint32Array(count);
    this.idKeys = new Uint32Array(count);
    this.times = new Float64Array(count);
    this.refStarts = new Uint32Array(count + 1);
  }

  add(row: IndexRow): void {
    const i = this.n++;
    if (i >= this.count) throw new Error('more messages than announced');
    const o = i * META;
    const meta = this.meta;
    meta[o] = row.number ?? 0;
    meta[o + 1] = row.lastLine ?? 0;
    meta[o + 2] = this.str(row.from);
    meta[o + 3] = this.str(row.target);
    meta[o + 4] = this.str(row.room);
    meta[o + 5] = this.str(row.to);
    meta[o + 6] = row.parent;
    const reply = row.replyTo;
    if (reply === null) meta[o + 7] = 0;
    else if (typeof reply === 'number' && Number.isInteger(reply) && reply > 0 && reply <= 0x7fffffff)
      meta[o + 7] = reply;
    else {
      meta[o + 7] = -1;
      this.replies[i] = reply;
    }
    const hex = hexIdValue(row.id);
    if (hex >= 0) this.ids[i] = this.idKeys[i] = hex;
    else {
      this.oddIdAt.push(i);
      this.oddIds.push(row.id);
      this.idKeys[i] = idKey(row.id);
    }
    const time = row.time;
    this.times[i] = time;
    for (const ref of row.refs) this.refs.push(this.sourceKeys.id(ref.source), ref.lastLine);
    this.refStarts[i + 1] = this.refs.length / 2;
    for (const tag of row.tags) {
      const rows = this.tagRows.get(tag);
      if (rows) rows.push(i);
      else this.tagRows.set(tag, [i]);
    }

    if (time > this.maxTime) this.maxTime = time;
    if (row.number !== null) {
      this.logCount++;
      this.maxTrailingTime = -1;
      if (time > this.maxLogTime) this.maxLogTime = time;
      if (row.to !== null) this.toNames.add(row.to);
      if (row.room !== null && row.room !== '' && !this.logRooms.has(row.room.toLowerCase()))
        this.logRooms.set(row.room.toLowerCase(), [row.room, decodeTime(time)]);
    } else {
      if (time > this.maxLegacyTime) this.maxLegacyTime = time;
      if (time > this.maxTrailingTime) this.maxTrailingTime = time;
    }
    if (reply !== null && row.parent < 0) {
      const ref = typeof reply === 'number' ? String(reply) : reply.replace(/^#/, '');
      if (/^\d+$/.test(ref)) {
        const n = Number(ref);
        if (n > this.lineCount && (this.unresolvedFrom === 0 || n < this.unresolvedFrom)) this.unresolvedFrom = n;
      } else this.unresolvedIds.push(ref);
    }
  }

  private str(s: string | null): number {
    return s === null ? -1 : this.strings.id(s);
  }

  /** Writes everything after the text sections, then the header, then the prefix that points at it. */
  finish(log: LogState, files: Record<string, FileState>, text: TextSections): void {
    if (this.n !== this.count) throw new Error(`${this.n} of ${this.count} messages added`);
    const sections = { ...text.sections };
    let at = text.end;
    const put = (name: string, bytes: Uint8Array) => {
      at = align(at);
      writeAll(this.fd, bytes, at);
      sections[name] = [at, bytes.length];
      at += bytes.length;
    };
    put('meta', bytesOf(this.meta));
    put('ids', bytesOf(this.ids));
    put('times', bytesOf(this.times));
    put('refStarts', bytesOf(this.refStarts));
    put('refs', bytesOf(this.refs.view()));
    if (this.oddIdAt.length > 0) {
      put('oddIdAt', bytesOf(Uint32Array.from(this.oddIdAt)));
      const [starts, joined] = stringColumn(this.oddIds);
      put('oddIdsStarts', bytesOf(starts));
      put('oddIds', joined);
    }
    put('idHash', bytesOf(this.idKeys.sort()));
    const order = timeOrder(this.times);
    if (order) put('timeOrder', bytesOf(order));
    const tags = [...this.tagRows.keys()].sort();
    const tagStarts = new Uint32Array(tags.length + 1);
    tags.forEach((tag, k) => (tagStarts[k + 1] = tagStarts[k] + this.tagRows.get(tag)!.length));
    const tagRows = new Uint32Array(tagStarts[tags.length]);
    tags.forEach((tag, k) => tagRows.set(this.tagRows.get(tag)!, tagStarts[k]));
    put('tagStarts', bytesOf(tagStarts));
    put('tagRows', bytesOf(tagRows));

    const time = (t: number) => (t < 0 ? null : decodeTime(t));
    const header: Header = {
      version: FORMAT_VERSION,
      log: { ...log, lines: this.lineCount },
      files,
      count: this.count,
      fieldLengthSums: text.sums,
      strings: this.strings.values,
      replies: this.replies,
      sections,
      maxTime: time(this.maxTime) ?? '',
      maxLogTime: time(this.maxLogTime),
      maxLegacyTime: time(this.maxLegacyTime),
      maxTrailingTime: time(this.maxTrailingTime),
      logCount: this.logCount,
      unresolvedFrom: this.unresolvedFrom,
      unresolvedIds: this.unresolvedIds,
      toNames: [...this.toNames],
      logRooms: [...this.logRooms.values()],
      sourceKeys: this.sourceKeys.values,
      tags,
    };
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    at = align(at);
    writeAll(this.fd, json, at);
    const prefix = Buffer.alloc(PREFIX_BYTES);
    prefix.write(MAGIC, 0, 'latin1');
    prefix.writeUInt32LE(FORMAT_VERSION, 4);
    prefix.writeDoubleLE(at, 8);
    prefix.writeUInt32LE(json.length, 16);
    writeAll(this.fd, prefix, 0);
  }
}

/** Positions sorted by time (stable), or null when the times never decrease (the identity). */
function timeOrder(times: Float64Array): Uint32Array | null {
  let sorted = true;
  for (let i = 1; i < times.length && sorted; i++) if (times[i] < times[i - 1]) sorted = false;
  if (sorted) return null;
  const order = Array.from({ length: times.length }, (_, i) => i);
  order.sort((a, b) => times[a] - times[b] || a - b);
  return Uint32Array.from(order);
}

/** Short strings as their UTF-8 bytes joined and where each starts. */
export function stringColumn(values: string[]): [Uint32Array, Buffer] {
  const starts = new Uint32Array(values.length + 1);
  const parts: Buffer[] = [];
  values.forEach((v, i) => {
    const b = Buffer.from(v, 'utf8');
    parts.push(b);
    starts[i + 1] = starts[i] + b.length;
  });
  return [starts, Buffer.concat(parts)];
}
