/**
 * Reads the persisted search index (format: indexFormat.ts) as a search
 * corpus: the header, the small vocabulary, the postings of the terms a query
 * reaches and single rows of what it prints, with the delta (indexDelta.ts)
 * appended after the base.
 */
import * as fs from 'fs';
import { Message, MessageRef, RawMessage } from '../common/messageTypes';
import { messageFromStored } from '../formats/attentionTags';
import { Layout } from '../disk/layout';
import { readRange } from '../disk/fsutil';
import { lowerBound, markMatchedEntries } from '../common/sortedSearch';
import { MessageShape as Shape, sameMessage } from '../read/messageIdentity';
import { PostingIndex } from './memoryIndex';
import { PostingSource, RankedHits, rankedSearch } from './ranking';
import { SearchCorpus } from './searchEngine';
import { DeltaMessage, FORMAT_VERSION, Header, idKey, MAGIC, META } from './indexFormat';

/** Texts are scanned this many bytes at a time (memory stays flat at any size). */
const TEXT_CHUNK = 8 << 20;
/** Meta rows read at once by a pass in order. */
const WINDOW_ROWS = 1 << 16;

export function openCache(layout: Layout): CachedCorpus | null {
  let fd: number;
  try {
    fd = fs.openSync(layout.searchIndex, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = readRange(fd, 0, Math.min(size, 8));
    if (head.length < 8 || head.toString('latin1', 0, 4) !== MAGIC) throw new Error('not ours');
    const header = JSON.parse(readRange(fd, 8, 8 + head.readUInt32LE(4)).toString('utf8')) as Header;
    if (header.version !== FORMAT_VERSION) throw new Error('old format');
    const last = Object.values(header.sections).reduce((m, [o, l]) => Math.max(m, o + l), 0);
    if (last > size) throw new Error('truncated');
    return new CachedCorpus(fd, header);
  } catch {
    fs.closeSync(fd);
    return null;
  }
}

export class CachedCorpus implements SearchCorpus {
  count: number;
  readonly baseCount: number;
  /** The whole meta section, once a scan of every text needed it (prepareScan); a window of rows before that. */
  private meta: Int32Array | null = null;
  private delta: DeltaMessage[] = [];
  private deltaPostings: PostingIndex | null = null;
  private base: PostingSource | null = null;
  private columns = new Map<string, { starts: Uint32Array; bytes: Buffer }>();
  private textStarts: Uint32Array | null = null;
  private textBuf: Buffer | null = null;
  private textCache = new Map<number, string>();

  constructor(
    private readonly fd: number,
    readonly header: Header,
  ) {
    this.count = header.count;
    this.baseCount = header.count;
  }

  /**
   * Meta word k of base row i, read through a window of rows: a few rows
   * around i for a lookup, growing (to WINDOW_ROWS) while rows are read in
   * order, so a pass over a million rows holds two megabytes, not the section.
   */
  private m(i: number, k: number): number {
    if (this.meta) return this.meta[i * META + k];
    const from = this.windowFrom;
    const rows = this.window.length / META;
    if (i < from || i >= from + rows) {
      const onward = i >= from + rows && i < from + rows + this.windowSize * 4;
      this.windowSize = onward ? Math.min(WINDOW_ROWS, this.windowSize * 4) : 16;
      const start = i - (i % this.windowSize);
      const end = Math.min(this.baseCount, start + this.windowSize);
      const bytes = this.section('meta', start * META * 4, end * META * 4);
      this.window = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      this.windowFrom = start;
      return this.window[(i - start) * META + k];
    }
    return this.window[(i - from) * META + k];
  }

  private window: Int32Array = new Int32Array(0);
  private windowFrom = 0;
  private windowSize = 16;

  private allMeta(): Int32Array {
    if (!this.meta) {
      this.meta = new Int32Array(this.section('meta').buffer);
      this.window = new Int32Array(0);
    }
    return this.meta;
  }

  /** One u32 of a section. */
  private word(name: string, k: number): number {
    const b = this.section(name, k * 4, k * 4 + 4);
    return new Uint32Array(b.buffer, b.byteOffset, 1)[0];
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

  /** Base positions whose time is exactly `time` (binary search over the time order, a few small reads). */
  private positionsWithTime(time: string): number[] {
    const n = this.baseCount;
    const at = (k: number) => this.time(this.word('timeOrder', k));
    const out: number[] = [];
    for (let k = lowerBound(n, (i) => at(i) < time); k < n && at(k) === time; k++) out.push(this.word('timeOrder', k));
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
    const lo = lowerBound(this.baseCount, (i) => this.word('idHash', i) < key);
    return lo < this.baseCount && this.word('idHash', lo) === key;
  }

  private refStarts: Uint32Array | null = null;
  private refWords: Int32Array | null = null;

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
    if (!this.refStarts) {
      this.refStarts = this.u32('refStarts');
      this.refWords = new Int32Array(this.section('refs').buffer);
    }
    const out: Array<{ source: string; lastLine: number }> = [];
    for (let k = this.refStarts[i]; k < this.refStarts[i + 1]; k++)
      out.push({ source: this.header.sourceKeys[this.refWords![k * 2]], lastLine: this.refWords![k * 2 + 1] });
    return out;
  }

  /** Calls `each` for every transcript block copying a message: the message row, the block source, its last line. */
  eachRef(each: (i: number, source: string, lastLine: number) => void): void {
    const starts = this.u32('refStarts');
    const words = new Int32Array(this.section('refs').buffer);
    const keys = this.header.sourceKeys;
    for (let i = 0; i < this.baseCount; i++)
      for (let k = starts[i]; k < starts[i + 1]; k++) each(i, keys[words[k * 2]], words[k * 2 + 1]);
    this.delta.forEach((m, k) => m.claimed.forEach((source, j) => each(this.baseCount + k, source, m.claimedLines[j])));
  }

  /** The newest time of any message. */
  newestTime(): string {
    let newest = this.header.maxTime;
    for (const m of this.delta) if (m.time > newest) newest = m.time;
    return newest;
  }

  /**
   * Marks in `hit` the rows whose text (lower-cased with `lower`) contains one
   * of `needles`, reading the base's texts a few megabytes at a time. A row may
   * be marked for a match across its end: callers check the rows marked.
   */
  markTextContaining(needles: string[], lower: boolean, hit: Uint8Array): void {
    const name = lower ? 'lowerText' : 'text';
    const starts = lower ? this.u32('lowerTextStarts') : (this.textStarts ??= this.u32('textBytes'));
    const length = this.header.sections[name][1];
    const wanted = needles.map((n) => Buffer.from(n, 'utf8'));
    const overlap = Math.max(0, ...wanted.map((b) => b.length - 1));
    for (let from = 0; from < length; from += TEXT_CHUNK) {
      const raw = this.section(name, from, Math.min(length, from + TEXT_CHUNK + overlap));
      const chunk = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
      for (const needle of wanted) {
        for (let at = chunk.indexOf(needle); at !== -1 && at < TEXT_CHUNK; at = chunk.indexOf(needle, at + 1)) {
          const offset = from + at;
          hit[lowerBound(this.baseCount, (i) => starts[i + 1] <= offset)] = 1;
        }
      }
    }
    this.delta.forEach((m, k) => {
      const text = lower ? m.text.toLowerCase() : m.text;
      if (needles.some((n) => text.includes(n))) hit[this.baseCount + k] = 1;
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

  private section(name: string, from = 0, to?: number): Uint8Array {
    const [offset, length] = this.header.sections[name];
    const end = Math.min(length, to ?? length);
    const out = new Uint8Array(Math.max(0, end - from));
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

  text(i: number): string {
    const dm = this.d(i);
    if (dm) return dm.text;
    if (this.textAll !== null) return this.textAll.slice(this.textChars![i], this.textChars![i + 1]);
    const hit = this.textCache.get(i);
    if (hit !== undefined) return hit;
    if (!this.textStarts && this.textCache.size >= 256) this.textStarts = this.u32('textBytes');
    let start: number;
    let end: number;
    if (this.textStarts) {
      start = this.textStarts[i];
      end = this.textStarts[i + 1];
    } else {
      const se = this.section('textBytes', i * 4, i * 4 + 8);
      const pair = new Uint32Array(se.buffer, se.byteOffset, 2);
      start = pair[0];
      end = pair[1];
    }
    let text: string;
    if (this.textBuf) {
      text = this.textBuf.toString('utf8', start, end);
    } else {
      const bytes = this.section('text', start, end);
      text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
    }
    if (!this.textBuf) this.textCache.set(i, text);
    return text;
  }

  /** Exact queries: byte search over the lower-cased columns, then the delta's texts. */
  findSubstring(needle: string): number[] | null {
    if (needle.length === 0 || needle.includes('\u0000')) return null;
    const bytes = Buffer.from(needle, 'utf8');
    const hit = new Uint8Array(this.count);
    for (const name of ['lowerText', 'lowerWho']) {
      const raw = this.section(name);
      const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
      // The starts are read only when there is a match.
      if (buf.indexOf(bytes) === -1) continue;
      markMatchedEntries((from) => buf.indexOf(bytes, from), this.u32(`${name}Starts`), this.baseCount, hit);
    }
    this.delta.forEach((m, k) => {
      if (m.text.toLowerCase().includes(needle) || `${m.from} ${m.target}`.toLowerCase().includes(needle))
        hit[this.baseCount + k] = 1;
    });
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) if (hit[i] === 1) out.push(i);
    return out;
  }

  /** Exact and regex queries read every text: load them in one read. */
  prepareScan(): void {
    if (this.textAll !== null) return;
    const bytes = this.section('text');
    this.textAll = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
    this.textChars = this.u32('textChars');
    this.allMeta();
  }

  private textAll: string | null = null;
  private textChars: Uint32Array | null = null;
  private whoByPair = new Map<number, string>();

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

  private loadColumn(name: string): { starts: Uint32Array; bytes: Buffer } {
    let col = this.columns.get(name);
    if (!col) {
      const bytes = this.section(name);
      col = { starts: this.u32(`${name}Starts`), bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) };
      this.columns.set(name, col);
    }
    return col;
  }

  private columnReads = new Map<string, number>();

  /** One value of a string column: a small read each, or the whole column once many were needed. */
  private column(name: string, i: number): string {
    const reads = this.columnReads.get(name) ?? 0;
    if (this.columns.has(name) || reads >= 256) {
      const col = this.loadColumn(name);
      return col.bytes.toString('utf8', col.starts[i], col.starts[i + 1]);
    }
    this.columnReads.set(name, reads + 1);
    const se = this.section(`${name}Starts`, i * 4, i * 4 + 8);
    const starts = new Uint32Array(se.buffer, se.byteOffset, 2);
    const bytes = this.section(name, starts[0], starts[1]);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  }

  time(i: number): string {
    return this.d(i)?.time ?? this.column('times', i);
  }

  id(i: number): string {
    return this.d(i)?.id ?? this.column('ids', i);
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
    for (let i = 0; i < this.count; i++)
      if ((i < this.baseCount ? this.m(i, 0) === 0 : this.d(i)!.number === null) && this.id(i) === text) return i;
    for (let i = 0; i < this.count; i++) if (this.id(i) === text) return i;
    return -1;
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
    const reply = this.m(i, 7);
    const number = this.m(i, 0);
    return {
      number: number === 0 ? null : number,
      id: this.id(i),
      time: this.time(i),
      from: this.from(i),
      target: this.target(i),
      text: this.text(i),
      replyTo: reply > 0 ? reply : reply === -1 ? (this.header.replyIds[i] ?? null) : null,
    };
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
    const base: PostingSource = {
      vocab: () => vocab,
      size: (k: number) => postStart[k + 1] - postStart[k],
      df: (k: number, field: number) => postDf[k * 3 + field],
      postings: (k: number) => {
        const bytes = this.section('post', postStart[k] * 8, postStart[k + 1] * 8);
        return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      },
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
