/**
 * The persisted index built straight from the files, without loading the
 * directory into a DirectoryStore (which holds every message, block and line
 * as objects: gigabytes at a million messages). It reads what the store reads
 * and decides with the store's own rules (readLogLine, readSourceText,
 * attachBlock, lookupMessageRef), but keeps each log message as a few numbers
 * in typed arrays and its text as UTF-8 bytes:
 *
 *   1. the log, in chunks cut after a line feed (so every line and every
 *      character decodes as in one piece); each message's text goes on to
 *      TextColumns (lower-cased texts, postings), in a worker thread for a
 *      big log, so that half runs beside the rest of the scan;
 *   2. the transcripts one at a time, in pieces, each block matched against
 *      the log messages through a hash of its shape (time, sender, target,
 *      text as a transcript stores it), exactly as ByTime finds them;
 *   3. legacy messages (blocks no log line stands for) merged in by time
 *      (their texts inserted into TextColumns at their places), replies
 *      resolved to positions, and every message handed to the IndexWriter in
 *      allMessages() order.
 *
 * The file it writes equals writeSearchCache's over a loaded store, byte for
 * byte (test/unit/search-builder.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'worker_threads';
import { detachedString } from '../common/text';
import { textTags } from './textTags';
import { Layout } from '../disk/layout';
import { lstatIfExists, openIfExists, readRange } from '../disk/fsutil';
import { countLines, EMPTY_COUNT, totalLines } from '../disk/lines';
import { attachBlock, BlockMatcher, LegacyFields } from '../read/blockMatching';
import { continueLogMessage, LogMessageFields, orphanLogLine, readLogLine } from '../read/logMessages';
import { hex8, MessageShape, pairingText, PlacedMessage, sameText } from '../read/messageIdentity';
import { bareNameRule, readStatusEntries } from '../read/rooms';
import { discoverSources, readSourceText, SourceBlock, SourceFile, StampedSource } from '../read/sources';
import { lookupMessageRef } from '../read/store';
import { BlocksDigest, encodeTime, FileState, hexIdValue, LogState } from './indexFormat';
import { fileState, IndexRow, IndexWriter } from './indexWriter';
import { TextColumns, TextInsert, TextRow, TextSections } from './textColumns';

/**
 * Scans the directory and writes its index to `fd`; `sources` are the
 * transcripts as stamped before. The texts go to `texts` (in the process, or
 * a worker: see openTextSink) as the log is read, the legacy messages' last.
 */
export function buildIndex(
  layout: Layout,
  fd: number,
  log: LogState,
  sources: StampedSource[],
  texts: TextSink = openTextSink(fd, lstatIfExists(layout.messagesLog)?.size ?? 0),
): void {
  try {
    scanAndWrite(layout, fd, log, sources, texts);
  } catch (error) {
    texts.abort();
    throw error;
  }
}

function scanAndWrite(layout: Layout, fd: number, log: LogState, sources: StampedSource[], texts: TextSink): void {
  const isRoomName = bareNameRule(layout, readStatusEntries(layout));
  const messages = readLog(layout, isRoomName, texts);
  const scan = scanTranscripts(layout, messages);
  messages.dropTexts();

  // allMessages(): log messages in number order, legacy ones merged in by time.
  const legacy = scan.legacy;
  legacy.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.seq - b.seq));
  const n = messages.count;
  const count = n + legacy.length;
  const position = new Int32Array(n);
  const order: Array<number | Legacy> = [];
  const legacyTimes = legacy.map((m) => encodeTime(m.time));
  let j = 0;
  const takeLegacy = () => {
    legacy[j].position = order.length;
    order.push(legacy[j++]);
  };
  for (let c = 0; c < n; c++) {
    while (j < legacy.length && legacyTimes[j] < messages.time[c]) takeLegacy();
    position[c] = order.length;
    order.push(c);
  }
  while (j < legacy.length) takeLegacy();

  // Replies: the position of the message messageByRef finds.
  let byId: Map<string, number> | null = null;
  const positionOfId = (id: string): number | undefined => {
    const found = scan.legacyById.get(id) as Legacy | undefined;
    if (found) return found.position;
    if (!byId) {
      byId = new Map();
      order.forEach((m, p) => {
        const key = typeof m === 'number' ? messages.idOf(m) : m.id;
        if (!byId!.has(key)) byId!.set(key, p);
      });
    }
    return byId.get(id);
  };
  const byNumber = (k: number): number | undefined =>
    k >= 1 && k <= messages.lines ? position[messages.lineOwner[k - 1]] : undefined;
  const parentOf = (replyTo: number | string | null) =>
    replyTo === null ? -1 : (lookupMessageRef(replyTo, byNumber, positionOfId) ?? -1);

  const textSections = texts.finish(
    legacy.map((m) => ({ at: m.position, text: m.text, from: m.from, room: m.room ?? '' })),
  );
  const refs = scan.groupRefs(n);
  const writer = new IndexWriter(fd, count, messages.lines);
  for (const m of order) {
    let row: IndexRow;
    if (typeof m === 'number') {
      const replyTo = messages.replies.get(m) ?? null;
      const refList: Array<{ source: string; lastLine: number }> = [];
      for (let k = refs.starts[m]; k < refs.starts[m + 1]; k++)
        refList.push({ source: scan.keys[refs.sources[k]], lastLine: refs.lines[k] });
      row = {
        number: messages.number[m],
        lastLine: messages.lastLine[m],
        id: messages.idOf(m),
        time: messages.time[m],
        from: messages.str(messages.from[m])!,
        target: messages.str(messages.target[m])!,
        room: messages.str(messages.room[m]),
        to: messages.str(messages.to[m]),
        replyTo,
        parent: parentOf(replyTo),
        refs: refList,
        tags: messages.tags.of(m),
      };
    } else {
      const refList: Array<{ source: string; lastLine: number }> = [];
      for (let k = 0; k < m.refs.length; k += 2)
        refList.push({ source: scan.keys[m.refs[k]], lastLine: m.refs[k + 1] });
      row = { ...m, time: encodeTime(m.time), parent: parentOf(m.replyTo), refs: refList, tags: textTags(m.text) };
    }
    writer.add(row);
  }
  const files: Record<string, FileState> = {};
  for (const s of sources) files[s.rel] = fileState(s, scan.digests.get(s.key), scan.lines.get(s.key) ?? 0);
  writer.finish(log, files, textSections());
}

/** Where the texts go as they are read: a TextColumns here, or one in a worker (indexWorker.ts). */
export interface TextSink {
  add(row: TextRow): void;
  /** Starts TextColumns.finish; the function returned waits for its answer. */
  finish(inserts: TextInsert[]): () => TextSections;
  /** Gives up (the scan failed): a worker is stopped. */
  abort(): void;
}

/**
 * The sink for a scan writing to `fd`: a worker (the text half runs beside
 * the scan, on another core) when the log is big enough to pay for one and
 * indexWorker.js ships beside this file, else this thread.
 */
export function openTextSink(fd: number, logBytes: number): TextSink {
  return (logBytes >= WORKER_FROM ? workerTexts(fd) : null) ?? inProcess(fd);
}

/** Below this many log bytes (some 50k messages) a worker's start costs more than it saves. */
const WORKER_FROM = 8 << 20;
/** How long the scan waits for the worker's answer before it gives up (it never takes this long). */
const WORKER_PATIENCE_MS = 10 * 60 * 1000;

/** Messages for the worker: texts (UTF-8, where each ends), sender and room as indexes into the strings sent so far. */
export interface TextBatch {
  bytes: Uint8Array;
  ends: Uint32Array;
  from: Int32Array;
  room: Int32Array;
  /** Strings first used in this batch, numbered after those of the batches before. */
  strings: string[];
}
export type TextsRequest = { kind: 'texts'; batch: TextBatch } | { kind: 'finish'; inserts: TextInsert[] };
export type TextsAnswer = { sections: TextSections } | { error: string };

const BATCH_MESSAGES = 4096;

/** A TextSink whose TextColumns runs in a worker (indexWorker.ts), or null when none can start. */
export function workerTexts(fd: number): TextSink | null {
  const file = path.join(__dirname, 'indexWorker.js');
  if (!fs.existsSync(file)) return null;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  let worker: Worker;
  try {
    worker = new Worker(file, { workerData: { fd, flag, port: port2 }, transferList: [port2] });
  } catch {
    return null;
  }
  worker.unref();
  const stringIds = new Map<string, number>();
  let fresh: string[] = [];
  let bytes = Buffer.allocUnsafe(1 << 20);
  let used = 0;
  let ends = new Uint32Array(BATCH_MESSAGES);
  let from = new Int32Array(BATCH_MESSAGES);
  let room = new Int32Array(BATCH_MESSAGES);
  let count = 0;
  const id = (s: string) => {
    let k = stringIds.get(s);
    if (k === undefined) {
      k = stringIds.size;
      stringIds.set(s, k);
      fresh.push(s);
    }
    return k;
  };
  const send = () => {
    if (count === 0) return;
    const batch: TextBatch = {
      bytes: bytes.subarray(0, used),
      ends: ends.subarray(0, count),
      from: from.subarray(0, count),
      room: room.subarray(0, count),
      strings: fresh,
    };
    worker.postMessage({ kind: 'texts', batch } satisfies TextsRequest, [
      bytes.buffer,
      ends.buffer,
      from.buffer,
      room.buffer,
    ]);
    bytes = Buffer.allocUnsafe(Math.max(1 << 20, bytes.length));
    ends = new Uint32Array(BATCH_MESSAGES);
    from = new Int32Array(BATCH_MESSAGES);
    room = new Int32Array(BATCH_MESSAGES);
    used = count = 0;
    fresh = [];
  };
  return {
    add: (row) => {
      if (used + row.text.length * 3 > bytes.length) {
        send();
        if (row.text.length * 3 > bytes.length) bytes = Buffer.allocUnsafe(row.text.length * 3);
      }
      used += bytes.write(row.text, used, 'utf8');
      ends[count] = used;
      from[count] = id(row.from);
      room[count] = id(row.room);
      if (++count === BATCH_MESSAGES) send();
    },
    finish: (inserts) => {
      send();
      worker.postMessage({ kind: 'finish', inserts } satisfies TextsRequest);
      return () => {
        if (Atomics.wait(flag, 0, 0, WORKER_PATIENCE_MS) === 'timed-out')
          throw new Error('the index worker did not answer');
        const answer = receiveMessageOnPort(port1)?.message as TextsAnswer | undefined;
        port1.close();
        if (!answer || 'error' in answer) throw new Error(`the index worker failed: ${answer?.error ?? 'no answer'}`);
        return answer.sections;
      };
    },
    abort: () => {
      port1.close();
      void worker.terminate();
    },
  };
}

/** In the process: finished at once, so its memory is free before the rows are written. */
function inProcess(fd: number): TextSink {
  const columns = new TextColumns(fd);
  return {
    add: (row) => columns.add(row),
    finish: (inserts) => {
      const sections = columns.finish(inserts);
      return () => sections;
    },
    abort: () => {},
  };
}

// ------------------------------------------------------------------ the log

/**
 * Tags of messages added in order, as (message, interned tag) pairs in typed
 * arrays; read back in the same order.
 */
class TagList {
  private owners = new Int32Array(1024);
  private ids = new Int32Array(1024);
  private length = 0;
  private readonly names: string[] = [];
  private readonly idOf = new Map<string, number>();
  private next = 0;

  add(message: number, tags: string[]): void {
    for (const tag of tags) {
      if (this.length === this.owners.length) {
        this.owners = grown(this.owners);
        this.ids = grown(this.ids);
      }
      let id = this.idOf.get(tag);
      if (id === undefined) {
        id = this.names.length;
        this.names.push(detachedString(tag));
        this.idOf.set(tag, id);
      }
      this.owners[this.length] = message;
      this.ids[this.length++] = id;
    }
  }

  /** The tags of `message`; messages must be asked for in ascending order. */
  of(message: number): string[] {
    while (this.next < this.length && this.owners[this.next] < message) this.next++;
    const out: string[] = [];
    for (; this.next < this.length && this.owners[this.next] === message; this.next++)
      out.push(this.names[this.ids[this.next]]);
    return out;
  }
}

/** Log messages as columns; strings (sender, target, room, recipient) interned. */
class LogMessages {
  count = 0;
  /** Physical lines read, and the message owning each. */
  lines = 0;
  lineOwner: Int32Array;
  number: Int32Array;
  lastLine: Int32Array;
  from: Int32Array;
  target: Int32Array;
  room: Int32Array;
  to: Int32Array;
  time: Float64Array;
  /** 8-hex ids by value; any other id in oddIds. */
  id: Uint32Array;
  oddIds = new Map<number, string>();
  replies = new Map<number, number | string>();
  /** The textTags of the messages that have any, in message order (a fifth of them, at most a few each). */
  readonly tags = new TagList();
  /** Where each text starts in `text` (UTF-8), and a hash of each message's shape (see shapeHash). */
  textStart: Float64Array;
  shape: Uint32Array;
  private text: Buffer;
  private strings: string[] = [];
  private stringIds = new Map<string, number>();
  private head: Int32Array | null = null;
  private next: Int32Array | null = null;

  /**
   * Room for the messages of a log of `size` bytes, allocated once: pages
   * are only touched as they are written, so the generous guess costs address
   * space, not memory (more lines than that grow the arrays).
   */
  constructor(size: number) {
    const capacity = Math.ceil(size / 24) + 1024;
    this.lineOwner = new Int32Array(capacity);
    this.number = new Int32Array(capacity);
    this.lastLine = new Int32Array(capacity);
    this.from = new Int32Array(capacity);
    this.target = new Int32Array(capacity);
    this.room = new Int32Array(capacity);
    this.to = new Int32Array(capacity);
    this.time = new Float64Array(capacity);
    this.id = new Uint32Array(capacity);
    this.shape = new Uint32Array(capacity);
    this.textStart = new Float64Array(capacity + 1);
    this.text = Buffer.allocUnsafe(size + 1024);
  }

  str(k: number): string | null {
    return k < 0 ? null : this.strings[k];
  }

  private intern(s: string | null): number {
    if (s === null) return -1;
    let k = this.stringIds.get(s);
    if (k === undefined) {
      k = this.strings.length;
      this.strings.push(detachedString(s));
      this.stringIds.set(s, k);
    }
    return k;
  }

  /** A new message (its text follows with setText once its continuation lines are read). */
  add(m: LogMessageFields): number {
    const c = this.count++;
    if (c === this.number.length) this.grow();
    this.number[c] = m.number;
    this.lastLine[c] = m.lastLine;
    this.from[c] = this.intern(m.from);
    this.target[c] = this.intern(m.target);
    this.room[c] = this.intern(m.room);
    this.to[c] = this.intern(m.to);
    this.time[c] = encodeTime(m.time);
    this.setId(c, m.id);
    if (m.replyTo !== null) this.replies.set(c, m.replyTo);
    return c;
  }

  addLine(owner: number): void {
    if (this.lines === this.lineOwner.length) this.lineOwner = grown(this.lineOwner);
    this.lineOwner[this.lines++] = owner;
  }

  private grow(): void {
    this.number = grown(this.number);
    this.lastLine = grown(this.lastLine);
    this.from = grown(this.from);
    this.target = grown(this.target);
    this.room = grown(this.room);
    this.to = grown(this.to);
    this.time = grown(this.time);
    this.id = grown(this.id);
    this.shape = grown(this.shape);
    const starts = new Float64Array(this.number.length + 1);
    starts.set(this.textStart);
    this.textStart = starts;
  }

  /** Frees the texts once every block was matched (the rows need none of them). */
  dropTexts(): void {
    this.text = Buffer.alloc(0);
    this.head = this.next = null;
    this.shape = new Uint32Array(0);
  }

  setText(c: number, text: string): void {
    const at = this.textStart[c];
    if (at + text.length * 3 > this.text.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.text.length * 2, at + text.length * 3));
      this.text.copy(bigger, 0, 0, at);
      this.text = bigger;
    }
    this.textStart[c + 1] = at + this.text.write(text, at, 'utf8');
    this.shape[c] = shapeHash(this.time[c], this.from[c], this.target[c], pairingText(text));
  }

  textOf(c: number): string {
    return this.text.toString('utf8', this.textStart[c], this.textStart[c + 1]);
  }

  setId(c: number, id: string): void {
    const hex = hexIdValue(id);
    if (hex >= 0) {
      this.id[c] = hex;
      this.oddIds.delete(c);
    } else this.oddIds.set(c, id);
  }

  idOf(c: number): string {
    return this.oddIds.get(c) ?? hex8(this.id[c]);
  }

  /**
   * The first message (in log order) of this shape whose `claimedBy` is not
   * `mark` (a transcript lends one block per message), or -1: what
   * ByTime.find answers for the store.
   */
  find(shape: MessageShape, claimedBy: Int32Array, mark: number): number {
    if (!this.head) this.hashShapes();
    // A sender or target no log message has: no match.
    const from = this.stringIds.get(shape.from);
    const target = this.stringIds.get(shape.target);
    if (from === undefined || target === undefined) return -1;
    const time = encodeTime(shape.time);
    const hash = shapeHash(time, from, target, pairingText(shape.text));
    let found = -1;
    // The chain runs newest first: the last match is the first message.
    for (let c = this.head![hash & (this.head!.length - 1)]; c >= 0; c = this.next![c]) {
      if (this.shape[c] !== hash || claimedBy[c] === mark || this.time[c] !== time) continue;
      if (this.from[c] !== from || this.target[c] !== target) continue;
      if (this.sameAsciiText(c, shape.text) || sameText(this.textOf(c), shape.text)) found = c;
    }
    return found;
  }

  /** Whether message c's text is `text`, compared byte for character when both are ASCII (false otherwise). */
  private sameAsciiText(c: number, text: string): boolean {
    const start = this.textStart[c];
    if (this.textStart[c + 1] - start !== text.length) return false;
    const bytes = this.text;
    for (let i = 0; i < text.length; i++) {
      const b = bytes[start + i];
      if (b >= 0x80 || b !== text.charCodeAt(i)) return false;
    }
    return true;
  }

  private hashShapes(): void {
    let size = 1024;
    while (size < this.count * 2) size *= 2;
    const head = new Int32Array(size).fill(-1);
    const next = new Int32Array(this.count);
    for (let c = 0; c < this.count; c++) {
      const b = this.shape[c] & (size - 1);
      next[c] = head[b];
      head[b] = c;
    }
    this.head = head;
    this.next = next;
  }
}

/** What a transcript block and its log message share: time, sender, target, the text's pairing part (pairingText). */
function shapeHash(time: number, from: number, target: number, body: string): number {
  let h = Math.imul((time % 4294967296) ^ Math.floor(time / 4294967296) ^ 0x811c9dc5, 0x01000193);
  h = Math.imul(h ^ from, 0x01000193);
  h = Math.imul(h ^ target, 0x01000193);
  h = Math.imul(h ^ body.length, 0x01000193);
  // Only the text's ends: enough to tell messages of one second apart (a match is checked in full).
  const n = body.length;
  for (let i = 0; i < 16 && i < n; i++) h = Math.imul(h ^ body.charCodeAt(i), 0x01000193);
  for (let i = Math.max(16, n - 16); i < n; i++) h = Math.imul(h ^ body.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function grown<T extends Int32Array | Uint32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

const LF = 0x0a;

/**
 * Reads data/messages.log line by line, as the store does (decodeLines over
 * the whole file): chunks end after a line feed, where no character and no
 * line end is cut in two.
 */
function readLog(layout: Layout, isRoomName: (name: string) => boolean, texts: TextSink): LogMessages {
  const fd = openIfExists(layout.messagesLog);
  if (fd === null) return new LogMessages(0);
  const size = fs.fstatSync(fd).size;
  const messages = new LogMessages(size);
  /** The message being read: continuation lines may still extend its text. */
  const open: { fields: LogMessageFields | null; index: number } = { fields: null, index: -1 };
  const parentOf = (k: number): PlacedMessage | undefined => {
    if (k < 1 || k > messages.lines) return undefined;
    const c = messages.lineOwner[k - 1];
    return {
      room: messages.str(messages.room[c]),
      target: messages.str(messages.target[c])!,
      from: messages.str(messages.from[c])!,
      to: messages.str(messages.to[c]),
    };
  };
  /** A message whose lines were all read. */
  const finish = (c: number, m: LogMessageFields) => {
    messages.setText(c, m.text);
    messages.tags.add(c, textTags(m.text));
    texts.add({ text: m.text, from: m.from, room: m.room ?? '' });
  };
  const addLine = (line: string) => {
    const number = messages.lines + 1;
    const fields = readLogLine(line, number, parentOf, isRoomName);
    if (!fields && open.fields) {
      continueLogMessage(open.fields, line, number);
      messages.lastLine[open.index] = number;
      messages.addLine(open.index);
      return;
    }
    if (open.fields) finish(open.index, open.fields);
    open.fields = fields ?? orphanLogLine(line, number);
    open.index = messages.add(open.fields);
    messages.addLine(open.index);
  };
  try {
    readPieces(
      fd,
      size,
      (buf, have) => buf.lastIndexOf(LF, have - 1) + 1,
      (piece, last) => {
        const lines = piece.toString('utf8').split(/\r\n|\r|\n/);
        const rest = lines.pop()!;
        for (const line of lines) addLine(line);
        if (last && rest !== '') addLine(rest);
      },
    );
  } finally {
    fs.closeSync(fd);
  }
  if (open.fields) finish(open.index, open.fields);
  return messages;
}

// ---------------------------------------------------------- the transcripts

const PIECE = 1 << 16;
const BLOCK_END = [Buffer.from('\n---\n'), Buffer.from('\n---\r\n')];

/**
 * Every block of a transcript (the first `size` bytes of `fd`), as
 * readSourceText reads the whole file, and its line count (countLines).
 * A block transcript is read in pieces cut after a "---" line, where the
 * parser holds no block, so each piece parses as it would within the file.
 * Python DM files are read whole: who the pair is depends on every sender.
 */
function readBlocks(source: SourceFile, fd: number, size: number, each: (block: SourceBlock) => void): number {
  if (source.kind === 'pythonDm' || size <= PIECE) {
    const bytes = readRange(fd, 0, size);
    for (const block of readSourceText(source, bytes.toString('utf8'), 0).blocks) each(block);
    return totalLines(countLines(bytes));
  }
  let count = EMPTY_COUNT;
  readPieces(
    fd,
    size,
    (buf, have) => {
      let cut = 0;
      for (const mark of BLOCK_END) {
        const k = have >= mark.length ? buf.lastIndexOf(mark, have - mark.length) : -1;
        if (k >= 0) cut = Math.max(cut, k + mark.length);
      }
      return cut;
    },
    (piece) => {
      for (const block of readSourceText(source, piece.toString('utf8'), totalLines(count)).blocks) each(block);
      count = countLines(piece, count);
    },
  );
  return totalLines(count);
}

/**
 * Reads the first `size` bytes of `fd` in pieces of about PIECE bytes, each
 * ending where `cut(buf, have)` says in the `have` bytes read (0: nowhere yet,
 * read more); the last piece is whatever remains.
 */
function readPieces(
  fd: number,
  size: number,
  cut: (buf: Buffer, have: number) => number,
  each: (piece: Buffer, last: boolean) => void,
): void {
  let buf = Buffer.allocUnsafe(Math.min(PIECE, Math.max(size, 1)));
  let carry = 0;
  let at = 0;
  for (;;) {
    if (carry === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, carry);
      buf = bigger;
    }
    const n = at < size ? fs.readSync(fd, buf, carry, Math.min(buf.length - carry, size - at), at) : 0;
    at += n;
    const have = carry + n;
    const last = n === 0 || at >= size;
    const end = last ? have : cut(buf, have);
    if (end === 0 && !last) {
      carry = have;
      continue;
    }
    each(buf.subarray(0, end), last);
    if (last) return;
    buf.copy(buf, 0, end, have);
    carry = have - end;
  }
}

/** A message a transcript block matched or made: a log message (`log` its index) or a legacy one (-1). */
interface Matched extends MessageShape {
  id: string;
  log: number;
}

interface Legacy extends Matched, LegacyFields {
  seq: number;
  position: number;
  /** Pairs (source, block's last line). */
  refs: number[];
}

interface TranscriptScan {
  /** Source keys in scan order (refs name them by index). */
  keys: string[];
  digests: Map<string, BlocksDigest>;
  lines: Map<string, number>;
  legacy: Legacy[];
  legacyById: Map<string, Matched>;
  /** The log messages' refs grouped by message, each message's in claim order. */
  groupRefs(n: number): { starts: Int32Array; sources: Int32Array; lines: Int32Array };
}

function scanTranscripts(layout: Layout, messages: LogMessages): TranscriptScan {
  const keys: string[] = [];
  const digests = new Map<string, BlocksDigest>();
  const lines = new Map<string, number>();
  const legacy: Legacy[] = [];
  const legacyById = new Map<string, Matched>();
  const n = messages.count;
  const claimedBy = new Int32Array(n);
  const idFromBlock = new Uint8Array(n);
  let refMessages = new Int32Array(1024);
  let refSources = new Int32Array(1024);
  let refLines = new Int32Array(1024);
  let refCount = 0;
  let source = -1;
  const matcher: BlockMatcher<Matched> = {
    logMessage: (shape) => {
      const c = messages.find(shape, claimedBy, source + 1);
      // id '' until a block lends one (attachBlock sets it; a block's id is never '').
      return c < 0
        ? undefined
        : { time: shape.time, from: shape.from, target: shape.target, text: shape.text, id: '', log: c };
    },
    idFromBlock: (m) => m.log >= 0 && idFromBlock[m.log] === 1,
    claim: (m, _log, block) => {
      if (m.log < 0) {
        (m as Legacy).refs.push(source, block.lastLine);
        return;
      }
      if (m.id !== '') messages.setId(m.log, m.id);
      if (block.id) idFromBlock[m.log] = 1;
      claimedBy[m.log] = source + 1;
      if (refCount === refMessages.length) {
        refMessages = grown(refMessages);
        refSources = grown(refSources);
        refLines = grown(refLines);
      }
      refMessages[refCount] = m.log;
      refSources[refCount] = source;
      refLines[refCount++] = block.lastLine;
    },
    legacyById,
    addLegacy: (fields) => {
      // Strings of their own: slices would keep the transcript's text alive.
      const own = (v: string | null) => (v === null ? null : detachedString(v));
      const m: Legacy = {
        ...fields,
        time: detachedString(fields.time),
        from: detachedString(fields.from),
        target: detachedString(fields.target),
        text: detachedString(fields.text),
        id: detachedString(fields.id),
        room: own(fields.room),
        to: own(fields.to),
        replyTo: typeof fields.replyTo === 'string' ? detachedString(fields.replyTo) : fields.replyTo,
        log: -1,
        seq: legacy.length,
        position: -1,
        refs: [],
      };
      legacy.push(m);
      return m;
    },
  };
  for (const found of discoverSources(layout)) {
    const st = lstatIfExists(found.file);
    if (!st?.isFile()) continue;
    const fd = openIfExists(found.file);
    if (fd === null) continue;
    source = keys.push(found.key) - 1;
    const digest = new BlocksDigest();
    digests.set(found.key, digest);
    try {
      const lineCount = readBlocks(found, fd, st.size, (block) => {
        attachBlock(matcher, found.key, block);
        digest.add(block.block);
      });
      lines.set(found.key, lineCount);
    } finally {
      fs.closeSync(fd);
    }
  }
  return {
    keys,
    digests,
    lines,
    legacy,
    legacyById,
    groupRefs: (count) => {
      const starts = new Int32Array(count + 1);
      for (let r = 0; r < refCount; r++) starts[refMessages[r] + 1]++;
      for (let c = 0; c < count; c++) starts[c + 1] += starts[c];
      const fill = starts.slice(0, count);
      const sources = new Int32Array(refCount);
      const lineOf = new Int32Array(refCount);
      for (let r = 0; r < refCount; r++) {
        const k = fill[refMessages[r]]++;
        sources[k] = refSources[r];
        lineOf[k] = refLines[r];
      }
      return { starts, sources, lines: lineOf };
    },
  };
}
