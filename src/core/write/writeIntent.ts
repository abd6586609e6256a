/**
 * A message is written to several files: its log line (which numbers it and
 * so commits it), then its transcript copies and its action-log line. Before
 * those appends the writer records them in data/.coord-write-intent and marks
 * the record done when all landed. A writer killed in between leaves the
 * record pending; the next writer (under the same lock) completes the copies
 * of a message whose log line landed, and drops the record of one whose log
 * line did not (nothing of it was written: the log line comes first).
 *
 * The record is one small file overwritten in place, never renamed or
 * removed (a file renamed over another costs more than the rest of a send):
 *   P coord-write-intent 2 <length> <seal>\n<JSON of that many bytes><seal>\n
 * Its first byte says pending ('P') or done ('D'). The seal, a random number
 * new for every record, is written last: a record cut short by a kill (before
 * its log line: nothing to complete) ends in the bytes of an earlier one, not
 * in its seal, and the length tells a whole record from the end of a longer
 * earlier one after it. (Version 1 sealed it with a hash of the JSON, which
 * cost time in proportion to the message.)
 * Files are named relative to the coordination directory and must stay in it.
 * An older coord's data/.coord-write-intent.json (the same JSON, written
 * whole) is completed the same way, then removed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CoordError } from '../common/errors';
import { Layout } from '../disk/layout';
import {
  appendWhole,
  InPlaceFile,
  openInPlace,
  readRange,
  readTextIfExists,
  removeFile,
  withFileIfExists,
  writeInPlace,
} from '../disk/fsutil';
import { PlannedAppend } from './messageWrites';

interface Intent {
  log: { line: string; sizeBefore: number };
  appends: Array<PlannedAppend & { sizeBefore: number }>;
}

const PENDING = 0x50; // 'P'
const DONE = Buffer.from('D');
const HEADER = /^P coord-write-intent 2 (\d+) ([0-9a-f]{8})\n/;
const HEADER_MAX = 64;

/**
 * Records a message's writes before its log line (`logSize`: the log's size
 * now) and returns the record, open for markIntentDone (the caller closes
 * it); null when there was no room to record it.
 */
export function recordIntent(
  layout: Layout,
  logLine: string,
  appends: PlannedAppend[],
  logSize: number,
): InPlaceFile | null {
  const inside = path.join(layout.root, path.sep); // as the layout's paths start (path.join normalises)
  const intent: Intent = {
    log: { line: logLine, sizeBefore: logSize },
    appends: appends.map((a) => ({
      file: a.file.startsWith(inside) ? a.file.slice(inside.length) : path.resolve(a.file),
      text: a.text,
      sizeBefore: sizeOf(a.file),
    })),
  };
  const json = JSON.stringify(intent);
  const seal = Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');
  const record = Buffer.from(`P coord-write-intent 2 ${Buffer.byteLength(json)} ${seal}\n${json}${seal}\n`, 'utf8');
  let open: InPlaceFile | null = null;
  try {
    open = openInPlace(layout.writeIntent);
    open.write(record);
    return open;
  } catch (error) {
    open?.close();
    // A full disk: the record is a safeguard against a kill, not worth refusing a write that may still fit.
    const code = (error as CoordError).fsCode;
    if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error;
    return null;
  }
}

/** The recorded message landed whole: one byte, in place. */
export function markIntentDone(record: InPlaceFile): void {
  record.write(DONE);
}

/** Completes (or drops) what a writer that died mid-message left; returns the number of copies appended. */
export function completeTornWrite(layout: Layout): number {
  let completed = 0;
  if (fs.existsSync(layout.legacyWriteIntent)) {
    const legacy = parseIntent(layout, readTextIfExists(layout.legacyWriteIntent));
    if (legacy) completed += complete(layout, legacy);
    removeFile(layout.legacyWriteIntent); // unreadable: nothing to complete from it
  }
  const pending = readPendingRecord(layout);
  if (pending !== undefined) {
    if (pending) completed += complete(layout, pending);
    writeInPlace(layout.writeIntent, DONE);
  }
  return completed;
}

/** The pending record; undefined when there is none (no file, or done), null when it is not whole. */
function readPendingRecord(layout: Layout): Intent | null | undefined {
  return withFileIfExists<Intent | null | undefined>(layout.writeIntent, undefined, (fd, size) => {
    const head = readRange(fd, 0, Math.min(size, HEADER_MAX));
    if (head.length === 0 || head[0] !== PENDING) return undefined;
    const m = HEADER.exec(head.toString('latin1'));
    if (!m) return null;
    const start = m[0].length;
    const length = Number(m[1]);
    const sealed = `${m[2]}\n`;
    if (start + length + sealed.length > size) return null;
    const body = readRange(fd, start, start + length + sealed.length);
    if (body.toString('latin1', length) !== sealed) return null;
    return parseIntent(layout, body.toString('utf8', 0, length));
  });
}

/** The intent in `text`, its files resolved in the directory (older records name them in full); null if none. */
function parseIntent(layout: Layout, text: string): Intent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const r = raw as Partial<Intent> | null;
  const isSize = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  if (!r || typeof r.log?.line !== 'string' || !isSize(r.log.sizeBefore) || !Array.isArray(r.appends)) return null;
  const appends: Intent['appends'] = [];
  for (const a of r.appends as unknown[]) {
    const x = a as Partial<PlannedAppend & { sizeBefore: number }> | null;
    if (!x || typeof x.file !== 'string' || typeof x.text !== 'string' || !isSize(x.sizeBefore)) return null;
    appends.push({ file: path.resolve(layout.root, x.file), text: x.text, sizeBefore: x.sizeBefore! });
  }
  return { log: { line: r.log.line, sizeBefore: r.log.sizeBefore! }, appends };
}

function complete(layout: Layout, intent: Intent): number {
  if (!landedAfter(layout.messagesLog, intent.log.sizeBefore, `${intent.log.line}\n`)) return 0;
  let completed = 0;
  const inside = path.resolve(layout.root) + path.sep;
  for (const a of intent.appends) {
    // Only the directory's own files (a record names nothing else).
    if (!path.resolve(a.file).startsWith(inside)) continue;
    if (landedAfter(a.file, a.sizeBefore, a.text)) continue;
    // A kill can cut a write short (Linux stops a write between pages for a fatal signal): its start is then the
    // file's end, and only the rest is appended, so no torn line stays behind.
    const bytes = Buffer.from(a.text, 'utf8');
    const cut = cutShortAtEnd(a.file, a.sizeBefore, bytes);
    if (cut > 0) appendWhole(a.file, bytes.subarray(cut), false);
    else appendWhole(a.file, bytes);
    completed++;
  }
  return completed;
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  } catch {
    return 0;
  }
}

/**
 * How many of `bytes`' first bytes end `file`, written at or after byte
 * `from` from the start of a line: a copy cut short. 0 when none.
 */
function cutShortAtEnd(file: string, from: number, bytes: Buffer): number {
  return withFileIfExists(file, 0, (fd, size) => {
    const span = Math.min(size - from, bytes.length - 1);
    if (span <= 0) return 0;
    const start = Math.max(0, size - span - 1);
    const tail = readRange(fd, start, size);
    // Longest first: a start at `from` itself, then after each line end in the tail.
    for (let at = Math.max(0, from - start); at < tail.length; at++) {
      const begins = start + at === from || tail[at - 1] === 0x0a;
      if (begins && tail.subarray(at).equals(bytes.subarray(0, tail.length - at))) return tail.length - at;
    }
    return 0;
  });
}

/** Whether `text` was appended to `file` at or after byte `from` (others may have appended too). */
function landedAfter(file: string, from: number, text: string): boolean {
  return withFileIfExists(file, false, (fd, size) => {
    return readRange(fd, Math.max(0, from - 1), size).includes(Buffer.from(text, 'utf8'));
  });
}
