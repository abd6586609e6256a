/**
 * The room rule (rooms.ts) for the write path, which must not read the whole
 * log on every send: the status file and the transcripts of rooms without a
 * status line. A room found here is the room the full rule gives (the log
 * only adds rooms that neither names; descriptions of rooms with a status
 * line are left out); a name not found here may still be a room the log
 * names, which only the store can tell.
 */
import { Chatroom } from '../common/messageTypes';
import { isValidRoomName } from '../common/names';
import { Layout } from '../disk/layout';
import { fileStamp, listFiles } from '../disk/fsutil';
import { TranscriptEvent } from '../formats/transcript';
import { readStatusEntries, roomsFrom } from './rooms';
import { hasDescriptionAndCreation, roomTranscriptEvents } from './roomTranscriptEvents';

/**
 * Rooms keyed by lower-cased name. Cached per directory while the status
 * file, the chatrooms/ listing and the transcripts that decide a room's state
 * (those without a status line) are unchanged: a stat each instead of a parse
 * on every send.
 */
export function roomsWithoutLog(layout: Layout): Map<string, Chatroom> {
  const cached = cache.get(layout.root);
  if (cached && cached.stamp === stampOf(layout, cached.transcriptOnly)) return cached.rooms;
  const statusEntries = readStatusEntries(layout);
  const listed = new Set(statusEntries.filter((e) => isValidRoomName(e.name)).map((e) => e.name.toLowerCase()));
  const transcripts: Array<{ name: string; events: TranscriptEvent[] }> = [];
  for (const file of listFiles(layout.chatroomsDir)) {
    const name = file.slice(0, -4);
    if (!isValidRoomName(name) || listed.has(name.toLowerCase())) continue;
    transcripts.push({ name, events: roomTranscriptEvents(layout.chatroom(name)) });
  }
  const rooms = roomsFrom({ statusEntries, transcripts, logRooms: [] });
  const transcriptOnly = transcripts.map((t) => t.name);
  cache.set(layout.root, { stamp: stampOf(layout, transcriptOnly), transcriptOnly, rooms });
  return rooms;
}

/** One room with its description: the rule over the status file and that room's own transcript. */
export function roomWithDescription(layout: Layout, name: string): Chatroom | undefined {
  const statusEntries = readStatusEntries(layout);
  const listed = statusEntries.some((e) => e.name.toLowerCase() === name.toLowerCase());
  const events = roomEvents(layout, name, listed);
  return roomsFrom({ statusEntries, transcripts: [{ name, events }], logRooms: [] }).get(name.toLowerCase());
}

/**
 * Every room under the rule, given the log's evidence (rooms log lines were
 * sent to, e.g. from the persisted summary) instead of reading the log. A room
 * with a status line takes only its description and creation time from its
 * transcript, so that is read from its start until both appear; a room
 * without one is read whole (its SYSTEM lines decide its state). Either is
 * read once and then only what was appended (roomTranscriptEvents.ts).
 */
export function roomsWithLogEvidence(
  layout: Layout,
  logRooms: Iterable<{ name: string; time: string }>,
): Map<string, Chatroom> {
  const statusEntries = readStatusEntries(layout);
  const listed = new Set(statusEntries.filter((e) => isValidRoomName(e.name)).map((e) => e.name.toLowerCase()));
  const transcripts: Array<{ name: string; events: TranscriptEvent[] }> = [];
  for (const file of listFiles(layout.chatroomsDir)) {
    const name = file.slice(0, -4);
    if (!isValidRoomName(name)) continue;
    transcripts.push({ name, events: roomEvents(layout, name, listed.has(name.toLowerCase())) });
  }
  return roomsFrom({ statusEntries, transcripts, logRooms });
}

/** A room's SYSTEM lines: with a status line, those up to its first description and creation line; else all. */
function roomEvents(layout: Layout, name: string, listed: boolean): TranscriptEvent[] {
  return roomTranscriptEvents(layout.chatroom(name), listed ? hasDescriptionAndCreation : undefined);
}

const cache = new Map<string, { stamp: string; transcriptOnly: string[]; rooms: Map<string, Chatroom> }>();

function stampOf(layout: Layout, transcriptOnly: string[]): string {
  return [layout.chatroomStatus, layout.chatroomsDir, ...transcriptOnly.map((r) => layout.chatroom(r))]
    .map(fileStamp)
    .join(';');
}
