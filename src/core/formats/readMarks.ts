/**
 * Read marks, in three shapes:
 *   read-status/<id>.txt              `12: read at ts` (Python) or `12:ts` (bash), duplicates
 *                                     allowed; ours also writes `id:8abda4b6: read at ts` for
 *                                     transcript-only legacy messages (Python skips such lines)
 *   read-status/<id>_positions.txt    `chatroom:<room>:   N` / `dm:<a>_<b>:   N`, the number of
 *                                     transcript lines read (the sample's counts are lines)
 *   read-status/dm_<a>_<b>_reads.txt  `[ts] <id-prefix> read by <id>`
 */
import { splitLines } from '../disk/lines';

export interface ReadMarks {
  /** Message number -> the latest time it was marked ('' when the line has no time). */
  numbers: Map<number, string>;
  ids: Set<string>;
}

export function parseReadMarks(text: string): ReadMarks {
  const marks: ReadMarks = { numbers: new Map(), ids: new Set() };
  for (const line of splitLines(text)) {
    const num = /^\s*(\d+)\s*:\s*(?:read at )?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)?/.exec(line);
    if (num) {
      const n = Number(num[1]);
      const time = num[2] ?? '';
      const previous = marks.numbers.get(n);
      if (previous === undefined || (previous !== '' && (time === '' || time > previous))) marks.numbers.set(n, time);
      continue;
    }
    const id = /^id:([0-9A-Za-z]+):/.exec(line);
    if (id) marks.ids.add(id[1]);
  }
  return marks;
}

export function formatReadMark(ref: number | string, time: string): string {
  return typeof ref === 'number' ? `${ref}: read at ${time}\n` : `id:${ref}: read at ${time}\n`;
}

/** A line of data/read-receipts.log, the Python tool's record of who read which log line. */
export function formatReadReceipt(time: string, reader: string, line: number): string {
  return `[${time}] READ-RECEIPT: ${reader} read message ${line}\n`;
}

export interface Position {
  kind: 'chatroom' | 'dm';
  name: string;
  lines: number;
}

export function parsePositions(text: string): Position[] {
  const out: Position[] = [];
  for (const line of splitLines(text)) {
    const m = /^(chatroom|dm):([^:]+):\s*(\d+)\s*$/.exec(line);
    if (m) out.push({ kind: m[1] as 'chatroom' | 'dm', name: m[2], lines: Number(m[3]) });
  }
  return out;
}

/** The last position for each transcript wins, as the bash reader takes it. */
export function positionsByKey(positions: Position[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const p of positions) map.set(`${p.kind}:${p.name}`, p.lines);
  return map;
}

export function upsertPosition(text: string, position: Position): string {
  const key = `${position.kind}:${position.name}:`;
  const kept = splitLines(text).filter((line) => !line.startsWith(key));
  kept.push(`${key}${String(position.lines).padStart(8)}`);
  return kept.join('\n') + '\n';
}

export interface DmReadReceipt {
  time: string;
  idPrefix: string;
  reader: string;
}

export function parseDmReads(text: string): DmReadReceipt[] {
  const out: DmReadReceipt[] = [];
  for (const line of splitLines(text)) {
    const m = /^\[([^\]]+)\] (\S+) read by (\S+)\s*$/.exec(line);
    if (m) out.push({ time: m[1], idPrefix: m[2], reader: m[3] });
  }
  return out;
}
