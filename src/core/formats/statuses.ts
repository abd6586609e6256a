/**
 * Instance statuses, in two files written by two tools:
 *   data/status.txt         `instance-2: text  (updated: ts)`, one line per instance (bash)
 *   data/status_<id>.txt    `[ts] text`, no trailing newline (Python)
 * The newest of the two wins for an instance.
 */
import { TIMESTAMP_SOURCE } from '../common/time';
import { splitLines } from '../disk/lines';

export interface StatusEntry {
  instance: string;
  text: string;
  updated: string;
}

const BASH_LINE_RE = new RegExp(`^([^:\\s]+): (.*?)\\s*\\(updated: (${TIMESTAMP_SOURCE})\\)\\s*$`);
const BASH_LINE_NO_TIME_RE = /^([^:\s]+): (.*)$/;
const PYTHON_RE = new RegExp(`^\\[(${TIMESTAMP_SOURCE})\\] ?([\\s\\S]*)$`);

export function parseStatusTxt(text: string): StatusEntry[] {
  const entries: StatusEntry[] = [];
  for (const line of splitLines(text)) {
    const m = BASH_LINE_RE.exec(line);
    if (m) entries.push({ instance: m[1], text: m[2], updated: m[3] });
    else {
      const loose = BASH_LINE_NO_TIME_RE.exec(line);
      if (loose) entries.push({ instance: loose[1], text: loose[2].trim(), updated: '' });
    }
  }
  return entries;
}

export function formatStatusTxtLine(e: StatusEntry): string {
  return `${e.instance}: ${e.text.replace(/[\r\n]+/g, ' ')}  (updated: ${e.updated})`;
}

/** Replaces (or adds) one instance's line, keeping every other line as it was. */
export function upsertStatusTxt(text: string, entry: StatusEntry): string {
  const lines = splitLines(text);
  const own = (line: string) => line.startsWith(`${entry.instance}: `);
  const kept = lines.filter((line) => !own(line));
  kept.push(formatStatusTxtLine(entry));
  return kept.join('\n') + '\n';
}

export function parseInstanceStatusFile(instance: string, text: string): StatusEntry | null {
  const m = PYTHON_RE.exec(text.trim());
  if (!m) return text.trim() ? { instance, text: text.trim(), updated: '' } : null;
  return { instance, text: m[2].trim(), updated: m[1] };
}

export function formatInstanceStatusFile(e: StatusEntry): string {
  return `[${e.updated}] ${e.text.replace(/[\r\n]+/g, ' ')}`;
}
