/**
 * The SYSTEM lines of a room's transcript (created, description, closed, …),
 * kept per file across calls: a transcript only grows between sends, so a
 * later call reads just the bytes appended since, and a call that needs only
 * the leading lines (a room with a status line wants its description and
 * creation) stops reading once it has them. Before, the room rule re-read
 * whole transcripts on every change; a 10k-message room without a
 * description line cost megabytes of parsing each time.
 *
 * A SYSTEM line is recognised on its own physical line (parseTranscript does
 * not need the block around it), so parsing from any line start gives the
 * same events as parsing the whole file.
 */
import * as fs from 'fs';
import { fileHead, fileTail, readRange, statIfExists, statStamp, withFileIfExists } from '../disk/fsutil';
import { countLines } from '../disk/lines';
import { parseTranscript, TranscriptEvent } from '../formats/transcript';

interface ScannedTranscript {
  /** statStamp when last read: unchanged means nothing to read. */
  stamp: string;
  ino: number;
  /** Bytes read and parsed, always ending at a line end, and the lines in them. */
  scanned: number;
  lines: number;
  head: string;
  tail: string;
  events: TranscriptEvent[];
  /** Events of an unterminated last line (not yet part of `scanned`). */
  pending: TranscriptEvent[];
  /** Whether `events` cover the file up to `scanned`'s end (false when a leading read stopped early). */
  complete: boolean;
}

// A leading read usually ends in the first lines: chunks start small and grow to the largest.
const FIRST_CHUNK_BYTES = 64 * 1024;
const CHUNK_BYTES = 4 * 1024 * 1024;
const scans = new Map<string, ScannedTranscript>();

/** Stops a leading read: the room rule takes only the first description and creation from a listed room. */
export const hasDescriptionAndCreation = (events: TranscriptEvent[]): boolean =>
  events.some((e) => e.type === 'description') && events.some((e) => e.type === 'created');

/**
 * The transcript's SYSTEM events in file order: all of them, or with `enough`
 * at least those up to the line where `enough` first holds ([] when the file
 * is missing).
 */
export function roomTranscriptEvents(file: string, enough?: (events: TranscriptEvent[]) => boolean): TranscriptEvent[] {
  const st = statIfExists(file);
  if (st === null || !st.isFile()) {
    scans.delete(file);
    return [];
  }
  const known = scans.get(file);
  if (known && known.stamp === statStamp(st) && (known.complete || enough?.(known.events))) return eventsOf(known);
  return withFileIfExists(file, [], (fd) => {
    // The stamp and size of one fstat: bytes appended after it change the stamp, so the next call reads them.
    const opened = fs.fstatSync(fd);
    const size = opened.size;
    const scan = resumable(known, fd, opened) ?? fresh(opened.ino);
    scan.stamp = statStamp(opened);
    scan.pending = [];
    scan.complete = false;
    let chunk = FIRST_CHUNK_BYTES;
    while (scan.scanned < size && !enough?.(scan.events)) {
      const bytes = readRange(fd, scan.scanned, Math.min(size, scan.scanned + chunk));
      const end = bytes.lastIndexOf(0x0a) + 1;
      if (end === 0 && scan.scanned + bytes.length < size) {
        chunk *= 2; // a line longer than a chunk
        continue;
      }
      if (end === 0) {
        // The last line has no line end yet: its events count now, and it is read again once it has one.
        scan.pending = systemEvents(bytes.toString('utf8'), scan.lines);
        scan.complete = true;
        break;
      }
      const text = bytes.toString('utf8', 0, end);
      const found = systemEvents(text, scan.lines);
      // A new array, not a push: callers may hold the one returned before.
      if (found.length) scan.events = [...scan.events, ...found];
      scan.lines += countLines(bytes.subarray(0, end)).terminators;
      scan.scanned += end;
      chunk = Math.max(chunk, Math.min(chunk * 4, CHUNK_BYTES));
    }
    if (scan.scanned >= size) scan.complete = true;
    if (scan.scanned > 0) {
      scan.head = fileHead(fd, scan.scanned);
      scan.tail = fileTail(fd, scan.scanned);
    }
    scans.set(file, scan);
    return eventsOf(scan);
  });
}

/** The scan kept for this file when the file has only grown since (same inode, head and tail). */
function resumable(known: ScannedTranscript | undefined, fd: number, st: fs.Stats): ScannedTranscript | undefined {
  if (!known || st.size < known.scanned || st.ino !== known.ino) return undefined;
  if (known.scanned > 0 && (fileTail(fd, known.scanned) !== known.tail || fileHead(fd, known.scanned) !== known.head))
    return undefined;
  return known;
}

/** The events read, with those of an unterminated last line. */
function eventsOf(scan: ScannedTranscript): TranscriptEvent[] {
  return scan.pending.length ? [...scan.events, ...scan.pending] : scan.events;
}

function fresh(ino: number): ScannedTranscript {
  return { stamp: '', ino, scanned: 0, lines: 0, head: '', tail: '', events: [], pending: [], complete: false };
}

function systemEvents(text: string, lineOffset: number): TranscriptEvent[] {
  return parseTranscript(text, lineOffset, false).filter((item): item is TranscriptEvent => item.kind === 'system');
}
