/**
 * An instance's read marks without parsing read-status/<id>.txt from its
 * first line on every command. Every tool only appends to that file, and
 * `mark-read all` makes it a line per message, so its parsed table is kept
 * beside the data (data/.coord-read-marks-<id>) with the size it covers and
 * the bytes before that size; a reader parses only what was appended since.
 * A file that shrank, was replaced or changed before that size is parsed
 * whole again. The table is a cache: deleting it is always safe.
 *
 * Each process also remembers the tables it read, so a second look in the
 * same process reads only the new bytes. Tables are written only by
 * saveReadMarkTables, which a command calls once it has succeeded (a refused
 * command changes no file).
 */
import * as fs from 'fs';
import { endianness } from 'os';
import { fileHead, fileTail, openIfExists, readRange, writeCacheFile } from '../disk/fsutil';
import { fnv } from '../common/fnv';
import { Layout } from '../disk/layout';
import { MarkedNumbers, parseReadMarks, ReadMarks } from '../formats/readMarks';

const VERSION = 1;
/** A table is worth writing once this many bytes were parsed beyond the one on disk. */
const SAVE_AFTER_BYTES = 256 * 1024;

interface Covered {
  ino: number;
  /** Bytes of the marks file the table covers: up to the end of a line. */
  size: number;
  tail: string;
  head: string;
}

interface Remembered extends Covered {
  marks: ReadMarks;
  /** The size the table file holds (-1: none). */
  saved: number;
  tableFile: string;
}

const remembered = new Map<string, Remembered>();
const EMPTY_HEAD = fnv('').toString(16);

/** The read marks of `instance` as its read-status file says now. */
export function readMarksOf(layout: Layout, instance: string): ReadMarks {
  const file = layout.readMarks(instance);
  const fd = openIfExists(file);
  if (fd === null) {
    remembered.delete(file);
    return parseReadMarks('');
  }
  try {
    const st = fs.fstatSync(fd);
    let known = remembered.get(file);
    if (!known || !stillCovers(fd, known, st)) known = loadTable(layout.readMarkTable(instance), fd, st) ?? undefined;
    if (!known || !stillCovers(fd, known, st)) known = empty(layout.readMarkTable(instance), st.ino);
    const bytes = readRange(fd, known.size, st.size);
    // Only whole lines are remembered: a line being written, or a last line without its end, is parsed fresh.
    const lineEnd = bytes.lastIndexOf(0x0a) + 1;
    if (lineEnd > 0) {
      parseReadMarks(bytes.subarray(0, lineEnd).toString('utf8'), known.marks);
      known.size += lineEnd;
      known.tail = fileTail(fd, known.size);
      known.head = fileHead(fd, known.size);
    }
    remembered.set(file, known);
    if (lineEnd === bytes.length) return known.marks;
    return parseReadMarks(bytes.subarray(lineEnd).toString('utf8'), copyOf(known.marks));
  } finally {
    fs.closeSync(fd);
  }
}

/** Forgets what this process read (as a new process would start); the table files stay. */
export function forgetReadMarkTables(): void {
  remembered.clear();
}

/** Writes the tables this process parsed well beyond what their files hold. A failed write is ignored. */
export function saveReadMarkTables(): void {
  for (const known of remembered.values()) {
    if (known.size - Math.max(0, known.saved) < SAVE_AFTER_BYTES) continue;
    try {
      writeCacheFile(known.tableFile, encodeTable(known));
      known.saved = known.size;
    } catch {
      /* a cache */
    }
  }
}

function stillCovers(fd: number, known: Covered, st: fs.Stats): boolean {
  return (
    known.ino === st.ino &&
    st.size >= known.size &&
    fileTail(fd, known.size) === known.tail &&
    fileHead(fd, known.size) === known.head
  );
}

function empty(tableFile: string, ino: number): Remembered {
  return { ino, size: 0, tail: '', head: EMPTY_HEAD, marks: parseReadMarks(''), saved: -1, tableFile };
}

function copyOf(marks: ReadMarks): ReadMarks {
  const parts = marks.numbers.toParts();
  return {
    numbers: MarkedNumbers.fromParts({ ...parts, byNumber: parts.byNumber.slice(), times: [...parts.times] }),
    ids: new Set(marks.ids),
  };
}

// The table file: a 4-byte length, that much JSON (what it covers, the times, the rare parts), then the
// number array.
interface TableHeader extends Covered {
  version: number;
  endian: string;
  times: string[];
  large: Array<[number, string]>;
  ids: string[];
  count: number;
  length: number;
}

function encodeTable(known: Remembered): Buffer[] {
  const parts = known.marks.numbers.toParts();
  const header: TableHeader = {
    version: VERSION,
    endian: endianness(),
    ino: known.ino,
    size: known.size,
    tail: known.tail,
    head: known.head,
    times: parts.times,
    large: parts.large,
    ids: [...known.marks.ids],
    count: parts.size,
    length: parts.byNumber.length,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const numbers = Buffer.from(parts.byNumber.buffer, parts.byNumber.byteOffset, parts.byNumber.byteLength);
  return [length, json, numbers];
}

/** The table kept for this marks file, when it is whole and describes it; null otherwise. */
function loadTable(tableFile: string, marksFd: number, st: fs.Stats): Remembered | null {
  const fd = openIfExists(tableFile);
  if (fd === null) return null;
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 4) return null;
    const jsonLength = readRange(fd, 0, 4).readUInt32LE(0);
    if (jsonLength > size - 4) return null;
    const header = JSON.parse(readRange(fd, 4, 4 + jsonLength).toString('utf8')) as TableHeader;
    if (header.version !== VERSION || header.endian !== endianness() || !wellFormed(header)) return null;
    if (size !== 4 + jsonLength + header.length * 4) return null;
    if (!stillCovers(marksFd, header, st)) return null;
    const bytes = readRange(fd, 4 + jsonLength, size);
    const byNumber = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    for (const k of byNumber) if (k < 0 || k > header.times.length) return null;
    const numbers = MarkedNumbers.fromParts({ byNumber, times: header.times, large: header.large, size: header.count });
    return {
      ino: header.ino,
      size: header.size,
      tail: header.tail,
      head: header.head,
      marks: { numbers, ids: new Set(header.ids) },
      saved: header.size,
      tableFile,
    };
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

function wellFormed(h: TableHeader): boolean {
  return (
    Number.isInteger(h.length) &&
    h.length >= 0 &&
    Number.isInteger(h.count) &&
    Number.isInteger(h.size) &&
    typeof h.tail === 'string' &&
    typeof h.head === 'string' &&
    Array.isArray(h.times) &&
    h.times.every((t) => typeof t === 'string') &&
    Array.isArray(h.large) &&
    h.large.every((e) => Array.isArray(e) && typeof e[0] === 'number' && typeof e[1] === 'string') &&
    Array.isArray(h.ids) &&
    h.ids.every((id) => typeof id === 'string')
  );
}
