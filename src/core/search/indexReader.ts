/**
 * Reads the persisted search index (format: indexFormat.ts) as a search
 * corpus: the header, the small vocabulary, the postings of the terms a query
 * reaches and single rows of what it prints, with the delta (indexDelta.ts)
 * appended after the base.
 */
import * as fs from 'fs';
import { Message, MessageRef, RawMessage } from '../common/messageTypes';
import { messageFromStored } from '../formats/attentionTags';
import { textTags } from './textTags';
import { timestampToMillis } from '../common/time';
import { Layout } from '../disk/layout';
import { readRange, statStamp } from '../disk/fsutil';
import { lowerBound, markMatchedEntries } from '../common/sortedSearch';
import { hex8, MessageShape as Shape, sameMessage } from '../read/messageIdentity';
import { PostingIndex } from './memoryIndex';
import { PostingSource, RankedHits, rankedSearch } from './ranking';
import { SearchCorpus } from './searchEngine';
import {
  decodePostings,
  decodeTime,
  decodedTimeMillis,
  DeltaMessage,
  encodeTime,
  FileState,
  FORMAT_VERSION,
  Header,
  hexIdValue,
  idKey,
  MAGIC,
  META,
  PREFIX_BYTES,
} from './indexFormat';

/** Texts are scanned this many bytes at a time (memory stays flat at any size). */
const TEXT_CHUNK = 8 << 20;
/** Meta rows read at once by a pass in order. */
const WINDOW_ROWS = 1 << 16;
/** The most of the lower-cased texts read at once for texts read one by one (lowerBytes). */
const TEXT_WINDOW = 1 << 20;

export function openCache(layout: Layout): CachedCorpus | null {
  return openCacheFile(layout.searchIndex);
}

/** The index in `file`, or null when it is missing, not ours, of another version, or cut short. */
export function openCacheFile(file: string): CachedCorpus | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = readRange(fd, 0, Math.min(size, PREFIX_BYTES));
    if (prefix.length < PREFIX_BYTES || prefix.toString('latin1', 0, 4) !== MAGIC) throw new Error('not ours');
    if (prefix.readUInt32LE(4) !== FORMAT_VERSION) throw new Error('old format');
    const at = prefix.readDoubleLE(8);
    const length = prefix.readUInt32LE(16);
    if (!(at >= PREFIX_BYTES && at + length <= size)) throw new Error('truncated');
    const header = JSON.parse(readRange(fd, at, at + length).toString('utf8')) as Header;
    if (header.version !== FORMAT_VERSION) throw new Error('old format');
    const last = Object.values(header.sections).reduce((m, [o, l]) => Math.max(m, o + l), 0);
    if (last > at) throw new Error('truncated');
    return new CachedCorpus(fd, header);
  } catch {
    fs.closeSync(fd);
    return null;
  }
}

/** Reads of single values of a column before the whole column is read instead. */
const SINGLE_READS = 256;

export class CachedCorpus implements SearchCorpus {
  count: number;
  readonly baseCount: number;
  /** The whole meta section, once a scan of every text needed it (prepareScan); a window of rows before that. */
  private meta: Int32Array | null = null;
  private delta: DeltaMessage[] = [];
  private deltaPostings: PostingIndex | null = null;
  private base: PostingSource | null = null;
  /** Whole numeric columns read so far, and how many single values were read of the others. */
  private wholeColumns = new Map<string, Uint32Array | Float64Array>();
  private singleReads = new Map<string, number>();
  private textCache = new Map<number, string>();
  /** Exact and regex scans: the texts of the whole base, see prepareScan. */
  private scan: {
    bytes: Buffer;
    all: string | null;
    chars: Uint32Array;
    starts: Uint32Array;
    cases: Uint8Array;
    caseStarts: Uint32Array;
  } | null = null;
  private caseColumn: Uint8Array | null = null;
  private oddIds: Map<number, string> | null = null;
  private whoByPair = new Map<number, string>();
  /** Transcripts rewritten since the base with its blocks unchanged: their state now (see restampedFiles.ts). */
  readonly restamped = new Map<string, FileState>();
  /** Whether a delta found restamped files not yet kept beside the summary. */
  restampedSince = false;

  constructor(
    private readonly fd: number,
    readonly header: Header,
  ) {
    this.count = header.count;
    this.baseCount = header.count;
  }

  /** What the summary knows of a transcript's state: as rewritten since (restamped), else as built. */
  fileState(rel: string): FileState | undefined {
    return this.restamped.get(rel) ?? this.header.files[rel];
  }

  /** The base file open (its inode, size and time), to tie what is kept beside it to this very file. */
  identity(): string {
    return statStamp(fs.fstatSync(this.fd));
  }

  /**
   * Meta word k of base row i, read through a window of rows: a few rows
   * around i for a lookup, growing (to WINDOW_ROWS) while rows are read in
   * order, either way, so a pass over a million rows holds two megabytes,
   * not the section.
   */
  private m(i: number, k: number): number {
    if (this.meta) return this.meta[i * META + k];
    const from = this.windowFrom;
    const rows = this.window.length / META;
    if (i < from || i >= from + rows) {
      const near = this.windowSize * 4;
      const onward = i >= from + rows && i < from + rows + near;
      const back = i < from && i >= from - near;
      this.windowSize = onward || back ? Math.min(WINDOW_ROWS, this.windowSize * 4) : 16;
      const start = back ? Math.max(0, i + 1 - this.windowSize) : i - (i % this.windowSize);
      const end = Math.min(this.baseCount, start + this.windowSize);
      // The largest windows are read into one buffer: a pass over a million rows leaves no garbage behind.
      const into =
        this.windowSize === WINDOW_ROWS ? (this.windowBuffer ??= new Uint8Array(WINDOW_ROWS * META * 4)) : undefined;
      const bytes = this.section('meta', start * META * 4, end * META * 4, into);
      this.window = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      this.windowFrom = start;
      return this.window[(i - start) * META + k];
    }
    return this.window[(i - from) * META + k];
  }

  private window: Int32Array = new Int32Array(0);
  private windowBuffer: Uint8Array | undefined;
  private windowFrom = 0;
  private windowSize = 16;

  private allMeta(): Int32Array {
    if (!this.meta) {
      this.meta = new Int32Array(this.section('meta').buffer);
      this.window = new Int32Array(0);
    }
    return this.meta;
  }

  /** Value k of a u32 or f64 column: a small read each, or the whole column once many were needed. */
  private value(name: string, k: number, f64 = false): number {
    const whole = this.wholeColumns.get(name);
    if (whole) return whole[k];
    const reads = this.singleReads.get(name) ?? 0;
    if (reads >= SINGLE_READS) return this.column(name, f64)[k];
    this.singleReads.set(name, reads + 1);
    const size = f64 ? 8 : 4;
    const b = this.section(name, k * size, (k + 1) * size);
    return f64 ? new Float64Array(b.buffer, 0, 1)[0] : new Uint32Array(b.buffer, 0, 1)[0];
  }

  private column(name: string, f64 = false): Uint32Array | Float64Array {
    let whole = this.wholeColumns.get(name);
    if (!whole) {
      const b = this.section(name);
      whole = f64 ? new Float64Array(b.buffer, 0, b.length / 8) : new Uint32Array(b.buffer, 0, b.length / 4);
      this.wholeColumns.set(name, whole);
    }
    return whole;
  }

  /** Entries i and i + 1 of a u32 column (where entry i of what it indexes starts and ends). */
  private span(name: string, i: number): [number, number] {
    const whole = this.wholeColumns.get(name);
    if (whole) return [whole[i], whole[i + 1]];
    const reads = this.singleReads.get(name) ?? 0;
    if (reads >= SINGLE_READS) {
      const all = this.column(name);
      return [all[i], all[i + 1]];
    }
    this.singleReads.set(name, reads + 1);
    const b = new Uint32Array(this.section(name, i * 4, i * 4 + 8).buffer, 0, 2);
    return [b[0], b[1]];
  }

  /** The messages appended since the base, after it in corpus order. */
  setDelta(delta: DeltaMessage[]): void {
    this.delta = delta;
    this.deltaPostings = null;
    this.count = this.baseCount + delta.length;
  }

  private d(i: number): DeltaMessage | undefined {
    return i >= this.baseCount ? this.delta[i - this.baseCount] : undefined;
  }

  /** Position k in time order (the section is absent when that is the identity). */
  private byTime(k: number): number {
    return this.header.sections.timeOrder ? this.value('timeOrder', k) : k;
  }

  private timeValue(i: number): number {
    return this.value('times', i, true);
  }

  /** Base positions whose time is exactly `time` (binary search over the time order, a few small reads). */
  private positionsWithTime(time: string): number[] {
    const n = this.baseCount;
    const t = encodeTime(time);
    const at = (k: number) => this.timeValue(this.byTime(k));
    const out: number[] = [];
    for (let k = lowerBound(n, (i) => at(i) < t); k < n && at(k) === t; k++) out.push(this.byTime(k));
    return out;
  }

  /** A base message with this time, sender, target and text (the store would pair them). */
  hasShape(shape: Shape): boolean {
    if (shape.time > this.header.maxTime) return false;
    for (const p of this.positionsWithTime(shape.time)) {
      if (sameMessage({ time: shape.time, from: this.from(p), target: this.target(p), text: this.text(p) }, shape))
        return true;
    }
    return false;
  }

  /** Whether a base message may have this id (by its u32 key: a rare false yes only costs a rebuild). */
  hasId(id: string): boolean {
    const key = idKey(id);
    const lo = lowerBound(this.baseCount, (i) => this.value('idHash', i) < key);
    return lo < this.baseCount && this.value('idHash', lo) === key;
  }

  private refTable: { starts: Uint32Array; words: Int32Array } | null = null;

  /** The base's block references, read once (every unread computation, of each identity, walks them). */
  private refColumns(): { starts: Uint32Array; words: Int32Array } {
    this.refTable ??= { starts: this.u32('refStarts'), words: new Int32Array(this.section('refs').buffer) };
    return this.refTable;
  }

  /** The log number of message i (null for a legacy message). */
  number(i: number): number | null {
    const dm = this.d(i);
    if (dm) return dm.number;
    return this.m(i, 0) === 0 ? null : this.m(i, 0);
  }

  /** The last physical log line of message i (null for a legacy message). */
  lastLine(i: number): number | null {
    const dm = this.d(i);
    if (dm) return dm.lastLine;
    return this.m(i, 0) === 0 ? null : this.m(i, 1);
  }

  /** The transcript blocks that copy message i: their source key and last line. */
  refs(i: number): Array<{ source: string; lastLine: number }> {
    const dm = this.d(i);
    if (dm) return dm.claimed.map((source, k) => ({ source, lastLine: dm.claimedLines[k] }));
    const { starts, words } = this.refColumns();
    const out: Array<{ source: string; lastLine: number }> = [];
    for (let k = starts[i]; k < starts[i + 1]; k++)
      out.push({ source: this.header.sourceKeys[words[k * 2]], lastLine: words[k * 2 + 1] });
    return out;
  }

  /**
   * Calls `each` for every transcript block copying a message (of the rows
   * given, else of every row): the message row, the block source, its last line.
   */
  eachRef(each: (i: number, source: string, lastLine: number) => void, rows?: number[]): void {
    const { starts, words } = this.refColumns();
    const keys = this.header.sourceKeys;
    const refsOf = (i: number) => {
      if (i < this.baseCount) {
        for (let k = starts[i]; k < starts[i + 1]; k++) each(i, keys[words[k * 2]], words[k * 2 + 1]);
        return;
      }
      const m = this.delta[i - this.baseCount];
      m.claimed.forEach((source, j) => each(i, source, m.claimedLines[j]));
    };
    // Indexed loops: a for-of over a million rows can make an iterator result per row.
    if (rows) for (let k = 0; k < rows.length; k++) refsOf(rows[k]);
    else for (let i = 0; i < this.count; i++) refsOf(i);
  }

  /**
   * Marks in `hit` the rows whose lower-cased text contains one of `needles`
   * (lower-cased), reading the base's texts a few megabytes at a time: every
   * row whose text contains a needle in any case is marked, and callers check
   * the rows marked (a row may also be marked for a match across its end).
   */
  markTextContaining(needles: string[], hit: Uint8Array): void {
    const starts = this.column('lowerTextStarts');
    const length = this.header.sections.lowerText[1];
    const lower = needles.map((n) => n.toLowerCase());
    const wanted = lower.map((n) => Buffer.from(n, 'utf8'));
    const overlap = Math.max(0, ...wanted.map((b) => b.length - 1));
    // One buffer for every chunk: a scan of the base's texts (86 MB at a million) leaves no garbage behind.
    const buffer = new Uint8Array(Math.min(length, TEXT_CHUNK + overlap));
    for (let from = 0; from < length; from += TEXT_CHUNK) {
      const raw = this.section('lowerText', from, Math.min(length, from + TEXT_CHUNK + overlap), buffer);
      const chunk = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
      // Matches that start in this chunk; the next chunk repeats the overlap.
      const find = (needle: Buffer) => (offset: number) => {
        const at = chunk.indexOf(needle, Math.max(0, offset - from));
        return at !== -1 && at < TEXT_CHUNK ? from + at : -1;
      };
      for (const needle of wanted) markMatchedEntries(find(needle), starts, this.baseCount, hit);
    }
    this.delta.forEach((m, k) => {
      const text = m.text.toLowerCase();
      if (lower.some((n) => text.includes(n))) hit[this.baseCount + k] = 1;
    });
  }

  /**
   * Marks in `hit` the rows whose text carries one of `tags` (textTags, the
   * one rule): the base's as the summary lists them, the delta's from their
   * texts. No text of the base is read.
   */
  markTagged(tags: string[], hit: Uint8Array): void {
    for (const tag of tags) {
      const k = this.header.tags.indexOf(tag);
      if (k < 0) continue;
      const [from, to] = this.span('tagStarts', k);
      const bytes = this.section('tagRows', from * 4, to * 4);
      const rows = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      for (let j = 0; j < rows.length; j++) hit[rows[j]] = 1;
    }
    this.delta.forEach((m, k) => {
      if (textTags(m.text).some((tag) => tags.includes(tag))) hit[this.baseCount + k] = 1;
    });
  }

  /** Rooms log lines were sent to, with the time of the first, in order of first use (base, then delta). */
  logRooms(): Array<{ name: string; time: string }> {
    const seen = new Map<string, { name: string; time: string }>();
    for (const [name, time] of this.header.logRooms) seen.set(name.toLowerCase(), { name, time });
    for (const m of this.delta) {
      if (m.number !== null && m.room !== null && m.room !== '' && !seen.has(m.room.toLowerCase()))
        seen.set(m.room.toLowerCase(), { name: m.room, time: m.time });
    }
    return [...seen.values()];
  }

  /** The base message owning log line n, or -1. */
  findNumber(n: number): number {
    // Log messages keep their order in the corpus (legacy rows, number 0, sit between them).
    let lo = 0;
    let hi = this.baseCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      let k = mid;
      while (k < hi && this.m(k, 0) === 0) k++;
      if (k === hi) hi = mid;
      else if (this.m(k, 1) < n) lo = k + 1;
      else hi = mid;
    }
    for (let k = lo; k < this.baseCount; k++) {
      const first = this.m(k, 0);
      if (first === 0) continue;
      return first <= n && this.m(k, 1) >= n ? k : -1;
    }
    return -1;
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      /* closed */
    }
  }

  /** Bytes [from, to) of a section: into `into` (a view of it is returned) when given, else a new array. */
  private section(name: string, from = 0, to?: number, into?: Uint8Array): Uint8Array {
    const [offset, length] = this.header.sections[name];
    const end = Math.min(length, to ?? length);
    const size = Math.max(0, end - from);
    const out = into ? into.subarray(0, size) : new Uint8Array(size);
    let done = 0;
    while (done < out.length) {
      const n = fs.readSync(this.fd, out, done, out.length - done, offset + from + done);
      if (n <= 0) break;
      done += n;
    }
    return out;
  }

  private u32(name: string): Uint32Array {
    return new Uint32Array(this.section(name).buffer);
  }

  private lines(name: string): string[] {
    const bytes = this.section(name);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8').split('\n');
  }

  private string(k: number): string | null {
    return k < 0 ? null : this.header.strings[k];
  }

  /** Message i's entry in the text case column (see indexFormat.ts). */
  private caseEntry(i: number): Uint8Array {
    const [start, end] = this.span('textCaseStarts', i);
    if (!this.caseColumn && this.wholeColumns.has('textCaseStarts')) this.caseColumn = this.section('textCase');
    return this.caseColumn ? this.caseColumn.subarray(start, end) : this.section('textCase', start, end);
  }

  text(i: number): string {
    const dm = this.d(i);
    if (dm) return dm.text;
    if (this.scan) {
      const { all, chars, bytes, starts, cases, caseStarts } = this.scan;
      // A text kept verbatim (lower-casing changed its length) is read from the case column.
      if (cases[caseStarts[i]] === 1) return utf8(cases.subarray(caseStarts[i] + 1, caseStarts[i + 1]));
      return all !== null
        ? all.slice(chars[i], chars[i + 1] - 1)
        : bytes.toString('utf8', starts[i], starts[i + 1] - 1);
    }
    const hit = this.textCache.get(i);
    if (hit !== undefined) return hit;
    const [start, end] = this.span('lowerTextStarts', i);
    const text = withCase(this.lowerBytes(start, end - 1), this.caseEntry(i));
    if (this.textCache.size < 4096) this.textCache.set(i, text);
    return text;
  }

  private textWindow: { from: number; bytes: Uint8Array; size: number; buffer?: Uint8Array } = {
    from: 0,
    bytes: new Uint8Array(0),
    size: 256,
  };

  /**
   * Bytes [start, end) of the lower-cased texts, read through a window that
   * grows (to TEXT_WINDOW) while texts are read in order, either way: the
   * tens of thousands of texts a rule reads in a pass cost a read each of
   * many, not one each. A view into the window, read into one reused
   * buffer: not to be changed, and good until the next call.
   */
  private lowerBytes(start: number, end: number): Uint8Array {
    const w = this.textWindow;
    const windowEnd = w.from + w.bytes.length;
    if (start < w.from || end > windowEnd) {
      const length = this.header.sections.lowerText[1];
      const near = w.size * 4;
      const onward = start >= windowEnd && start < windowEnd + near;
      const back = end <= w.from && end > w.from - near;
      w.size = onward || back ? Math.min(TEXT_WINDOW, w.size * 4) : 256;
      const size = Math.max(w.size, end - start);
      w.from = back ? Math.max(0, end - size) : start;
      const into = size <= TEXT_WINDOW ? (w.buffer ??= new Uint8Array(TEXT_WINDOW)) : undefined;
      w.bytes = this.section('lowerText', w.from, Math.min(length, w.from + size), into);
    }
    return w.bytes.subarray(start - w.from, end - w.from);
  }

  /** Exact queries: byte search over the lower-cased texts, "sender target" by pair, then the delta's. */
  findSubstring(needle: string): number[] | null {
    if (needle.length === 0 || needle.includes('\u0000')) return null;
    const hit = new Uint8Array(this.count);
    this.markTextContaining([needle], hit);
    // "sender target" takes few values: each is tested once.
    const meta = this.allMeta();
    const pairs = new Map<number, boolean>();
    for (let i = 0; i < this.baseCount; i++) {
      const key = (meta[i * META + 2] + 1) * 2 ** 26 + (meta[i * META + 3] + 1);
      let found = pairs.get(key);
      if (found === undefined) pairs.set(key, (found = this.who(i).toLowerCase().includes(needle)));
      if (found) hit[i] = 1;
    }
    this.delta.forEach((m, k) => {
      if (`${m.from} ${m.target}`.toLowerCase().includes(needle)) hit[this.baseCount + k] = 1;
    });
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) if (hit[i] === 1) out.push(i);
    return out;
  }

  /**
   * Exact and regex scans read every text: the lower-cased texts in one read,
   * their letters put back (the case column), decoded at once when that fits
   * in one string.
   */
  prepareScan(): void {
    if (this.scan) return;
    const raw = this.section('lowerText');
    const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
    const starts = this.column('lowerTextStarts') as Uint32Array;
    const caseStarts = this.column('textCaseStarts') as Uint32Array;
    this.caseColumn ??= this.section('textCase');
    const cases = this.caseColumn;
    for (let i = 0; i < this.baseCount; i++) {
      const p = caseStarts[i];
      if (cases[p] !== 0 && cases[p] !== 1) patchCase(bytes, starts[i], cases, p);
    }
    const all = bytes.length <= MAX_SCAN_STRING ? bytes.toString('utf8') : null;
    this.scan = { bytes, all, chars: this.column('textChars') as Uint32Array, starts, cases, caseStarts };
    this.allMeta();
  }

  who(i: number): string {
    if (i >= this.baseCount) return `${this.from(i)} ${this.target(i)}`;
    const key = (this.m(i, 2) + 1) * 2 ** 26 + (this.m(i, 3) + 1);
    let who = this.whoByPair.get(key);
    if (who === undefined) {
      who = `${this.from(i)} ${this.target(i)}`;
      this.whoByPair.set(key, who);
    }
    return who;
  }

  /**
   * One number for row i's sender, room and recipient together: rows with
   * the same key agree on all three (a rule of those alone is worked out once
   * per key). -1 for a row appended since the base.
   */
  addressKey(i: number): number {
    if (i >= this.baseCount) return -1;
    const n = this.header.strings.length + 1;
    return ((this.m(i, 2) + 1) * n + (this.m(i, 4) + 1)) * n + (this.m(i, 5) + 1);
  }

  /** Every addressKey is below this. */
  get addressKeyLimit(): number {
    return (this.header.strings.length + 1) ** 3;
  }

  from(i: number): string {
    return this.d(i)?.from ?? this.string(this.m(i, 2)) ?? '';
  }
  target(i: number): string {
    return this.d(i)?.target ?? this.string(this.m(i, 3)) ?? '';
  }
  room(i: number): string | null {
    const dm = this.d(i);
    return dm ? dm.room : this.string(this.m(i, 4));
  }
  to(i: number): string | null {
    const dm = this.d(i);
    return dm ? dm.to : this.string(this.m(i, 5));
  }
  parent(i: number): number {
    return this.d(i)?.parent ?? this.m(i, 6);
  }

  time(i: number): string {
    return this.d(i)?.time ?? decodeTime(this.timeValue(i));
  }

  /** timestampToMillis(time(i)), without building the string for a row of the base. */
  timeMillis(i: number): number {
    const dm = this.d(i);
    return dm ? timestampToMillis(dm.time) : decodedTimeMillis(this.timeValue(i));
  }

  /** time(i) > time(j), without building either string when both rows are the base's. */
  timeAfter(i: number, j: number): boolean {
    if (i < this.baseCount && j < this.baseCount) return this.timeValue(i) > this.timeValue(j);
    return this.time(i) > this.time(j);
  }

  /** Ids that are not 8 hex digits, by position. */
  private odd(): Map<number, string> {
    if (!this.oddIds) {
      this.oddIds = new Map();
      if (this.header.sections.oddIdAt) {
        const at = this.u32('oddIdAt');
        const starts = this.u32('oddIdsStarts');
        const raw = this.section('oddIds');
        const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
        at.forEach((p, k) => this.oddIds!.set(p, bytes.toString('utf8', starts[k], starts[k + 1])));
      }
    }
    return this.oddIds;
  }

  id(i: number): string {
    const dm = this.d(i);
    if (dm) return dm.id;
    return this.odd().get(i) ?? hex8(this.value('ids', i));
  }

  /** The first position from `from` on whose id is `text`, or -1 (`only` limits it to some rows). */
  private firstWithId(text: string, only: (i: number) => boolean): number {
    const hex = hexIdValue(text);
    const odd = this.odd();
    for (let i = 0; i < this.count; i++) {
      if (!only(i)) continue;
      if (
        i >= this.baseCount
          ? this.d(i)!.id === text
          : hex >= 0
            ? !odd.has(i) && this.value('ids', i) === hex
            : odd.get(i) === text
      )
        return i;
    }
    return -1;
  }

  find(ref: MessageRef): number {
    const text = typeof ref === 'number' ? String(ref) : ref.replace(/^#/, '');
    if (/^\d+$/.test(text)) {
      const n = Number(text);
      const inBase = n <= this.header.log.lines ? this.findNumber(n) : -1;
      if (inBase >= 0) return inBase;
      const k = this.delta.findIndex((m) => m.number !== null && m.number <= n && (m.lastLine ?? m.number) >= n);
      return k < 0 ? -1 : this.baseCount + k;
    }
    const legacy = this.firstWithId(text, (i) =>
      i < this.baseCount ? this.m(i, 0) === 0 : this.d(i)!.number === null,
    );
    return legacy >= 0 ? legacy : this.firstWithId(text, () => true);
  }

  message(i: number): Message {
    return messageFromStored(this.stored(i));
  }

  /** Row `i` as stored: its text still carries the importance and ack tags. */
  stored(i: number): RawMessage {
    const dm = this.d(i);
    if (dm)
      return {
        number: dm.number,
        id: dm.id,
        time: dm.time,
        from: dm.from,
        target: dm.target,
        text: dm.text,
        replyTo: dm.replyTo,
      };
    const number = this.m(i, 0);
    return {
      number: number === 0 ? null : number,
      id: this.id(i),
      time: this.time(i),
      from: this.from(i),
      target: this.target(i),
      text: this.text(i),
      replyTo: this.replyTo(i),
    };
  }

  /** What message i replies to, as written (a number or an id), or null. */
  replyTo(i: number): number | string | null {
    const dm = this.d(i);
    if (dm) return dm.replyTo;
    const reply = this.m(i, 7);
    return reply > 0 ? reply : reply === -1 ? (this.header.replies[i] ?? null) : null;
  }

  /** The delta's postings, documents numbered after the base's. */
  private deltaIndex(): PostingIndex {
    if (this.deltaPostings) return this.deltaPostings;
    const index = new PostingIndex(this.baseCount);
    this.delta.forEach((m, k) => index.add({ id: this.baseCount + k, text: m.text, from: m.from, room: m.room ?? '' }));
    this.deltaPostings = index;
    return index;
  }

  /** The base's postings, read from the file as a query reaches them. */
  private baseSource(): PostingSource {
    if (this.base) return this.base;
    const vocab = this.lines('vocab');
    const postStart = this.u32('postStart');
    const postDf = this.u32('postDf');
    const size = (k: number) => postDf[k * 3] + postDf[k * 3 + 1] + postDf[k * 3 + 2];
    const base: PostingSource = {
      vocab: () => vocab,
      size,
      df: (k: number, field: number) => postDf[k * 3 + field],
      postings: (k: number) => decodePostings(this.section('post', postStart[k], postStart[k + 1]), size(k)),
    };
    this.base = base;
    return base;
  }

  ranked(query: string): RankedHits {
    const sources: PostingSource[] = [this.baseSource()];
    const sums = this.header.fieldLengthSums.slice();
    if (this.delta.length > 0) {
      const delta = this.deltaIndex();
      sources.push(delta);
      for (let f = 0; f < sums.length; f++) sums[f] += delta.sums[f];
    }
    return rankedSearch(
      sources,
      query,
      this.count,
      sums.map((s) => (this.count > 0 ? s / this.count : 0)),
    );
  }
}

/** The longest lower-cased text section decoded as one string (V8's limit is near 2^29 characters). */
const MAX_SCAN_STRING = 256 * 1024 * 1024;

function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}

function readVarint(bytes: Uint8Array, p: number): [number, number] {
  let v = 0;
  let shift = 0;
  let b: number;
  do {
    b = bytes[p++];
    v += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b >= 0x80);
  return [v, p];
}

/** Puts a text's differing bytes (its case entry at `p`, of the 2k form) back into the lower-cased bytes at `at`. */
function patchCase(bytes: Uint8Array, at: number, entry: Uint8Array, p: number): void {
  const [diffs, first] = readVarint(entry, p);
  let q = first;
  let pos = at;
  for (let k = diffs / 2; k > 0; k--) {
    let gap: number;
    [gap, q] = readVarint(entry, q);
    pos += gap;
    bytes[pos] = entry[q++];
  }
}

/** Where withCase() puts a text's letters back: one text at a time, so one buffer for all. */
let caseScratch = Buffer.alloc(1024);

/** A text from its lower-cased bytes (left as they are) and its case entry. */
function withCase(lower: Uint8Array, entry: Uint8Array): string {
  if (entry[0] === 1) return utf8(entry.subarray(1));
  if (entry[0] === 0) return utf8(lower);
  if (caseScratch.length < lower.length) caseScratch = Buffer.alloc(2 * lower.length);
  caseScratch.set(lower);
  patchCase(caseScratch, 0, entry, 0);
  return caseScratch.toString('utf8', 0, lower.length);
}
