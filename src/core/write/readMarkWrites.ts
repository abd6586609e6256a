/**
 * Recording that an instance read messages, in every place a tool looks:
 * read-status/<id>.txt and data/read-receipts.log (Python), the inbox STATUS
 * lines and the transcript positions (bash).
 *
 * Marking a large directory read touches hundreds of thousands of lines, so
 * the work is split: planReadMarks computes everything before the lock is
 * taken; writeReadMarks, called under the lock, only encodes and appends the
 * marks (a piece at a time, straight into a reused buffer) and rewrites the
 * lines that change. A signal that arrives while the lock is
 * held waits for the write (it must land whole or not at all): keeping it
 * short keeps Ctrl-C prompt.
 */
import { Layout } from '../disk/layout';
import { appendWhole, readBytesIfExists, readTextIfExists, writeAtomic } from '../disk/fsutil';
import { ReadMarkEncoder, upsertPosition } from '../formats/readMarks';
import { StoredMessage } from '../read/storedMessage';

export interface TranscriptLength {
  kind: 'chatroom' | 'dm';
  name: string;
  lines: number;
}

/**
 * What marking messages read records: each message as the reader sees it (its
 * number, or its id when it has no log line) with the last log line it spans,
 * and the lines of the reader's inbox blocks still `STATUS: unread`. Numbers,
 * not message objects: `mark-read all` may mark a million.
 */
export interface ReadTargets {
  refs: Array<number | string>;
  /** For each number in `refs`, its last physical log line (continuation lines are marked too); 0 for an id. */
  lastLines: number[];
  inboxLines: number[];
}

/** The reader's inbox block `block` (from source `kind`/`name`) still says unread: its lines. */
export function unreadInboxLines(
  source: { kind: string; name: string } | undefined,
  me: string,
  block: { status: string | null; firstLine: number; lastLine: number },
  out: number[],
): void {
  if (source?.kind !== 'inbox' || source.name !== me || block.status !== 'unread') return;
  for (let l = block.firstLine; l <= block.lastLine; l++) out.push(l);
}

export function readTargetsOf(
  messages: StoredMessage[],
  sourceKind: (key: string) => { kind: string; name: string } | undefined,
  me: string,
): ReadTargets {
  const targets: ReadTargets = { refs: [], lastLines: [], inboxLines: [] };
  for (const m of messages) {
    targets.refs.push(m.number ?? m.id);
    targets.lastLines.push(m.number === null ? 0 : (m.lastLine ?? m.number));
    for (const ref of m.refs) unreadInboxLines(sourceKind(ref.source), me, ref.block, targets.inboxLines);
  }
  return targets;
}

/** What marking messages read writes, computed before the lock. */
export interface ReadMarkPlan {
  me: string;
  time: string;
  /** Marked in read-status/<me>.txt and data/read-receipts.log, encoded a piece at a time as they are written. */
  targets: Pick<ReadTargets, 'refs' | 'lastLines'>;
  /**
   * Lines of the reader's inbox whose `STATUS: unread` turns `read` (the
   * blocks of the messages marked), in order; 'every' for mark-read all,
   * which turns every such line of the inbox (no block is left to read).
   */
  inboxLines: Float64Array | 'every';
  /** Transcripts whose bash position moves to their end (mark-read all), or null. */
  positions: TranscriptLength[] | null;
}

/** Lines of marks (and receipts) per piece appended: no buffer of a million lines is ever built. */
const MARKS_PER_PIECE = 20_000;

/** `positions` is given for mark-read all (and only then): what it advances. */
export function planReadMarks(
  me: string,
  targets: ReadTargets,
  time: string,
  positions: TranscriptLength[] | null,
): ReadMarkPlan {
  return {
    me,
    time,
    targets,
    inboxLines: positions ? 'every' : sortedUnique(targets.inboxLines),
    positions: positions?.filter((t) => t.kind !== 'dm' || t.name.split('_').includes(me)) ?? null,
  };
}

function sortedUnique(list: number[]): Float64Array {
  const sorted = Float64Array.from(list).sort();
  let kept = 0;
  for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[kept++] = sorted[k];
  return sorted.subarray(0, kept);
}

/** Writes a plan. Called under the directory lock. */
export function writeReadMarks(layout: Layout, plan: ReadMarkPlan): void {
  const marksFile = layout.readMarks(plan.me);
  // Python's marks: a number per log line (continuation lines included), an id for a legacy message.
  const encoder = new ReadMarkEncoder(plan.time, plan.me, MARKS_PER_PIECE, (marks, receipts) => {
    if (marks.length > 0) appendWhole(marksFile, marks);
    if (receipts.length > 0) appendWhole(layout.readReceipts, receipts);
  });
  const { refs, lastLines } = plan.targets;
  refs.forEach((ref, k) => {
    if (typeof ref === 'string') encoder.addId(ref);
    else for (let line = ref; line <= lastLines[k]; line++) encoder.addNumber(line);
  });
  encoder.cut();
  if (plan.inboxLines.length > 0) markInboxLinesRead(layout.inbox(plan.me), plan.inboxLines);
  if (plan.positions) advancePositions(layout.positions(plan.me), plan.positions);
}

/**
 * Bash's inbox: the lines (or every line) that read exactly `STATUS: unread`
 * turn `STATUS: read` (lines split at "\n"; a CRLF inbox keeps its line ends).
 */
function markInboxLinesRead(inboxFile: string, lines: Float64Array | 'every'): void {
  const bytes = readBytesIfExists(inboxFile);
  // Rewritten in place, the text before each line moved down over the two bytes the line before it lost.
  let copied = 0;
  let written = 0;
  /** The line at `start`, which reads exactly `STATUS: unread`, turns read. */
  const turn = (start: number) => {
    bytes.copyWithin(written, copied, start + STATUS.length);
    written += start + STATUS.length - copied;
    bytes.set(READ, written);
    written += READ.length;
    copied = start + UNREAD.length;
  };
  if (lines === 'every') {
    for (let at = bytes.indexOf(UNREAD); at !== -1; at = bytes.indexOf(UNREAD, at + UNREAD.length))
      if ((at === 0 || bytes[at - 1] === 0x0a) && isUnreadLine(bytes, at)) turn(at);
  } else {
    let line = 1;
    let start = 0;
    for (const wanted of lines) {
      for (; line < wanted && start !== -1; line++) {
        const end = bytes.indexOf(0x0a, start);
        start = end === -1 ? -1 : end + 1;
      }
      if (start === -1) break;
      if (isUnreadLine(bytes, start)) turn(start);
    }
  }
  if (copied === 0) return;
  bytes.copyWithin(written, copied);
  written += bytes.length - copied;
  writeAtomic(inboxFile, bytes.subarray(0, written));
}

/** Whether the line at `start` reads exactly `STATUS: unread`. */
function isUnreadLine(bytes: Buffer, start: number): boolean {
  const end = start + UNREAD.length;
  return end <= bytes.length && bytes.compare(UNREAD, 0, UNREAD.length, start, end) === 0 && endsLine(bytes, end);
}

/** Whether a line ends at `at` ("\n", "\r\n" or the end of the file). */
function endsLine(bytes: Buffer, at: number): boolean {
  return (
    at === bytes.length ||
    bytes[at] === 0x0a ||
    (bytes[at] === 0x0d && (at + 1 === bytes.length || bytes[at + 1] === 0x0a))
  );
}

const STATUS = Buffer.from('STATUS: ');
const UNREAD = Buffer.from('STATUS: unread');
const READ = Buffer.from('read');

/** Bash's positions: every transcript the reader can see, read to its end. */
function advancePositions(file: string, transcripts: TranscriptLength[]): void {
  let text = readTextIfExists(file);
  const before = text;
  for (const t of transcripts) text = upsertPosition(text, t);
  if (text !== before) writeAtomic(file, text);
}
