/**
 * File access with the directory's rules: new files 600, new directories
 * 700, never following a symbolic link out of the directory, and appends that
 * either land whole or not at all.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CoordError, ioError } from '../common/errors';
import { fnv } from '../common/fnv';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;
const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/**
 * Creates `dir` and its missing parents, one mkdir each. Not Node's recursive
 * mkdir: that retries for ever where a parent exists yet a child cannot be
 * made (ENOENT under /proc) and reports a read-only file system as ENOENT.
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !existsOrUnknown(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      fs.mkdirSync(d, { mode: DIR_MODE });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && fs.statSync(d, { throwIfNoEntry: false })?.isDirectory()) continue;
      if (code === 'ENOENT')
        throw new CoordError(
          'io',
          `cannot create directory ${dir}: ${path.dirname(d)} exists but does not let ${path.basename(d)} be ` +
            'created in it (a virtual file system such as /proc or /sys?); choose a directory on an ordinary disk',
        );
      throw ioError(error, `create directory ${dir}`);
    }
  }
}

/** False only when nothing is at `file` (ENOENT); anything else is for mkdir to report. */
function existsOrUnknown(file: string): boolean {
  try {
    fs.statSync(file);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(file) === file;
  }
}

/** The file's text, or '' when it does not exist. Symbolic links are not read. */
export function readTextIfExists(file: string): string {
  return withFileIfExists(file, '', (fd) => fs.readFileSync(fd, 'utf8'));
}

export function readBytesIfExists(file: string): Buffer {
  return withFileIfExists(file, Buffer.alloc(0), (fd) => fs.readFileSync(fd));
}

/**
 * Only ENOENT means "not there": any other failure to look at a file, a
 * permission problem above all, is an error that says which file and what to do.
 */
function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * The file open for reading, or null when it does not exist (a symbolic link
 * or a directory counts as missing: never read through one). The caller closes it.
 */
export function openIfExists(file: string): number | null {
  try {
    return fs.openSync(file, fs.constants.O_RDONLY | NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (isMissing(error) || code === 'ELOOP' || code === 'EISDIR') return null;
    throw ioError(error, `read ${file}`);
  }
}

/** lstat of `file`, or null when nothing is there. */
export function lstatIfExists(file: string): fs.Stats | null {
  return statOrNull(file, fs.lstatSync);
}

/** stat of `file` (following links), or null when nothing is there. */
export function statIfExists(file: string): fs.Stats | null {
  return statOrNull(file, fs.statSync);
}

function statOrNull(file: string, stat: (file: string) => fs.Stats): fs.Stats | null {
  try {
    return stat(file);
  } catch (error) {
    if (isMissing(error)) return null;
    throw ioError(error, `read ${file}`);
  }
}

/**
 * Runs `read` on the open file and its size, or answers `missing` when the
 * file does not exist (see openIfExists).
 */
export function withFileIfExists<T>(file: string, missing: T, read: (fd: number, size: number) => T): T {
  const fd = openIfExists(file);
  if (fd === null) return missing;
  try {
    return read(fd, fs.fstatSync(fd).size);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return missing;
    if ((error as NodeJS.ErrnoException).errno === undefined) throw error; // not the file system's: ours to see
    throw ioError(error, `read ${file}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads bytes [start, end) of a file. */
export function readRange(fd: number, start: number, end: number): Buffer {
  const length = Math.max(0, end - start);
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, start + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

export const TAIL_BYTES = 64;

/**
 * The last bytes before `size`, as text to compare: a file whose tail at the
 * size we read is unchanged has only grown since (the rule every incremental
 * reader uses: the store, the log checkpoint, the persisted search index).
 */
export function fileTail(fd: number, size: number): string {
  return readRange(fd, Math.max(0, size - TAIL_BYTES), size).toString('base64');
}

/**
 * A digest of a file's first bytes (of the `size` read): with fileTail, what
 * tells a grown file from one rewritten from the top with the same tail.
 */
export function fileHead(fd: number, size: number): string {
  return fnv(readRange(fd, 0, Math.min(size, HEAD_BYTES)).toString('latin1')).toString(16);
}

const HEAD_BYTES = 64 * 1024;

export function openForAppend(file: string): number {
  try {
    return fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_APPEND | fs.constants.O_CREAT | NOFOLLOW, FILE_MODE);
  } catch (error) {
    throw ioError(error, `open ${file} for writing`);
  }
}

/**
 * Opens `file` for writing (never through a link), made 600 if it is
 * missing, and says whether this open made it (so a failed write can remove
 * it again): one open when the file exists, not a look first.
 */
function openForWriting(file: string, flags: number): { fd: number; created: boolean } {
  try {
    for (;;) {
      try {
        return { fd: fs.openSync(file, flags | NOFOLLOW), created: false };
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
      try {
        const fd = fs.openSync(file, flags | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, FILE_MODE);
        return { fd, created: true };
      } catch (error) {
        // Made by another tool in between: open it as it is.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  } catch (error) {
    throw ioError(error, `open ${file} for writing`);
  }
}

/**
 * Appends `data` in one write. If the write fails part-way (a full disk), the
 * file is cut back to its old length so no torn line is left behind.
 * With `ownLine` (the default) the data starts on a line of its own: a file
 * left ending mid-line (a crashed writer, a hand edit) gets a newline first,
 * so a new block is never glued onto a torn one. messages.log passes false:
 * its writer decides that itself, keeping Python's line numbers.
 */
export function appendWhole(file: string, data: string | Buffer, ownLine = true): void {
  let buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  guard?.();
  // A file this append creates is removed again if the append (or the write it belongs to) fails.
  const { fd, created } = openForWriting(file, fs.constants.O_RDWR | fs.constants.O_APPEND);
  let before = -1;
  try {
    before = fs.fstatSync(fd).size;
    if (ownLine && before > 0 && buf.length > 0 && buf[0] !== 0x0a && readRange(fd, before - 1, before)[0] !== 0x0a) {
      buf = Buffer.concat([Buffer.from('\n'), buf]);
    }
    let written = 0;
    while (written < buf.length) written += fs.writeSync(fd, buf, written, buf.length - written);
    journal?.push({ file, before, after: before + buf.length, created });
  } catch (error) {
    if (before >= 0) {
      try {
        fs.ftruncateSync(fd, before);
      } catch {
        /* best effort: report the original error */
      }
    }
    if (created) fs.rmSync(file, { force: true });
    throw ioError(error, `append to ${file}`);
  } finally {
    fs.closeSync(fd);
  }
}

interface JournalEntry {
  file: string;
  /** An append: the sizes before and after it, and whether it made the file. */
  before?: number;
  after?: number;
  created?: boolean;
  /** A rewrite: the old text (null: the file did not exist). */
  old?: string | null;
  /** An in-place write: where, the bytes it overwrote and the file's size before it (see writeInPlace). */
  at?: number;
  overwritten?: Buffer;
}

let journal: JournalEntry[] | null = null;
/** Checked before every write inside allOrNothing (the write lock is still ours). */
let guard: (() => void) | null = null;

/**
 * Runs `fn` (synchronous) so that its writes land all or not at all: when it
 * throws (a full disk half-way through a message's several files), every file
 * appendWhole grew inside it is cut back and every file writeAtomic replaced
 * is put back, newest first, before the error goes on. An append is only cut
 * back while the file still ends where ours did (a tool that does not lock
 * may have appended since). Used by withLock around every locked write.
 */
export function allOrNothing<T>(fn: () => T, check?: () => void): T {
  const outer = journal;
  const outerGuard = guard;
  const mine: JournalEntry[] = [];
  journal = mine;
  guard = check ?? outerGuard;
  try {
    return fn();
  } catch (error) {
    journal = null;
    guard = null;
    for (const entry of mine.reverse()) undo(entry);
    mine.length = 0;
    throw error;
  } finally {
    journal = outer;
    guard = outerGuard;
    outer?.push(...mine);
  }
}

function undo(entry: JournalEntry): void {
  try {
    if (entry.overwritten !== undefined) {
      undoInPlace(entry);
      return;
    }
    if (entry.old !== undefined) {
      if (entry.old === null) fs.rmSync(entry.file, { force: true });
      else replaceFile(entry.file, entry.old);
      return;
    }
    const fd = fs.openSync(entry.file, fs.constants.O_RDWR | NOFOLLOW);
    let emptied = false;
    try {
      if (fs.fstatSync(fd).size === entry.after) {
        fs.ftruncateSync(fd, entry.before);
        emptied = entry.before === 0;
      }
    } finally {
      fs.closeSync(fd);
    }
    if (emptied && entry.created) fs.rmSync(entry.file, { force: true });
  } catch {
    /* best effort: the original error is what the user needs */
  }
}

/**
 * Writes `data` over bytes [at, at + length) of `file`, in place (a new file
 * is made 600), leaving whatever follows: for a small record rewritten on
 * every message, which says itself how long it is. No temporary file and no
 * rename, which would cost more than the rest of a send (ext4 writes a file
 * renamed over another out to disk at once). Inside allOrNothing it is undone
 * byte for byte (a file it made is removed).
 */
export function writeInPlace(file: string, data: Buffer, at = 0): void {
  const open = openInPlace(file);
  try {
    open.write(data, at);
  } finally {
    open.close();
  }
}

/** A file open for writeInPlace's writes, more than one (the caller closes it). */
export interface InPlaceFile {
  write(data: Buffer, at?: number): void;
  close(): void;
}

export function openInPlace(file: string): InPlaceFile {
  guard?.();
  const { fd, created } = openForWriting(file, fs.constants.O_RDWR);
  let size = created ? 0 : -1; // known once looked at or written
  let closed = false;
  let first = true;
  return {
    write(data: Buffer, at = 0): void {
      try {
        if (first) first = false;
        else guard?.();
        if (size < 0) size = fs.fstatSync(fd).size;
        // The first write to a file this open made removes it when undone; later ones put bytes back.
        if (journal) {
          const overwritten = readRange(fd, at, Math.min(size, at + data.length));
          journal.push({ file, at, overwritten, before: size, created: created && size === 0 });
        }
        let written = 0;
        while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written, at + written);
        size = Math.max(size, at + data.length);
      } catch (error) {
        if (created && size <= 0) fs.rmSync(file, { force: true });
        throw ioError(error, `write ${file}`);
      }
    },
    close(): void {
      if (closed) return;
      closed = true;
      fs.closeSync(fd);
    },
  };
}

function undoInPlace(entry: JournalEntry): void {
  if (entry.created) {
    fs.rmSync(entry.file, { force: true });
    return;
  }
  const fd = fs.openSync(entry.file, fs.constants.O_RDWR | NOFOLLOW);
  try {
    const old = entry.overwritten!;
    fs.writeSync(fd, old, 0, old.length, entry.at);
    if (fs.fstatSync(fd).size > entry.before!) fs.ftruncateSync(fd, entry.before);
  } finally {
    fs.closeSync(fd);
  }
}

/** Removes `file` (not through a link); inside allOrNothing it is put back if the write fails. */
export function removeFile(file: string): void {
  try {
    const st = lstatIfExists(file);
    if (st === null) return;
    if (st.isSymbolicLink()) throw Object.assign(new Error('symbolic link'), { code: 'ELOOP', path: file });
    guard?.();
    const old = readTextIfExists(file);
    journal?.push({ file, old });
    fs.rmSync(file, { force: true });
  } catch (error) {
    throw ioError(error, `remove ${file}`);
  }
}

/** Whole-file rewrite: a temporary file renamed over the old one. */
export function writeAtomic(file: string, text: string | Buffer): void {
  try {
    if (isSymlink(file)) throw Object.assign(new Error('symbolic link'), { code: 'ELOOP', path: file });
    guard?.();
    if (journal) journal.push({ file, old: fs.existsSync(file) ? readTextIfExists(file) : null });
    replaceFile(file, typeof text === 'string' ? text : [text]);
  } catch (error) {
    throw ioError(error, `write ${file}`);
  }
}

let tempCount = 0;

/**
 * A cache beside the data (bookkeeping, see isBookkeepingPath) replaced
 * whole, outside any write session: nothing to undo, a reader sees the old
 * file or the new one.
 */
export function writeCacheFile(file: string, parts: Buffer[]): void {
  replaceFile(file, parts);
}

/** The text written to a temporary file beside `file` (see isTempPath), then renamed over it. */
function replaceFile(file: string, content: string | Buffer[]): void {
  const tmp = `${file}.tmp-${process.pid}-${tempCount++}`;
  try {
    const fd = fs.openSync(
      tmp,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW,
      FILE_MODE,
    );
    try {
      for (const buf of typeof content === 'string' ? [Buffer.from(content, 'utf8')] : content) {
        let written = 0;
        while (written < buf.length) written += fs.writeSync(fd, buf, written, buf.length - written);
      }
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

export function isSymlink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

export function touch(file: string): void {
  if (fs.existsSync(file)) return;
  appendWhole(file, '');
}

/** Regular files (not links) in `dir` whose names end with `suffix`. */
export function listFiles(dir: string, suffix = '.txt'): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw ioError(error, `list ${dir}`);
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => e.name)
    .sort();
}

/** Size, modification time and inode: changes when a file is written or replaced; 'missing' when absent. */
export function fileStamp(file: string): string {
  const st = statIfExists(file);
  return st === null ? 'missing' : statStamp(st);
}

/** A file's size, modification time and inode as one string: it changes whenever the file does. */
export function statStamp(st: fs.Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}
