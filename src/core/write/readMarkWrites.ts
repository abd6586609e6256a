/**
 * Recording that an instance read messages, in every place a tool looks:
 * read-status/<id>.txt and data/read-receipts.log (Python), the inbox STATUS
 * lines and the transcript positions (bash). Called under the directory lock.
 */
import { Layout } from '../disk/layout';
import { appendWhole, readTextIfExists, writeAtomic } from '../disk/fsutil';
import { formatReadMark, formatReadReceipt, upsertPosition } from '../formats/readMarks';
import { StoredMessage } from '../read/storedMessage';

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

/** Lines of marks (and receipts) are appended this many at a time: memory stays flat for a million. */
const MARKS_PER_APPEND = 20_000;

/** Python's marks: a number per log line (continuation lines included), an id for a legacy message. */
export function appendReadMarks(layout: Layout, me: string, targets: ReadTargets, time: string): void {
  let marks: string[] = [];
  let receipts: string[] = [];
  const flush = () => {
    if (marks.length) appendWhole(layout.readMarks(me), marks.join(''));
    if (receipts.length) appendWhole(layout.readReceipts, receipts.join(''));
    marks = [];
    receipts = [];
  };
  targets.refs.forEach((ref, k) => {
    if (typeof ref === 'string') marks.push(formatReadMark(ref, time));
    for (let line = ref as number; typeof ref === 'number' && line <= targets.lastLines[k]; line++) {
      marks.push(formatReadMark(line, time));
      receipts.push(formatReadReceipt(time, me, line));
    }
    if (marks.length >= MARKS_PER_APPEND) flush();
  });
  flush();
}

/** Bash's inbox: the reader's blocks listed in `inboxLines` turn `STATUS: read`. */
export function markInboxBlocksRead(layout: Layout, me: string, inboxLines: number[]): void {
  if (inboxLines.length === 0) return;
  const lines = new Set(inboxLines);
  const inboxFile = layout.inbox(me);
  const text = readTextIfExists(inboxFile);
  const physical = text.split('\n');
  // A CRLF inbox keeps its line ends.
  const updated = physical.map((line, i) =>
    lines.has(i + 1) && /^STATUS: unread\r?$/.test(line) ? line.replace('unread', 'read') : line,
  );
  writeAtomic(inboxFile, updated.join('\n'));
}

/** Bash's positions: every transcript the reader can see, read to its end. */
export function advancePositions(
  layout: Layout,
  transcripts: Array<{ kind: 'chatroom' | 'dm'; name: string; lines: number }>,
  me: string,
): void {
  let text = readTextIfExists(layout.positions(me));
  const before = text;
  for (const t of transcripts) {
    if (t.kind === 'dm' && !t.name.split('_').includes(me)) continue;
    text = upsertPosition(text, { kind: t.kind, name: t.name, lines: t.lines });
  }
  if (text !== before) writeAtomic(layout.positions(me), text);
}
