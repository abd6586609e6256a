/**
 * Recording that an instance read messages, in every place a tool looks:
 * read-status/<id>.txt and data/read-receipts.log (Python), the inbox STATUS
 * lines and the transcript positions (bash). Called under the directory lock.
 */
import { Layout } from '../disk/layout';
import { appendWhole, readTextIfExists, writeAtomic } from '../disk/fsutil';
import { formatReadMark, formatReadReceipt, upsertPosition } from '../formats/readMarks';
import { StoredMessage } from '../read/storedMessage';

/** Python's marks: a number per log line (continuation lines included), an id for a legacy message. */
export function appendReadMarks(layout: Layout, me: string, messages: StoredMessage[], time: string): void {
  let marks = '';
  let receipts = '';
  for (const m of messages) {
    if (m.number === null) {
      marks += formatReadMark(m.id, time);
      continue;
    }
    for (let line = m.number; line <= (m.lastLine ?? m.number); line++) {
      marks += formatReadMark(line, time);
      receipts += formatReadReceipt(time, me, line);
    }
  }
  if (marks) appendWhole(layout.readMarks(me), marks);
  if (receipts) appendWhole(layout.readReceipts, receipts);
}

/** Bash's inbox: the messages' blocks in the reader's own inbox turn `STATUS: read`. */
export function markInboxBlocksRead(
  layout: Layout,
  sourceKind: (key: string) => { kind: string; name: string } | undefined,
  me: string,
  messages: StoredMessage[],
): void {
  const inboxFile = layout.inbox(me);
  const lines = new Set<number>();
  for (const m of messages) {
    for (const ref of m.refs) {
      const source = sourceKind(ref.source);
      if (source?.kind === 'inbox' && source.name === me && ref.block.status === 'unread') {
        for (let l = ref.block.firstLine; l <= ref.block.lastLine; l++) lines.add(l);
      }
    }
  }
  if (lines.size === 0) return;
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
