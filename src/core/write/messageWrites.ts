/**
 * Writing one message: its line in data/messages.log (which numbers it) and
 * the copies the older tools read (the room transcript, the recipient's inbox,
 * the bash and Python DM files). Called under the directory lock.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CoordError } from '../common/errors';
import { Layout } from '../disk/layout';
import { appendWhole, ensureDir } from '../disk/fsutil';
import { LogScan, readLogLines, scanLog } from '../disk/logCheckpoint';
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
 * An 8-hex id like the older tools' (uuid4()[:8]), not one `taken` says a
 * message has: at a million messages a random id repeats one about every
 * 4,300 sends, and `reply <id>` would then find the older message. Math.random
 * is enough for a display id and spares every CLI start the cost of loading
 * node:crypto.
 */
export function newMessageId(taken: (id: string) => boolean = () => false, random = Math.random): string {
  let id = '';
  for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
    id = Math.floor(random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
    if (!taken(id)) return id;
  }
  return id;
}

/** Draws before an id is used even if taken (each draw is taken with odds of n / 2^32). */
const ID_ATTEMPTS = 8;

/** The log's count before a write appends to it (the caller holds the lock). */
export function scanBeforeAppend(layout: Layout): LogScan {
  return scanLog(layout.messagesLog, layout.logCheckpoint, true);
}

/** Appends one log line under the held lock and returns its number (`before`: the count just before). */
export function appendLogLine(layout: Layout, line: string, before = scanBeforeAppend(layout)): number {
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

/** One append a message write makes besides its log line. */
export interface PlannedAppend {
  file: string;
  text: string;
}

/** The bash tools read transcripts, the Python tool its DM files: the copies that keep both current. */
export function transcriptCopies(layout: Layout, input: OutgoingMessage, time: string, id: string): PlannedAppend[] {
  const shown =
    input.replyTo !== null ? `${formatReplyPrefix(input.replyTo, input.replyToSender)}${input.text}` : input.text;
  if (input.target.startsWith('#'))
    return [
      { file: layout.chatroom(input.target.slice(1)), text: formatBlock({ time, from: input.from, id, text: shown }) },
    ];
  const to = input.target.slice(1);
  if (input.dm) {
    return [
      { file: layout.pythonDm(input.from, to), text: formatPythonDmLine(time, input.from, shown) },
      {
        file: layout.bashDm(input.from, to),
        text: formatBlock({ time, from: input.from, to, id, text: shown, status: `unread by ${to}` }),
      },
    ];
  }
  return [{ file: layout.inbox(to), text: formatBlock({ time, from: input.from, id, text: shown, status: 'unread' }) }];
}

export function writeAppends(appends: PlannedAppend[]): void {
  for (const a of appends) {
    try {
      appendWhole(a.file, a.text);
    } catch (error) {
      // Its directory is missing (a directory the older tools made without it, a hand removal): made, then again.
      if ((error as CoordError).fsCode !== 'ENOENT') throw error;
      ensureDir(path.dirname(a.file));
      appendWhole(a.file, a.text);
    }
  }
}
