/**
 * A message is written to several files: its log line (which numbers it and
 * so commits it), then its transcript copies and its action-log line. Before
 * those appends the writer records them in data/.coord-write-intent.json and
 * removes the record when all landed. A writer killed in between leaves the
 * record behind; the next writer (under the same lock) completes the copies
 * of a message whose log line landed, and drops the record of one whose log
 * line did not (nothing of it was written: the log line comes first).
 */
import * as fs from 'fs';
import { CoordError } from '../common/errors';
import { Layout } from '../disk/layout';
import { appendWhole, readRange, withFileIfExists, writeAtomic } from '../disk/fsutil';
import { PlannedAppend } from './messageWrites';

interface Intent {
  log: { line: string; sizeBefore: number };
  appends: Array<PlannedAppend & { sizeBefore: number }>;
}

export function recordIntent(layout: Layout, logLine: string, appends: PlannedAppend[]): void {
  const intent: Intent = {
    log: { line: logLine, sizeBefore: sizeOf(layout.messagesLog) },
    appends: appends.map((a) => ({ ...a, sizeBefore: sizeOf(a.file) })),
  };
  try {
    writeAtomic(layout.writeIntent, JSON.stringify(intent));
  } catch (error) {
    // A full disk: the record is a safeguard against a kill, not worth refusing a write that may still fit.
    const code = (error as CoordError).fsCode;
    if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error;
  }
}

export function clearIntent(layout: Layout): void {
  fs.rmSync(layout.writeIntent, { force: true });
}

/** Completes (or drops) what a writer that died mid-message left; returns the number of copies appended. */
export function completeTornWrite(layout: Layout): number {
  let intent: Intent;
  try {
    intent = JSON.parse(fs.readFileSync(layout.writeIntent, 'utf8')) as Intent;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    clearIntent(layout); // unreadable: nothing to complete from it
    return 0;
  }
  let completed = 0;
  if (landedAfter(layout.messagesLog, intent.log.sizeBefore, `${intent.log.line}\n`)) {
    for (const a of intent.appends) {
      if (landedAfter(a.file, a.sizeBefore, a.text)) continue;
      appendWhole(a.file, a.text);
      completed++;
    }
  }
  clearIntent(layout);
  return completed;
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Whether `text` was appended to `file` at or after byte `from` (others may have appended too). */
function landedAfter(file: string, from: number, text: string): boolean {
  return withFileIfExists(file, false, (fd, size) => {
    return readRange(fd, Math.max(0, from - 1), size).includes(Buffer.from(text, 'utf8'));
  });
}
