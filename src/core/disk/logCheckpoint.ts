/**
 * Knowing how many lines data/messages.log has without reading it all.
 *
 * A checkpoint (data/.coord-log-index.json) records the size, the line count,
 * the last bytes before that size, and the byte offset of every 1024th line.
 * Counting then reads only the bytes added since; a file that shrank or whose
 * bytes at the checkpoint differ (edited by hand) is counted from scratch.
 * The checkpoint is a cache: deleting it is always safe.
 *
 * Each process also remembers its last count of each log (with the file's
 * inode), checked the same way, so a writer's next count reads only the
 * 64-byte tail and what others appended since: neither the checkpoint file
 * nor the up to 256 KiB it lags behind are read again on every send.
 */
import * as fs from 'fs';
import { EMPTY_COUNT, LineCount, totalLines } from './lines';
import { fileTail, openIfExists, readRange, readTextIfExists, TAIL_BYTES, writeAtomic } from './fsutil';

const MARK_EVERY = 1024;
const SAVE_AFTER_BYTES = 256 * 1024;
const CHUNK = 1 << 20;

interface Checkpoint {
  version: 1;
  size: number;
  count: LineCount;
  tail: string;
  /** [lineNumber, byteOffset] for lines 1, 1025, 2049, … */
  marks: Array<[number, number]>;
}

export interface LogScan {
  size: number;
  lines: number;
  count: LineCount;
  /** Shared with this process's remembered count: read, never changed. */
  marks: ReadonlyArray<[number, number]>;
}

const LF = 0x0a;
const CR = 0x0d;

/** Extends a count over `buf` (which starts at byte `base`), recording line-start marks. */
function scan(buf: Buffer, base: number, count: LineCount, marks: Array<[number, number]>): LineCount {
  let { terminators, endsWithCR } = count;
  let partial = count.partial;
  const markLineStart = (offset: number) => {
    const line = terminators + 1;
    if (line % MARK_EVERY === 1 && (marks.length === 0 || marks[marks.length - 1][0] < line))
      marks.push([line, offset]);
  };
  // A chunk that follows a line end starts a line (after a "\r", a "\n" first belongs to it): counting from a
  // checkpoint that ends on a line end must mark that line as a count from the start would.
  if (!partial && buf.length > 0) {
    const start = endsWithCR && buf[0] === LF ? 1 : 0;
    if (start < buf.length) markLineStart(base + start);
  }
  if (buf.indexOf(CR) === -1) {
    for (let i = buf.indexOf(LF); i !== -1; i = buf.indexOf(LF, i + 1)) {
      if (i === 0 && endsWithCR) {
        endsWithCR = false;
        continue;
      }
      terminators++;
      if (i + 1 < buf.length) markLineStart(base + i + 1);
    }
  } else {
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i];
      if (b === LF && ((i === 0 && endsWithCR) || (i > 0 && buf[i - 1] === CR))) continue;
      if (b === LF || b === CR) {
        terminators++;
        const next = i + 1;
        const startsAt = b === CR && buf[next] === LF ? next + 1 : next;
        if (startsAt < buf.length) markLineStart(base + startsAt);
      }
    }
  }
  const last = buf[buf.length - 1];
  if (buf.length > 0) {
    partial = last !== LF && last !== CR;
    endsWithCR = last === CR;
  }
  return { terminators, partial, endsWithCR };
}

function loadCheckpoint(file: string): Checkpoint | null {
  try {
    // Never through a symbolic link, and only a checkpoint that could be true.
    const cp = JSON.parse(readTextIfExists(file)) as Checkpoint;
    const sane =
      cp.version === 1 &&
      Array.isArray(cp.marks) &&
      Number.isSafeInteger(cp.size) &&
      cp.size >= 0 &&
      typeof cp.tail === 'string' &&
      typeof cp.count === 'object' &&
      cp.count !== null &&
      Number.isSafeInteger(cp.count.terminators) &&
      cp.count.terminators >= 0 &&
      cp.count.terminators <= cp.size &&
      (cp.size > 0 || (cp.count.terminators === 0 && !cp.count.partial));
    return sane ? cp : null;
  } catch {
    return null;
  }
}

/** This process's last count of a log (by checkpoint file), and how far the checkpoint file had it then. */
interface Remembered extends Checkpoint {
  logFile: string;
  dev: number;
  ino: number;
  /** The size the checkpoint file was last seen or saved at (-1: unusable). */
  persisted: number;
}

const remembered = new Map<string, Remembered>();

/**
 * Counts the lines of the log, reading only what the checkpoint (this
 * process's own, or the file's) has not seen. With `save`, a checkpoint file
 * that lags far behind is brought up to date (the caller must hold the write lock).
 */
export function scanLog(logFile: string, checkpointFile: string, save = false): LogScan {
  const fd = openIfExists(logFile);
  if (fd === null) return { size: 0, lines: 0, count: EMPTY_COUNT, marks: [] };
  try {
    const st = fs.fstatSync(fd);
    const size = st.size;
    const valid = (cp: Checkpoint | null | undefined): cp is Checkpoint =>
      !!cp && cp.size <= size && fileTail(fd, cp.size) === cp.tail;
    const mem = remembered.get(checkpointFile);
    const ours =
      mem !== undefined && mem.logFile === logFile && mem.dev === st.dev && mem.ino === st.ino && valid(mem)
        ? mem
        : null;
    let persisted = ours ? ours.persisted : -1;
    let start: Checkpoint | null = ours;
    // Far behind (others wrote much since), or nothing of our own: the file's checkpoint may be further on.
    if (!ours || size - ours.size >= SAVE_AFTER_BYTES) {
      const cp = loadCheckpoint(checkpointFile);
      if (valid(cp)) {
        persisted = cp.size;
        if (!start || cp.size > start.size) start = cp;
      } else persisted = -1;
    }
    let count = start ? start.count : EMPTY_COUNT;
    // New marks go to a list of their own (seeded with the last known one, which scan() compares with):
    // the remembered list is shared with earlier answers and never changed.
    const known = start ? start.marks : [];
    const seed = known.length > 0 ? 1 : 0;
    const fresh: Array<[number, number]> = known.slice(known.length - seed);
    let offset = start ? start.size : 0;
    // The last bytes counted, kept as they go by: the new checkpoint's tail without reading them again.
    let last: Buffer = start ? Buffer.from(start.tail, 'base64') : Buffer.alloc(0);
    while (offset < size) {
      const end = Math.min(size, offset + CHUNK);
      const chunk = readRange(fd, offset, end);
      count = scan(chunk, offset, count, fresh);
      last = chunk.length >= TAIL_BYTES ? chunk : Buffer.concat([last, chunk]);
      offset = end;
    }
    const marks = fresh.length > seed ? known.concat(fresh.slice(seed)) : known;
    const tail =
      start && start.size === size
        ? start.tail
        : last.subarray(Math.max(0, last.length - TAIL_BYTES)).toString('base64');
    const next: Checkpoint = { version: 1, size, count, tail, marks };
    if (save && (persisted < 0 || size - persisted >= SAVE_AFTER_BYTES)) {
      try {
        writeAtomic(checkpointFile, JSON.stringify(next));
        persisted = size;
      } catch {
        /* a cache: never fail a write for it */
      }
    }
    // Field by field: a spread of `next` with more fields after it took V8 its slow path (~10 us, most of a count).
    remembered.set(checkpointFile, {
      version: 1,
      size,
      count,
      tail,
      marks,
      logFile,
      dev: st.dev,
      ino: st.ino,
      persisted,
    });
    return { size, lines: totalLines(count), count, marks };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads physical lines [from, to] (1-based, inclusive) using the marks to
 * start near them. Returns fewer when the file is shorter.
 */
export function readLogLines(
  logFile: string,
  marks: ReadonlyArray<[number, number]>,
  from: number,
  to: number,
): string[] {
  let start: [number, number] = [1, 0];
  for (const mark of marks)
    if (mark[0] <= from) start = mark;
    else break;
  const fd = openIfExists(logFile);
  if (fd === null) return [];
  try {
    const size = fs.fstatSync(fd).size;
    const out: string[] = [];
    let line = start[0];
    let offset = start[1];
    let pending = '';
    let skipLeadingLF = false;
    while (offset < size && line <= to) {
      const end = Math.min(size, offset + CHUNK);
      let chunk = readRange(fd, offset, end).toString('latin1');
      offset = end;
      if (skipLeadingLF && chunk.startsWith('\n')) chunk = chunk.slice(1);
      const text = pending + chunk;
      // A chunk ending in "\r" ends a line; a "\n" opening the next chunk belongs to it.
      skipLeadingLF = text.endsWith('\r');
      const parts = text.split(/\r\n|\r|\n/);
      pending = parts.pop() ?? '';
      for (const part of parts) {
        if (line >= from && line <= to) out.push(part);
        line++;
      }
    }
    if (pending !== '' && line >= from && line <= to) out.push(pending);
    return out.map((l) => Buffer.from(l, 'latin1').toString('utf8'));
  } finally {
    fs.closeSync(fd);
  }
}
