/** One log message read straight from data/messages.log by number, without loading the directory. */
import { Layout } from '../disk/layout';
import { readLogLines, scanLog } from '../disk/logCheckpoint';
import { LogMessageFields, readLogLine } from './logMessages';

/** Message `number` (and a Python reply's parent, if it needs one), or null when no line starts it nearby. */
export function findLogMessage(
  layout: Layout,
  number: number,
  isRoomName: (name: string) => boolean,
): LogMessageFields | null {
  const scan = scanLog(layout.messagesLog, layout.logCheckpoint, false);
  if (number < 1 || number > scan.lines) return null;
  const from = Math.max(1, number - 200);
  const lines = readLogLines(layout.messagesLog, scan.marks, from, number);
  for (let i = lines.length - 1; i >= 0; i--) {
    const own = from + i;
    const parentOf = (n: number) => (n < own ? (findLogMessage(layout, n, isRoomName) ?? undefined) : undefined);
    const fields = readLogLine(lines[i], own, parentOf, isRoomName);
    // A continuation line: its message starts above.
    if (fields) return { ...fields, lastLine: number };
  }
  return null;
}
