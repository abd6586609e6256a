/**
 * Writing one message: its line in data/messages.log (which numbers it) and
 * the copies the older tools read (the room transcript, the recipient's inbox,
 * the bash and Python DM files). Called under the directory lock.
 */
import * as fs from 'fs';
import { Layout } from '../disk/layout';
import { appendWhole, ensureDir } from '../disk/fsutil';
import { readLogLines, scanLog } from '../disk/logCheckpoint';
import { formatReplyPrefix } from '../formats/messagesLog';
import { formatPythonDmLine } from '../formats/pythonDm';
import { formatBlock } from '../formats/transcript';

export interface OutgoingMessage {
  from: string;
  /** "#room" or "@instance". */
  target: string;
  dm: boolean;
  text: string;
  replyTo: number | string | null;
  replyToSender?: string;
}

/**
 * An 8-hex id like the older tools' (uuid4()[:8]). Math.random is enough for
 * a display id and spares every CLI start the cost of loading node:crypto.
 */
export function newMessageId(): string {
  return Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');
}

/** Appends one log line under the held lock and returns its number. */
export function appendLogLine(layout: Layout, line: string): number {
  const before = scanLog(layout.messagesLog, layout.logCheckpoint, true);
  // A torn last line (a crashed writer) keeps its number; ours starts on a line of its own.
  const prefix = before.count.partial ? '\n' : '';
  const data = Buffer.from(`${prefix}${line}\n`, 'utf8');
  appendWhole(layout.messagesLog, data, false);
  const expected = before.lines + 1;
  let size = -1;
  try {
    size = fs.statSync(layout.messagesLog).size;
  } catch {
    /* checked below */
  }
  if (size === before.size + data.length) return expected;
  // Another tool (which does not lock) wrote at the same moment: find our line.
  const after = scanLog(layout.messagesLog, layout.logCheckpoint, false);
  const candidates = readLogLines(layout.messagesLog, after.marks, before.lines + 1, after.lines);
  const index = candidates.indexOf(line);
  return index >= 0 ? before.lines + 1 + index : expected;
}

/** The bash tools read transcripts, the Python tool its DM files: keep both current. */
export function writeTranscriptCopies(layout: Layout, input: OutgoingMessage, time: string, id: string): void {
  const shown =
    input.replyTo !== null ? `${formatReplyPrefix(input.replyTo, input.replyToSender)}${input.text}` : input.text;
  if (input.target.startsWith('#')) {
    appendWhole(layout.chatroom(input.target.slice(1)), formatBlock({ time, from: input.from, id, text: shown }));
    return;
  }
  const to = input.target.slice(1);
  if (input.dm) {
    ensureDir(layout.dmsDir);
    appendWhole(layout.pythonDm(input.from, to), formatPythonDmLine(time, input.from, shown));
    appendWhole(
      layout.bashDm(input.from, to),
      formatBlock({ time, from: input.from, to, id, text: shown, status: `unread by ${to}` }),
    );
  } else {
    ensureDir(layout.inboxesDir);
    appendWhole(layout.inbox(to), formatBlock({ time, from: input.from, id, text: shown, status: 'unread' }));
  }
}
