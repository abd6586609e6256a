/**
 * What one physical line of data/messages.log says: a message (numbered by
 * its line, placed by resolveLogTarget, with the id derived from the line), or
 * the continuation of the message above. The store, the persisted search
 * index's delta reader and the reply fast path all read log lines here.
 */
import { parseLogLine } from '../formats/messagesLog';
import { logLineId, Place, PlacedMessage, resolveLogTarget } from './messageIdentity';

export interface LogMessageFields extends Place {
  number: number;
  id: string;
  time: string;
  from: string;
  text: string;
  replyTo: number | string | null;
  dm: boolean;
  /** Its last physical line (continuation lines extend it). */
  lastLine: number;
}

/**
 * The message line `number` starts, or null when the line continues the one
 * above. `parentOf` finds an earlier message by number (Python replies to
 * `coordination` go where their parent is); `isRoomName` reads bare targets.
 */
export function readLogLine(
  line: string,
  number: number,
  parentOf: (number: number) => PlacedMessage | undefined,
  isRoomName: (name: string) => boolean,
): LogMessageFields | null {
  const parsed = parseLogLine(line);
  if (!parsed) return null;
  const place = resolveLogTarget(parsed.rawTarget, parsed.from, parsed.dm, parsed.replyTo, parentOf, isRoomName);
  return {
    number,
    id: logLineId(number, parsed.time, parsed.from, line),
    time: parsed.time,
    from: parsed.from,
    text: parsed.text,
    replyTo: parsed.replyTo,
    dm: parsed.dm,
    ...place,
    lastLine: number,
  };
}

/** A continuation line with no message above it (the log's first line) still owns its number. */
export function orphanLogLine(line: string, number: number): LogMessageFields {
  return {
    number,
    id: logLineId(number, '', '', line),
    time: '',
    from: '',
    text: line,
    replyTo: null,
    dm: false,
    target: '',
    room: null,
    to: null,
    lastLine: number,
  };
}

/** Adds a continuation line to the message above. */
export function continueLogMessage(
  owner: { text: string; lastLine: number | null },
  line: string,
  number: number,
): void {
  owner.text += '\n' + line;
  owner.lastLine = number;
}
