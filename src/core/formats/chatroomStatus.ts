/**
 * data/chatroom-status.txt: `NAME:STATUS:CREATED_BY:CREATED_TIME:LAST_MODIFIED:CLOSURE_REASON`,
 * `#` lines are comments. Timestamps hold colons, so lines are parsed by shape;
 * truncated times written by a bash bug (`2025-06-15 04:2025-06-15 06:14:58`)
 * are tolerated. Unparseable lines are kept verbatim on rewrite.
 */
import { RoomState } from '../common/messageTypes';
import { TIMESTAMP_SOURCE } from '../common/time';
import { splitLines } from '../disk/lines';

/** One line of the file: a room's state. */
export type ChatroomStatusEntry = RoomState;

/** `raw` keeps an entry's original text so a rewrite leaves untouched lines byte for byte. */
export type StatusFileLine =
  { kind: 'entry'; entry: ChatroomStatusEntry; raw?: string } | { kind: 'verbatim'; text: string };

const HEAD_RE = /^([^:#\s][^:]*):(open|closed):([^:]*):(.*)$/;
const FULL_TIMES_RE = new RegExp(`^(${TIMESTAMP_SOURCE}):(${TIMESTAMP_SOURCE}):(.*)$`);
const TRUNCATED_CREATED_RE = new RegExp(`^(.*?)(${TIMESTAMP_SOURCE}):(.*)$`);

export function parseChatroomStatusLine(line: string): ChatroomStatusEntry | null {
  const head = HEAD_RE.exec(line.trimEnd());
  if (!head) return null;
  const [, name, status, creator, rest] = head;
  const full = FULL_TIMES_RE.exec(rest);
  if (full)
    return { name, status: status as 'open' | 'closed', creator, created: full[1], modified: full[2], reason: full[3] };
  const truncated = TRUNCATED_CREATED_RE.exec(rest);
  if (truncated)
    return {
      name,
      status: status as 'open' | 'closed',
      creator,
      created: '',
      modified: truncated[2],
      reason: truncated[3],
    };
  return { name, status: status as 'open' | 'closed', creator, created: '', modified: '', reason: '' };
}

export function parseChatroomStatusFile(text: string): StatusFileLine[] {
  return splitLines(text).map((line) => {
    if (line.startsWith('#') || line.trim() === '') return { kind: 'verbatim', text: line };
    const entry = parseChatroomStatusLine(line);
    return entry ? { kind: 'entry', entry, raw: line } : { kind: 'verbatim', text: line };
  });
}

export function formatChatroomStatusLine(e: ChatroomStatusEntry): string {
  const reason = e.reason.replace(/[\r\n]+/g, ' ');
  return `${e.name}:${e.status}:${e.creator}:${e.created}:${e.modified}:${reason}`;
}

export function formatChatroomStatusFile(lines: StatusFileLine[]): string {
  return (
    lines.map((l) => (l.kind === 'entry' ? (l.raw ?? formatChatroomStatusLine(l.entry)) : l.text)).join('\n') + '\n'
  );
}

export const CHATROOM_STATUS_HEADER =
  '# Chatroom Status Tracking\n# Format: CHATROOM_NAME:STATUS:CREATED_BY:CREATED_TIME:LAST_MODIFIED:CLOSURE_REASON\n';
