/**
 * Writing a room's state: its line in data/chatroom-status.txt and the SYSTEM
 * lines of its transcript that the bash tools read. Called under the lock.
 */
import { Chatroom } from '../common/messageTypes';
import { Layout } from '../disk/layout';
import * as fs from 'fs';
import { appendWhole, openIfExists, readRange, readTextIfExists, writeAtomic } from '../disk/fsutil';
import {
  CHATROOM_STATUS_HEADER,
  ChatroomStatusEntry,
  formatChatroomStatusFile,
  formatChatroomStatusLine,
  parseChatroomStatusFile,
} from '../formats/chatroomStatus';
import { formatSystemLine } from '../formats/transcript';

/** A new room: its status line (after the header when the file is new) and its transcript's first lines. */
export function writeNewRoom(layout: Layout, entry: ChatroomStatusEntry, description: string): void {
  const current = readTextIfExists(layout.chatroomStatus);
  const head = current === '' ? CHATROOM_STATUS_HEADER : current.endsWith('\n') ? '' : '\n';
  appendWhole(layout.chatroomStatus, `${head}${formatChatroomStatusLine(entry)}\n`);
  let transcript = formatSystemLine(entry.created, `Chatroom '${entry.name}' created by ${entry.creator}`);
  if (description) transcript += formatSystemLine(entry.created, `Description: ${description}`);
  appendWhole(layout.chatroom(entry.name), transcript);
}

/**
 * Closes or reopens a room: its status line replaced (or added, for a room
 * that had none; other lines kept byte for byte) and the event in its
 * transcript. Returns the new status entry.
 */
export function writeRoomStatus(
  layout: Layout,
  room: Chatroom,
  change: { status: 'open' | 'closed'; reason: string; by: string; time: string },
): ChatroomStatusEntry {
  const updated: ChatroomStatusEntry = {
    name: room.name,
    status: change.status,
    creator: room.creator,
    created: room.created,
    modified: change.time,
    reason: change.status === 'closed' ? change.reason : '',
  };
  rewriteKeepingAppends(layout.chatroomStatus, (current) => {
    const lines = parseChatroomStatusFile(current);
    let replaced = false;
    const next = lines.flatMap((l) => {
      if (l.kind !== 'entry' || l.entry.name.toLowerCase() !== room.name.toLowerCase()) return [l];
      if (replaced) return [];
      replaced = true;
      return [{ kind: 'entry' as const, entry: updated }];
    });
    if (!replaced) next.push({ kind: 'entry', entry: updated });
    if (next.length === 0 || next[0].kind === 'entry') next.unshift(...parseChatroomStatusFile(CHATROOM_STATUS_HEADER));
    return formatChatroomStatusFile(next);
  });
  const [event, label] = change.status === 'closed' ? ['closed', 'Closure reason'] : ['reopened', 'Reopen reason'];
  let transcript = formatSystemLine(change.time, `Chatroom ${event} by ${change.by}`);
  if (change.reason) transcript += formatSystemLine(change.time, `${label}: ${change.reason}`);
  appendWhole(layout.chatroom(room.name), transcript);
  return updated;
}

/**
 * Rewrites a file the older tools append to without a lock (the Python tool
 * adds rooms to data/chatroom-status.txt): lines appended while we rewrote
 * went to the old file, which we still hold open, and are carried over.
 */
function rewriteKeepingAppends(file: string, transform: (text: string) => string): void {
  const fd = openIfExists(file);
  try {
    const read = fd === null ? Buffer.alloc(0) : readRange(fd, 0, fs.fstatSync(fd).size);
    writeAtomic(file, transform(read.toString('utf8')));
    if (fd === null) return;
    const size = fs.fstatSync(fd).size;
    if (size > read.length) appendWhole(file, readRange(fd, read.length, size));
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
