/**
 * data/action-log.txt, one action per line:
 *   [ts] instance-1 | ACTION_TYPE | details      (current)
 *   [ts] instance-1: ACTION_TYPE - details       (older)
 * A line that does not start with `[` continues the entry above.
 */
import { TIMESTAMP_SOURCE } from '../common/time';
import { readRange, withFileIfExists } from '../disk/fsutil';
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

/**
 * The last `limit` entries, reading the file from its end only as far as
 * they need (a growing window that starts at a line opening an entry).
 */
export function lastActions(file: string, limit: number): ActionEntry[] {
  return withFileIfExists(file, [], (fd, size) => {
    for (let span = 64 * 1024; ; span *= 4) {
      const start = Math.max(0, size - span);
      const text = readRange(fd, start, size).toString('utf8');
      let lines = splitLines(text);
      if (start > 0) {
        // The first line may be cut, and lines before the first entry line belong to an earlier entry.
        const first = lines.findIndex((l, k) => k > 0 && l.startsWith('[') && LOOSE_RE.test(l));
        lines = first < 0 ? [] : lines.slice(first);
      }
      const entries = parseActionLog(lines.join('\n'));
      if (start === 0 || entries.length >= limit) return entries.slice(Math.max(0, entries.length - limit));
    }
  });
}
