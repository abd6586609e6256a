/**
 * The room rule: which chatrooms exist and in what state, decided here for
 * every reader and writer (the store's list, `send`, `reply`, create, close).
 *
 * A room exists when data/chatroom-status.txt lists it, when it has a
 * transcript (chatrooms/NAME.txt), or when a log line was sent to it: the
 * older tools write to rooms they never created, and such a room is a real,
 * open room that can be sent and replied to. Its state comes from its status
 * line when it has one, else from its transcript's SYSTEM lines, else it is
 * open since its first log line. Names are unique regardless of case (the
 * first spelling wins) and a name that is not a valid room name is no room.
 */
import * as fs from 'fs';
import { Chatroom } from '../common/messageTypes';
import { isValidRoomName } from '../common/names';
import { Layout } from '../disk/layout';
import { readTextIfExists } from '../disk/fsutil';
import { ChatroomStatusEntry, parseChatroomStatusFile } from '../formats/chatroomStatus';
import { TranscriptEvent } from '../formats/transcript';

export interface RoomEvidence {
  statusEntries: ChatroomStatusEntry[];
  /**
   * Room transcripts with their SYSTEM lines. A room with a status line takes
   * only its description (and a creation time its line lacks) from them, so
   * a caller that needs rooms' states alone may leave such rooms out.
   */
  transcripts: Iterable<{ name: string; events: TranscriptEvent[] }>;
  /** Rooms log lines were sent to, with the time of the first. */
  logRooms: Iterable<{ name: string; time: string }>;
}

/** Every room, keyed by its lower-cased name. */
export function roomsFrom(evidence: RoomEvidence): Map<string, Chatroom> {
  const events = new Map<string, TranscriptEvent[]>();
  for (const t of evidence.transcripts) {
    if (isValidRoomName(t.name) && !events.has(t.name.toLowerCase())) events.set(t.name.toLowerCase(), t.events);
  }
  const rooms = new Map<string, Chatroom>();
  for (const e of evidence.statusEntries) {
    const lower = e.name.toLowerCase();
    if (!isValidRoomName(e.name) || rooms.has(lower)) continue;
    const own = events.get(lower) ?? [];
    rooms.set(lower, {
      name: e.name,
      status: e.status,
      creator: e.creator,
      created: e.created || own.find((ev) => ev.type === 'created')?.time || '',
      modified: e.modified,
      reason: e.reason,
      description: own.find((ev) => ev.type === 'description')?.value ?? '',
    });
  }
  for (const t of evidence.transcripts) {
    const lower = t.name.toLowerCase();
    if (isValidRoomName(t.name) && !rooms.has(lower)) rooms.set(lower, roomFromEvents(t.name, t.events));
  }
  for (const r of evidence.logRooms) {
    const lower = r.name.toLowerCase();
    if (!isValidRoomName(r.name) || rooms.has(lower)) continue;
    rooms.set(lower, {
      name: r.name,
      status: 'open',
      creator: '',
      created: r.time,
      modified: r.time,
      reason: '',
      description: '',
    });
  }
  return rooms;
}

/** The entries of data/chatroom-status.txt (comments and unreadable lines left out). */
export function readStatusEntries(layout: Layout): ChatroomStatusEntry[] {
  return parseChatroomStatusFile(readTextIfExists(layout.chatroomStatus)).flatMap((l) =>
    l.kind === 'entry' ? [l.entry] : [],
  );
}

/**
 * How a bare target in a log line (`-> name:`, no `#` or `@`) is read: a room
 * when the status file lists that name (in any case) or its transcript
 * exists, else an instance.
 */
export function bareNameRule(layout: Layout, statusEntries: ChatroomStatusEntry[]): (name: string) => boolean {
  const names = new Set(statusEntries.map((e) => e.name.toLowerCase()));
  return (name) => names.has(name.toLowerCase()) || fs.existsSync(layout.chatroom(name));
}

/** A room known from its transcript alone: its SYSTEM lines say who made it and whether it is closed. */
export function roomFromEvents(name: string, events: TranscriptEvent[]): Chatroom {
  const created = events.find((e) => e.type === 'created');
  const room: Chatroom = {
    name,
    status: 'open',
    creator: created?.value ?? '',
    created: created?.time ?? '',
    modified: created?.time ?? '',
    reason: '',
    description: events.find((e) => e.type === 'description')?.value ?? '',
  };
  // The last close or reopen sets the room's state.
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.type !== 'closed' && e.type !== 'reopened') continue;
    room.status = e.type === 'closed' ? 'closed' : 'open';
    room.modified = e.time;
    const reason =
      events[i + 1]?.type === (e.type === 'closed' ? 'closure-reason' : 'reopen-reason') ? events[i + 1].value : '';
    room.reason = e.type === 'closed' ? reason : '';
  }
  return room;
}
