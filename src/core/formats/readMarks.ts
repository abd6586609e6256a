/**
 * Read marks, in three shapes:
 *   read-status/<id>.txt              `12: read at ts` (Python) or `12:ts` (bash), duplicates
 *                                     allowed; ours also writes `id:8abda4b6: read at ts` for
 *                                     transcript-only legacy messages (Python skips such lines)
 *   read-status/<id>_positions.txt    `chatroom:<room>:   N` / `dm:<a>_<b>:   N`, the number of
 *                                     transcript lines read (the sample's counts are lines)
 *   read-status/dm_<a>_<b>_reads.txt  `[ts] <id-prefix> read by <id>`
 */
import { splitLines } from '../disk/lines';

export interface ReadMarks {
  /** Message number -> the latest time it was marked ('' when the line has no time). */
  numbers: MarkedNumbers;
  ids: Set<string>;
}

/**
 * Message number -> mark time, compact: a million marks (what `mark-read all`
 * writes at that size) cost a few megabytes, not a Map of strings.
 */
export class MarkedNumbers {
  private byNumber: Int32Array = new Int32Array(1024);
  private times: string[] = [];
  private timeIndex = new Map<string, number>();
  /**
   * Numbers beyond the array: the array grows to a number only while that
   * costs at most twice what it holds (or 16 MB), so one hand-written or
   * half-written line with a huge number is an entry here, not a gigabyte.
   */
  private large = new Map<number, string>();
  size = 0;

  get(n: number): string | undefined {
    if (!(n < this.byNumber.length && n >= 0)) return this.large.get(n);
    const k = this.byNumber[n];
    return k === 0 ? undefined : this.times[k - 1];
  }

  /** Records a mark; of several for one number the one with no time wins, else the latest. */
  add(n: number, time: string): void {
    const previous = this.get(n);
    if (previous !== undefined && (previous === '' || (time !== '' && time <= previous))) return;
    if (previous === undefined) this.size++;
    if (!(n < this.byNumber.length && n >= 0) && !this.growTo(n)) {
      this.large.set(n, time);
      return;
    }
    let k = this.timeIndex.get(time);
    if (k === undefined) {
      // A copy: a slice of the file's text would keep all of it alive (a million lines, after mark-read all).
      const own = Buffer.from(time, 'utf8').toString('utf8');
      k = this.times.push(own);
      this.timeIndex.set(own, k);
    }
    this.byNumber[n] = k;
  }

  /** Grows the array to hold `n` when that is cheap enough, moving what `large` held below the new end. */
  private growTo(n: number): boolean {
    if (!Number.isInteger(n) || n < 0 || n >= Math.max(ARRAY_FREE_UP_TO, this.byNumber.length * 2)) return false;
    const grown = new Int32Array(Math.max(n + 1, this.byNumber.length * 2));
    grown.set(this.byNumber);
    this.byNumber = grown;
    for (const [m, time] of this.large) {
      if (m >= grown.length || !Number.isInteger(m) || m < 0) continue;
      this.large.delete(m);
      this.size--;
      this.add(m, time);
    }
    return true;
  }

  /** The table as plain parts (to keep it in a file), and back. */
  toParts(): MarkedNumberParts {
    return { byNumber: this.byNumber, times: this.times, large: [...this.large], size: this.size };
  }

  static fromParts(parts: MarkedNumberParts): MarkedNumbers {
    const table = new MarkedNumbers();
    table.byNumber = parts.byNumber;
    table.times = parts.times;
    parts.times.forEach((t, k) => table.timeIndex.set(t, k + 1));
    table.large = new Map(parts.large);
    table.size = parts.size;
    return table;
  }

  /** The marks in number order. */
  *[Symbol.iterator](): IterableIterator<[number, string]> {
    for (let n = 0; n < this.byNumber.length; n++)
      if (this.byNumber[n] !== 0) yield [n, this.times[this.byNumber[n] - 1]];
    yield* [...this.large].sort((a, b) => a[0] - b[0]);
  }
}

export interface MarkedNumberParts {
  /** Per number, 0 or 1 + the index of its time in `times`. */
  byNumber: Int32Array;
  times: string[];
  large: Array<[number, string]>;
  size: number;
}

/** Numbers below this always fit the array: 16 MB at most. */
const ARRAY_FREE_UP_TO = 1 << 22;

const MARK_RE = /^\s*(\d+)\s*:\s*(?:read at )?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)?/;
const ID_MARK_RE = /^id:([0-9A-Za-z]+):/;
const READ_AT = ': read at ';
const TIME_SHAPE = 'dddd-dd-dd dd:dd:dd';

/**
 * The marks of a read-status file (added to `marks` when given: the marks of
 * the lines before `text`). Each line is read by MARK_RE / ID_MARK_RE;
 * the two shapes the tools write (`12: read at ts`, `12:ts`) are read
 * in place without them, with the same result, since this file gets a line
 * per message.
 */
export function parseReadMarks(
  text: string,
  marks: ReadMarks = { numbers: new MarkedNumbers(), ids: new Set() },
): ReadMarks {
  let lastTime = '';
  let nextCR = text.indexOf('\r');
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (nextCR !== -1 && nextCR < start) nextCR = text.indexOf('\r', start);
    if (nextCR !== -1 && nextCR < end) end = nextCR;
    let at = start;
    let n = 0;
    for (let c = text.charCodeAt(at); at < end && isDigit(c); c = text.charCodeAt(++at)) n = n * 10 + c - 0x30;
    let timeAt = -1;
    if (at > start && at - start < 10) {
      if (text.startsWith(READ_AT, at)) timeAt = at + READ_AT.length;
      else if (text.charCodeAt(at) === 0x3a) timeAt = at + 1;
    }
    const timeEnd = timeAt + TIME_SHAPE.length;
    // Most lines carry the time of the line before (a mark-read writes one time for all).
    const sameTime = timeAt !== -1 && lastTime !== '' && timeEnd <= end && text.startsWith(lastTime, timeAt);
    if (sameTime || (timeAt !== -1 && timeEnd <= end && hasTimeShape(text, timeAt))) {
      if (!sameTime) lastTime = text.slice(timeAt, timeEnd);
      marks.numbers.add(n, lastTime);
    } else {
      readMarkLine(text.slice(start, end), marks);
    }
    start = end + 1;
    // "\r\n" is one line end.
    if (end < text.length && text.charCodeAt(end) === 0x0d && text.charCodeAt(end + 1) === 0x0a) start++;
  }
  return marks;
}

function readMarkLine(line: string, marks: ReadMarks): void {
  const num = MARK_RE.exec(line);
  if (num) {
    marks.numbers.add(Number(num[1]), num[2] ?? '');
    return;
  }
  const id = ID_MARK_RE.exec(line);
  if (id) marks.ids.add(id[1]);
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

function hasTimeShape(text: string, at: number): boolean {
  for (let k = 0; k < TIME_SHAPE.length; k++) {
    const c = text.charCodeAt(at + k);
    if (TIME_SHAPE.charCodeAt(k) === 0x64 ? !isDigit(c) : c !== TIME_SHAPE.charCodeAt(k)) return false;
  }
  return true;
}

// Each line is a prefix, the number (or id) and a suffix.
const markSuffix = (time: string) => `: read at ${time}\n`;
const receiptPrefix = (time: string, reader: string) => `[${time}] READ-RECEIPT: ${reader} read message `;

export function formatReadMark(ref: number | string, time: string): string {
  return typeof ref === 'number' ? `${ref}${markSuffix(time)}` : `id:${ref}${markSuffix(time)}`;
}

/** A line of data/read-receipts.log, the Python tool's record of who read which log line. */
export function formatReadReceipt(time: string, reader: string, line: number): string {
  return `${receiptPrefix(time, reader)}${line}\n`;
}

/**
 * The lines formatReadMark and formatReadReceipt make for many numbers with
 * one time and reader, written straight into two reused buffers and handed
 * to `flush` a piece at a time (`mark-read all` writes a million of each: no
 * string per line, no copy of them all).
 */
export class ReadMarkEncoder {
  private readonly markSuffix: Buffer;
  private readonly receiptPrefix: Buffer;
  private readonly marks: Buffer;
  private readonly receipts: Buffer;
  private markAt = 0;
  private receiptAt = 0;

  /** `flush` gets pieces of marks and receipts that must be used before it returns (the buffers are reused). */
  constructor(
    private readonly time: string,
    reader: string,
    linesPerPiece: number,
    private readonly flush: (marks: Buffer, receipts: Buffer) => void,
  ) {
    this.markSuffix = Buffer.from(markSuffix(time), 'utf8');
    this.receiptPrefix = Buffer.from(receiptPrefix(time, reader), 'utf8');
    this.marks = Buffer.allocUnsafe(linesPerPiece * (MAX_DIGITS + this.markSuffix.length));
    this.receipts = Buffer.allocUnsafe(linesPerPiece * (MAX_DIGITS + 1 + this.receiptPrefix.length));
  }

  /** A mark and a receipt for log line `n`. */
  addNumber(n: number): void {
    if (
      this.markAt + this.markSuffix.length + MAX_DIGITS > this.marks.length ||
      this.receiptAt + this.receiptPrefix.length + MAX_DIGITS + 1 > this.receipts.length
    )
      this.cut();
    // TypedArray#set: Buffer#copy's argument checks cost more than the copy of a few dozen bytes.
    this.markAt = writeDigits(this.marks, this.markAt, n);
    this.marks.set(this.markSuffix, this.markAt);
    this.markAt += this.markSuffix.length;
    this.receipts.set(this.receiptPrefix, this.receiptAt);
    this.receiptAt += this.receiptPrefix.length;
    this.receiptAt = writeDigits(this.receipts, this.receiptAt, n);
    this.receipts[this.receiptAt++] = 0x0a;
  }

  /** A mark for a message that has no log line, by id. */
  addId(id: string): void {
    this.cut();
    this.flush(Buffer.from(formatReadMark(id, this.time), 'utf8'), EMPTY);
  }

  /** Hands over what is encoded so far. */
  cut(): void {
    if (this.markAt === 0 && this.receiptAt === 0) return;
    this.flush(this.marks.subarray(0, this.markAt), this.receipts.subarray(0, this.receiptAt));
    this.markAt = 0;
    this.receiptAt = 0;
  }
}

const EMPTY = Buffer.alloc(0);

/** Digits of a safe integer, at most. */
const MAX_DIGITS = 16;

function writeDigits(buf: Buffer, at: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return at + buf.write(String(n), at, 'latin1');
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let k = digits - 1, x = n; k >= 0; k--, x = Math.floor(x / 10)) buf[at + k] = 0x30 + (x % 10);
  return at + digits;
}

export interface Position {
  kind: 'chatroom' | 'dm';
  name: string;
  lines: number;
}

export function parsePositions(text: string): Position[] {
  const out: Position[] = [];
  for (const line of splitLines(text)) {
    const m = /^(chatroom|dm):([^:]+):\s*(\d+)\s*$/.exec(line);
    if (m) out.push({ kind: m[1] as 'chatroom' | 'dm', name: m[2], lines: Number(m[3]) });
  }
  return out;
}

/** The last position for each transcript wins, as the bash reader takes it. */
export function positionsByKey(positions: Position[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const p of positions) map.set(`${p.kind}:${p.name}`, p.lines);
  return map;
}

export function upsertPosition(text: string, position: Position): string {
  const key = `${position.kind}:${position.name}:`;
  const kept = splitLines(text).filter((line) => !line.startsWith(key));
  kept.push(`${key}${String(position.lines).padStart(8)}`);
  return kept.join('\n') + '\n';
}

export interface DmReadReceipt {
  time: string;
  idPrefix: string;
  reader: string;
}

export function parseDmReads(text: string): DmReadReceipt[] {
  const out: DmReadReceipt[] = [];
  for (const line of splitLines(text)) {
    const m = /^\[([^\]]+)\] (\S+) read by (\S+)\s*$/.exec(line);
    if (m) out.push({ time: m[1], idPrefix: m[2], reader: m[3] });
  }
  return out;
}
