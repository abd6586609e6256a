/**
 * Recording that an instance read messages, in every place a tool looks:
 * read-status/<id>.txt and data/read-receipts.log (Python), the inbox STATUS
 * lines and the transcript positions (bash).
 *
 * Marking a large directory read touches hundreds of thousands of lines, so
 * the work is split: planReadMarks computes everything before the lock is
 * taken; writeReadMarks, called under the lock, only appends the marks and
 * rewrites the lines that change. A signal that arrives while the lock is
 * held waits for the write (it must land whole or not at all): keeping it
 * short keeps Ctrl-C prompt.
 */
import { Layout } from '../disk/layout';
import { appendWhole, readTextIfExists, writeAtomic } from '../disk/fsutil';
import { formatReadMark, formatReadReceipt, upsertPosition } from '../formats/readMarks';
import { StoredMessage } from '../read/storedMessage';

export interface TranscriptLength {
  kind: 'chatroom' | 'dm';
  name: string;
  lines: number;
}

/** What marking messages read writes, computed before the lock. */
export interface ReadMarkPlan {
  me: string;
  /** Appended to read-status/<me>.txt (encoded before the lock too). */
  marks: Buffer;
  /** Appended to data/read-receipts.log. */
  receipts: Buffer;
  /** Lines of the reader's inbox whose `STATUS: unread` turns `read` (the blocks of the messages marked). */
  inboxLines: Set<number>;
  /** Transcripts whose bash position moves to their end (mark-read all), or null. */
  positions: TranscriptLength[] | null;
}

export function planReadMarks(
  me: string,
  messages: StoredMessage[],
  time: string,
  sourceKind: (key: string) => { kind: string; name: string } | undefined,
  positions: TranscriptLength[] | null,
): ReadMarkPlan {
  // Python's marks: a number per log line (continuation lines included), an id for a legacy message.
  let marks = '';
  let receipts = '';
  const inboxLines = new Set<number>();
  for (const m of messages) {
    if (m.number === null) marks += formatReadMark(m.id, time);
    else {
      for (let line = m.number; line <= (m.lastLine ?? m.number); line++) {
        marks += formatReadMark(line, time);
        receipts += formatReadReceipt(time, me, line);
      }
    }
    for (const ref of m.refs) {
      if (ref.block.status !== 'unread') continue;
      const source = sourceKind(ref.source);
      if (source?.kind === 'inbox' && source.name === me)
        for (let l = ref.block.firstLine; l <= ref.block.lastLine; l++) inboxLines.add(l);
    }
  }
  const visible = positions?.filter((t) => t.kind !== 'dm' || t.name.split('_').includes(me)) ?? null;
  return {
    me,
    marks: Buffer.from(marks, 'utf8'),
    receipts: Buffer.from(receipts, 'utf8'),
    inboxLines,
    positions: visible,
  };
}

/** Writes a plan. Called under the directory lock. */
export function writeReadMarks(layout: Layout, plan: ReadMarkPlan): void {
  if (plan.marks.length > 0) appendWhole(layout.readMarks(plan.me), plan.marks);
  if (plan.receipts.length > 0) appendWhole(layout.readReceipts, plan.receipts);
  if (plan.inboxLines.size > 0) markInboxLinesRead(layout.inbox(plan.me), plan.inboxLines);
  if (plan.positions) advancePositions(layout.positions(plan.me), plan.positions);
}

/** Bash's inbox: the lines turn `STATUS: read`. */
function markInboxLinesRead(inboxFile: string, lines: Set<number>): void {
  const physical = readTextIfExists(inboxFile).split('\n');
  let changed = false;
  for (const line of lines) {
    const i = line - 1;
    // A CRLF inbox keeps its line ends.
    if (i < physical.length && /^STATUS: unread\r?$/.test(physical[i])) {
      physical[i] = physical[i].replace('unread', 'read');
      changed = true;
    }
  }
  if (changed) writeAtomic(inboxFile, physical.join('\n'));
}

/** Bash's positions: every transcript the reader can see, read to its end. */
function advancePositions(file: string, transcripts: TranscriptLength[]): void {
  let text = readTextIfExists(file);
  const before = text;
  for (const t of transcripts) text = upsertPosition(text, t);
  if (text !== before) writeAtomic(file, text);
}
