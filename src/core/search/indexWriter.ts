/**
 * Writes the persisted search index (format: indexFormat.ts) from messages
 * handed over one at a time in corpus order. The big column (the lower-cased
 * texts) goes to the file as it is produced; the rest is kept in typed arrays
 * sized for the message count (the postings as varint bytes per term) and
 * written after it, the header last. Two producers feed it: a scan of the
 * directory's files (indexBuilder.ts: the CLI's first search) and a loaded
 * store (writeSearchCache: a command that loaded the directory anyway).
 */
import * as fs from 'fs';
import { Layout } from '../disk/layout';
import { fileTail, withFileIfExists } from '../disk/fsutil';
import { DirectoryStore } from '../read/store';
import { StampedSource } from '../read/sources';
import { MessageSearchIndex } from './memoryIndex';
import { TermCounter } from './termCounter';
import {
  BlocksDigest,
  decodeTime,
  encodeTime,
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
  text: string;
  /** The transcript blocks that copy it: source key and the block's last line. */
  refs: ReadonlyArray<{ source: string; lastLine: number }>;
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
    const writer = new IndexWriter(fd, count, store.lineCount);
    for (let i = 0; i < count; i++) {
      const m = index.stored(i);
      writer.add({
        ...m,
        time: encodeTime(m.time),
        parent: index.parent(i),
        refs: m.refs.map((r) => ({ source: r.source, lastLine: r.block.lastLine })),
      });
    }
    writer.finish(log, files);
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
    clean: Buffer.from(tail, 'base64').toString('latin1').endsWith('---\n'),
  };
}

/**
 * Writes a new temporary file beside `file` (named so a later write removes
 * it if this process dies, see isLeftover) and returns its path; removes it
 * and rethrows when `write` fails.
 */
export function writeTemporary(file: string, write: (fd: number) => void): string {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
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

/** Growable bytes with varints (the postings, the text case column). */
class ByteList {
  private data = new Uint8Array(16);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.data.length) return;
    const grown = new Uint8Array(Math.max(this.data.length * 2, this.length + n));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }

  /** An unsigned value below 2^32, 7 bits a byte, low first. */
  varint(v: number): void {
    this.room(5);
    while (v >= 0x80) {
      this.data[this.length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.data[this.length++] = v;
  }

  byte(b: number): void {
    this.room(1);
    this.data[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.data.set(b, this.length);
    this.length += b.length;
  }

  view(): Uint8Array {
    return this.data.subarray(0, this.length);
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

/** One term's postings as they are added (see decodePostings for the encoding). */
class TermPostings extends ByteList {
  readonly df = new Uint32Array(3);
  private last = 0;

  add(key: number, field: number, tf: number, length: number): void {
    this.varint(key - this.last);
    this.last = key;
    const len = Math.min(length, 0xffff);
    if (tf === 1) this.varint(len * 2);
    else {
      this.varint(len * 2 + 1);
      this.varint(Math.min(tf, 0xffff));
    }
    this.df[field]++;
  }
}

const STAGE_BYTES = 1 << 22;
/** from and room values repeat: their terms are worked out once each (up to this many values). */
const FIELD_CACHE = 4096;

export class IndexWriter {
  private readonly meta: Int32Array;
  private readonly ids: Uint32Array;
  private readonly idKeys: Uint32Array;
  private readonly times: Float64Array;
  private readonly lowerStarts: Uint32Array;
  private readonly caseStarts: Uint32Array;
  private readonly chars: Uint32Array;
  private readonly refStarts: Uint32Array;
  private readonly refs = new Int32List();
  private readonly caseBytes = new ByteList();
  private readonly oddIdAt: number[] = [];
  private readonly oddIds: string[] = [];
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  private readonly sourceKeys: string[] = [];
  private readonly sourceIds = new Map<string, number>();
  private readonly replies: Record<string, string | number> = {};
  private readonly counter = new TermCounter();
  /** Postings by term id (the counter's). */
  private readonly postings: TermPostings[] = [];
  private readonly fieldCache = new Map<string, { length: number; terms: Int32Array; tf: Int32Array }>();
  private readonly sums = [0, 0, 0];
  private n = 0;
  /** The lower-cased texts not yet written, and how many bytes of them were. */
  private readonly stage = Buffer.allocUnsafe(STAGE_BYTES);
  private staged = 0;
  private flushed = 0;
  private scratch = Buffer.allocUnsafe(1 << 16);
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
    this.lowerStarts = new Uint32Array(count + 1);
    this.caseStarts = new Uint32Array(count + 1);
    this.chars = new Uint32Array(count + 1);
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
    for (const ref of row.refs) this.refs.push(this.sourceId(ref.source), ref.lastLine);
    this.refStarts[i + 1] = this.refs.length / 2;
    this.addText(i, row.text);
    this.addTextField(i * 4, row.text);
    this.addField(i * 4 + 1, 1, this.cachedTerms(row.from));
    this.addField(i * 4 + 2, 2, this.cachedTerms(row.room ?? ''));

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
    if (s === null) return -1;
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  private sourceId(key: string): number {
    let id = this.sourceIds.get(key);
    if (id === undefined) {
      id = this.sourceKeys.length;
      this.sourceKeys.push(key);
      this.sourceIds.set(key, id);
    }
    return id;
  }

  /** The lower-cased text goes to the file; the text itself is kept as the bytes that differ from it. */
  private addText(i: number, text: string): void {
    const lower = text.toLowerCase();
    const room = lower.length * 3 + 1;
    if (this.staged + room > STAGE_BYTES) this.flush();
    let lowerBytes: Buffer;
    if (room > STAGE_BYTES) {
      lowerBytes = Buffer.from(lower, 'utf8');
      writeAll(this.fd, lowerBytes, PREFIX_BYTES + this.flushed);
      writeAll(this.fd, ZERO, PREFIX_BYTES + this.flushed + lowerBytes.length);
      this.flushed += lowerBytes.length + 1;
    } else {
      const length = this.stage.write(lower, this.staged, 'utf8');
      lowerBytes = this.stage.subarray(this.staged, this.staged + length);
      this.stage[this.staged + length] = 0;
      this.staged += length + 1;
    }
    this.lowerStarts[i + 1] = this.lowerStarts[i] + lowerBytes.length + 1;
    this.chars[i + 1] = this.chars[i] + lower.length + 1;
    const out = this.caseBytes;
    if (lower === text) out.varint(0);
    else if (lowerBytes.length === lower.length && text.length === lower.length && asciiCase(text, lower, out)) {
      // Done: ASCII text, positions are bytes.
    } else {
      if (this.scratch.length < text.length * 3) this.scratch = Buffer.allocUnsafe(text.length * 3);
      const textBytes = this.scratch.subarray(0, this.scratch.write(text, 0, 'utf8'));
      if (textBytes.length === lowerBytes.length && text.length === lower.length) {
        let k = 0;
        for (let p = 0; p < textBytes.length; p++) if (textBytes[p] !== lowerBytes[p]) k++;
        out.varint(2 * k);
        let last = 0;
        for (let p = 0; p < textBytes.length; p++) {
          if (textBytes[p] === lowerBytes[p]) continue;
          out.varint(p - last);
          out.byte(textBytes[p]);
          last = p;
        }
      } else {
        out.varint(1);
        out.bytes(textBytes);
      }
    }
    this.caseStarts[i + 1] = out.length;
  }

  private flush(): void {
    if (this.staged === 0) return;
    writeAll(this.fd, this.stage.subarray(0, this.staged), PREFIX_BYTES + this.flushed);
    this.flushed += this.staged;
    this.staged = 0;
  }

  /** The text field: counted afresh each time. */
  private addTextField(key: number, text: string): void {
    const counter = this.counter;
    const length = counter.count(text);
    this.sums[0] += length;
    for (const term of counter.found) this.posting(term).add(key, 0, counter.tf[term], length);
  }

  /** Sender and room repeat: each value is counted once. */
  private cachedTerms(value: string): { length: number; terms: Int32Array; tf: Int32Array } {
    let terms = this.fieldCache.get(value);
    if (!terms) {
      const counter = this.counter;
      const length = counter.count(value);
      const found = Int32Array.from(counter.found);
      terms = { length, terms: found, tf: found.map((t) => counter.tf[t]) };
      if (this.fieldCache.size < FIELD_CACHE) this.fieldCache.set(value, terms);
    }
    return terms;
  }

  private addField(
    key: number,
    field: number,
    { length, terms, tf }: { length: number; terms: Int32Array; tf: Int32Array },
  ): void {
    this.sums[field] += length;
    for (let k = 0; k < terms.length; k++) this.posting(terms[k]).add(key, field, tf[k], length);
  }

  private posting(term: number): TermPostings {
    return (this.postings[term] ??= new TermPostings());
  }

  /** Writes everything after the texts, then the header, then the prefix that points at it. */
  finish(log: LogState, files: Record<string, FileState>): void {
    if (this.n !== this.count) throw new Error(`${this.n} of ${this.count} messages added`);
    this.flush();
    const sections: Record<string, [number, number]> = { lowerText: [PREFIX_BYTES, this.flushed] };
    let at = PREFIX_BYTES + this.flushed;
    const put = (name: string, bytes: Uint8Array) => {
      at = align(at);
      writeAll(this.fd, bytes, at);
      sections[name] = [at, bytes.length];
      at += bytes.length;
    };
    put('lowerTextStarts', bytesOf(this.lowerStarts));
    put('textCase', this.caseBytes.view());
    put('textCaseStarts', bytesOf(this.caseStarts));
    put('textChars', bytesOf(this.chars));
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

    // Postings, in sorted term order (every term the counter met has postings: it met it in a field).
    const names = this.counter.terms;
    const vocab = names.map((_, id) => id).sort((a, b) => (names[a] < names[b] ? -1 : 1));
    const postStart = new Uint32Array(vocab.length + 1);
    const postDf = new Uint32Array(vocab.length * 3);
    vocab.forEach((term, k) => {
      const p = this.postings[term];
      postStart[k + 1] = postStart[k] + p.length;
      postDf.set(p.df, k * 3);
    });
    put('vocab', Buffer.from(vocab.map((id) => names[id]).join('\n'), 'utf8'));
    put('postDf', bytesOf(postDf));
    put('postStart', bytesOf(postStart));
    at = align(at);
    sections.post = [at, postStart[vocab.length]];
    for (const term of vocab) {
      const p = this.postings[term];
      if (this.staged + p.length > STAGE_BYTES) {
        writeAll(this.fd, this.stage.subarray(0, this.staged), at);
        at += this.staged;
        this.staged = 0;
      }
      if (p.length > STAGE_BYTES) {
        writeAll(this.fd, p.view(), at);
        at += p.length;
      } else {
        this.stage.set(p.view(), this.staged);
        this.staged += p.length;
      }
    }
    writeAll(this.fd, this.stage.subarray(0, this.staged), at);
    at += this.staged;
    this.staged = 0;

    const time = (t: number) => (t < 0 ? null : decodeTime(t));
    const header: Header = {
      version: FORMAT_VERSION,
      log: { ...log, lines: this.lineCount },
      files,
      count: this.count,
      fieldLengthSums: this.sums.slice(),
      strings: this.strings,
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
      sourceKeys: this.sourceKeys,
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

/**
 * The case entry of an ASCII text whose lower-cased form is `lower` (same
 * length, all ASCII): false, writing nothing, when a differing character is
 * not ASCII (then the bytes are compared instead).
 */
function asciiCase(text: string, lower: string, out: ByteList): boolean {
  let k = 0;
  for (let p = 0; p < text.length; p++) {
    const c = text.charCodeAt(p);
    if (c === lower.charCodeAt(p)) continue;
    if (c >= 128) return false;
    k++;
  }
  out.varint(2 * k);
  let last = 0;
  for (let p = 0; p < text.length; p++) {
    const c = text.charCodeAt(p);
    if (c === lower.charCodeAt(p)) continue;
    out.varint(p - last);
    out.byte(c);
    last = p;
  }
  return true;
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

const ZERO = Buffer.alloc(1);
const align = (n: number) => Math.ceil(n / 8) * 8;

function bytesOf(a: Int32Array | Uint32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
}
