/**
 * The persisted search index's file format (data/.coord-search-index):
 * "CSI2", u32 format version, f64 header offset, u32 header length, u32 0,
 * then 8-byte-aligned sections, then the header JSON at the end (so the
 * sections can be written as they are produced, before the header's size is
 * known). The header names the sections and records the state of the files
 * the index was built from, so a reader can tell what changed since (see
 * indexDelta.ts).
 *
 * Sections, for `count` messages in allMessages() order:
 *   lowerText       each text lower-cased, UTF-8, followed by a NUL (exact
 *                   queries search it whole; a match cannot span two texts)
 *   lowerTextStarts u32[count + 1] byte offsets into lowerText
 *   textCase        per message, how to get its text back from lowerText:
 *                   varint 0 (the same), varint 2k then k (varint gap, byte)
 *                   pairs (the UTF-8 bytes that differ, e.g. capitals), or
 *                   varint 1 then the text's UTF-8 bytes verbatim
 *   textCaseStarts  u32[count + 1] byte offsets into textCase
 *   textChars       u32[count + 1] UTF-16 offsets into lowerText decoded whole
 *   meta            i32[count * META]: number, last line, from, target, room,
 *                   to (indexes into header.strings, -1 for none), parent,
 *                   reply (a number > 0, 0 for none, -1: see header.replies)
 *   ids             u32[count]: an 8-hex id's value (oddIdAt/oddIds hold the rest)
 *   times           f64[count]: YYYYMMDDhhmmss as a number, -1 for none
 *   refStarts, refs which transcript blocks copy each message: i32 pairs
 *                   (index into header.sourceKeys, the block's last line)
 *   vocab           the indexed terms, sorted, joined by "\n"
 *   postDf          u32[terms * 3]: documents holding the term, per field
 *   postStart       u32[terms + 1] byte offsets into post
 *   post            per term, its postings (see encodePosting), doc order
 *   idHash          u32[count] every id's idKey, sorted (the delta's id check)
 *   timeOrder       u32[count] positions by time (absent when times never
 *                   decrease, i.e. the order is the identity)
 *   tagStarts       u32[tags + 1] offsets into tagRows, per header.tags entry
 *   tagRows         per text tag (textTags.ts: an instance named by an
 *                   @-mention, @all, alert, urgent, ack), the rows carrying
 *                   it, ascending
 */
import { fnv } from '../common/fnv';
import { fileTail } from '../disk/fsutil';
import { StoredMessage } from '../read/storedMessage';
import { TranscriptBlock } from '../formats/transcript';
import { localMillis } from '../common/time';

export const MAGIC = 'CSI2';
export const FORMAT_VERSION = 15;
/** Bytes before the first section: magic, version, header offset and length. */
export const PREFIX_BYTES = 24;
/** Int32 words per message row in the meta section. */
export const META = 8;
/** A delta larger than this is folded into a new base. */
export const MAX_DELTA_MESSAGES = 2000;
export const MAX_DELTA_BYTES = 1 << 20;

export interface LogState {
  /** -1 when there is no log. */
  size: number;
  tail: string;
  /** Physical lines (the store's line count). */
  lines: number;
  endsCR: boolean;
  /** The last line has no terminator. */
  partial: boolean;
  /** The file's inode, modification time and a digest of its first bytes: an edit in place is a change, not growth. */
  ino: number;
  mtimeMs: number;
  head: string;
}

export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

export interface FileState extends FileStamp {
  tail: string;
  lines: number;
  /** Message blocks (or Python DM lines) in the file, and a digest of them. */
  blocks: number;
  digest: string;
  /** Ends after a complete block ("---\n"): new bytes parse on their own. */
  clean: boolean;
}

export interface Header {
  version: number;
  log: LogState;
  files: Record<string, FileState>;
  count: number;
  /** Sum of each field's lengths over the base's documents. */
  fieldLengthSums: number[];
  strings: string[];
  /** Replies the meta row cannot hold (an id, or a number outside 1..2^31-1), by position. */
  replies: Record<string, string | number>;
  sections: Record<string, [number, number]>;
  /** Newest time of any message, of a log message, of a legacy one, of the legacy ones after the last log message. */
  maxTime: string;
  maxLogTime: string | null;
  maxLegacyTime: string | null;
  maxTrailingTime: string | null;
  logCount: number;
  /** The smallest reply number past the log's end (a reply new lines could resolve), 0 when none. */
  unresolvedFrom: number;
  unresolvedIds: string[];
  /** Recipients of log messages: a new room file with one of these names would change how a bare target reads. */
  toNames: string[];
  /** Rooms log lines were sent to, [spelling, time of the first], in order of first use (the room rule's evidence). */
  logRooms: Array<[string, string]>;
  /** Source keys the refs section points into. */
  sourceKeys: string[];
  /** The text tags the tagStarts and tagRows sections list, sorted. */
  tags: string[];
}

/** A file whose last bytes (FileState.tail) close a block: bytes appended after them parse on their own. */
export const endsClean = (tail: string) => Buffer.from(tail, 'base64').toString('latin1').endsWith('---\n');

export const sameStamp = (a: FileStamp, b: FileStamp) =>
  a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;

/**
 * The open file (`size` bytes, inode `ino`) is the one `old` describes with bytes appended after a complete block
 * (or none): only the new bytes need reading.
 */
export function onlyGrown(fd: number, old: FileState, ino: number, size: number): boolean {
  return old.clean && old.ino === ino && size >= old.size && fileTail(fd, old.size) === old.tail;
}

/**
 * An order-independent digest of a file's message blocks (what search sees of
 * them), fed one block at a time: two 32-bit FNV-style hashes of each block's
 * fields, summed.
 */
export class BlocksDigest {
  private n = 0;
  private a = 0;
  private b = 0;
  private h1 = 0;
  private h2 = 0;

  add(block: TranscriptBlock): void {
    this.h1 = 0x811c9dc5;
    this.h2 = 0x5bd1e995;
    this.mix(block.time);
    this.mix(block.from);
    this.mix(block.to ?? '');
    this.mix(block.id ?? '');
    this.mixNumber(block.firstLine);
    this.mix(block.text);
    this.a = (this.a + (this.h1 >>> 0)) >>> 0;
    this.b = (this.b + (this.h2 >>> 0)) >>> 0;
    this.n++;
  }

  /** A field: two characters a step, then its length (which ends it). */
  private mix(s: string): void {
    let h1 = this.h1;
    let h2 = this.h2;
    const n = s.length;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const c = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x2f0b3c4d);
    }
    const last = (i < n ? s.charCodeAt(i) : 0) ^ (n << 16);
    this.h1 = Math.imul(h1 ^ last, 0x01000193);
    this.h2 = Math.imul(h2 ^ last, 0x2f0b3c4d);
  }

  private mixNumber(v: number): void {
    this.h1 = Math.imul(this.h1 ^ v, 0x01000193);
    this.h2 = Math.imul(this.h2 ^ v, 0x2f0b3c4d);
  }

  get blocks(): number {
    return this.n;
  }

  toString(): string {
    return `${this.n}:${this.a.toString(16)}:${this.b.toString(16)}`;
  }
}

export function blocksDigest(blocks: TranscriptBlock[]): string {
  const digest = new BlocksDigest();
  for (const block of blocks) digest.add(block);
  return digest.toString();
}

const HEX8 = /^[0-9a-f]{8}$/;

/** An id as a u32: 8-hex ids as their value, anything else hashed. */
export function idKey(id: string): number {
  return HEX8.test(id) ? parseInt(id, 16) : fnv(id, 0x811c9dc5);
}

/** An 8-hex id's value (the ids section), or -1 for any other id (kept as a string beside it). */
export function hexIdValue(id: string): number {
  if (id.length !== 8) return -1;
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const c = id.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

const DIGIT = (s: string, i: number) => s.charCodeAt(i) - 48;

/**
 * A timestamp as a number that sorts the way the string does: YYYYMMDDhhmmss,
 * exact in a double; -1 for none (an orphan log line's ''). Every time the
 * readers produce has this shape (TIMESTAMP_SOURCE); anything else throws.
 */
export function encodeTime(time: string): number {
  if (time === '') return -1;
  if (time.length === 19) {
    let v = 0;
    for (let i = 0; i < 19; i++) {
      const d = DIGIT(time, i);
      if (i === 4 || i === 7) {
        if (d !== 45 - 48) break; // '-'
      } else if (i === 10) {
        if (d !== 32 - 48) break; // ' '
      } else if (i === 13 || i === 16) {
        if (d !== 58 - 48) break; // ':'
      } else if (d < 0 || d > 9) break;
      else v = v * 10 + d;
      if (i === 18) return v;
    }
  }
  throw new Error(`not a timestamp: ${JSON.stringify(time)}`);
}

let lastDay = -1;
let lastDayText = '';
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

export function decodeTime(value: number): string {
  if (value < 0) return '';
  const day = Math.floor(value / 1e6);
  if (day !== lastDay) {
    const d = String(day).padStart(8, '0');
    lastDayText = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)} `;
    lastDay = day;
  }
  const t = value - day * 1e6;
  const h = Math.floor(t / 1e4);
  const m = Math.floor(t / 100) % 100;
  return `${lastDayText}${pad2(h)}:${pad2(m)}:${pad2(t % 100)}`;
}

/** timestampToMillis(decodeTime(value)), without building the string. */
export function decodedTimeMillis(value: number): number {
  if (value < 0) return NaN;
  const day = Math.floor(value / 1e6);
  const t = value - day * 1e6;
  return localMillis(
    Math.floor(day / 1e4),
    Math.floor(day / 100) % 100,
    day % 100,
    Math.floor(t / 1e4),
    Math.floor(t / 100) % 100,
    t % 100,
  );
}

/**
 * Reads a term's postings one at a time. Each is the gap from the previous
 * posting's doc * 4 + field (from 0 for the first), then the field's length
 * * 2 + (frequency > 1), then the frequency when it is above 1; varints.
 * Frequency and length saturate at 0xffff, as in memory (see packPosting).
 */
export class PostingReader {
  /** doc * 4 + field, the term's frequency and the field's length of the posting `next` read. */
  key = 0;
  tf = 1;
  length = 0;
  private p = 0;

  constructor(private readonly bytes: Uint8Array) {}

  next(): boolean {
    if (this.p >= this.bytes.length) return false;
    this.key += this.varint();
    const lf = this.varint();
    this.length = Math.floor(lf / 2);
    this.tf = lf % 2 === 1 ? this.varint() : 1;
    return true;
  }

  private varint(): number {
    let v = 0;
    let scale = 1;
    let b: number;
    do {
      b = this.bytes[this.p++];
      v += (b & 0x7f) * scale;
      scale *= 128;
    } while (b >= 0x80);
    return v;
  }
}

/** A term's `count` postings as the ranked engine reads them: (doc * 4 + field, frequency | length << 16) pairs. */
export function decodePostings(bytes: Uint8Array, count: number): Uint32Array {
  const out = new Uint32Array(count * 2);
  const reader = new PostingReader(bytes);
  for (let j = 0; j < count * 2 && reader.next(); j += 2) {
    out[j] = reader.key;
    out[j + 1] = (reader.tf | (reader.length << 16)) >>> 0;
  }
  return out;
}

/** A message appended since the base was written: a stored one whose transcript copies are known by source. */
export interface DeltaMessage extends Omit<StoredMessage, 'refs'> {
  /** Position of its parent in the whole corpus, or -1. */
  parent: number;
  /** Sources whose blocks it took (a source lends one block per message), and each block's last line. */
  claimed: string[];
  claimedLines: number[];
  idFromBlock: boolean;
}
