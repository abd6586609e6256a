/**
 * data/action-log.txt, one action per line:
 *   [ts] instance-1 | ACTION_TYPE | details      (current)
 *   [ts] instance-1: ACTION_TYPE - details       (older)
 * A line that does not start with `[` continues the entry above.
 */
import { TIMESTAMP_SOURCE } from '../common/time';
import { splitLines } from '../disk/lines';

export interface ActionEntry {
  time: string;
  instance: string;
  action: string;
  details: string;
}

const CURRENT_RE = new RegExp(`^\\[(${TIMESTAMP_SOURCE})\\] (\\S+) \\| ([A-Z_]+) \\| ?(.*)$`);
const OLDER_RE = new RegExp(`^\\[(${TIMESTAMP_SOURCE})\\] (\\S+): ([A-Z_]+) - ?(.*)$`);
const LOOSE_RE = new RegExp(`^\\[(${TIMESTAMP_SOURCE})\\] ?(.*)$`);

export function parseActionLog(text: string): ActionEntry[] {
  const entries: ActionEntry[] = [];
  for (const line of splitLines(text)) {
    const m = CURRENT_RE.exec(line) ?? OLDER_RE.exec(line);
    if (m) {
      entries.push({ time: m[1], instance: m[2], action: m[3], details: m[4].trimEnd() });
      continue;
    }
    const loose = line.startsWith('[') ? LOOSE_RE.exec(line) : null;
    if (loose) entries.push({ time: loose[1], instance: '', action: '', details: loose[2] });
    else if (entries.length > 0) entries[entries.length - 1].details += '\n' + line;
    else if (line.trim()) entries.push({ time: '', instance: '', action: '', details: line });
  }
  return entries;
}

export function formatActionLine(e: ActionEntry): string {
  const details = e.details.replace(/\r\n|\r|\n/g, ' ');
  return `[${e.time}] ${e.instance} | ${e.action} | ${details}\n`;
}
