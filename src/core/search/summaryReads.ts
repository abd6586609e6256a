/**
 * The reading commands answered from the directory's summary (the persisted
 * index plus what was appended since, see persistedIndex.ts) by reading only
 * the rows they print: the last messages of a room, one thread. Rows are in
 * the store's allMessages() order and carry the fields the store gives (room,
 * parent as messageByRef resolves it), so answers equal a full load's.
 */
import { Message, MessageRef } from '../common/messageTypes';
import { CachedCorpus } from './indexReader';

/** Messages of one room (lower-cased name), oldest first: the last `limit` when given. */
export function summaryRoomMessages(c: CachedCorpus, lowerRoom: string, limit?: number): Message[] {
  const want = limit !== undefined && limit > 0 ? limit : Infinity;
  const hits: number[] = [];
  for (let i = c.count - 1; i >= 0 && hits.length < want; i--) {
    const room = c.room(i);
    if (room !== null && room.toLowerCase() === lowerRoom) hits.push(i);
  }
  return hits.reverse().map((i) => c.message(i));
}

/** A message and every reply below it, depth first in order; null when there is no such message. */
export function summaryThread(c: CachedCorpus, ref: MessageRef): Message[] | null {
  const root = c.find(ref);
  if (root < 0) return null;
  const children = new Map<number, number[]>();
  for (let i = 0; i < c.count; i++) {
    const p = c.parent(i);
    if (p < 0) continue;
    const list = children.get(p);
    if (list) list.push(i);
    else children.set(p, [i]);
  }
  const out: Message[] = [];
  const walk = (i: number) => {
    out.push(c.message(i));
    for (const child of children.get(i) ?? []) walk(child);
  };
  walk(root);
  return out;
}
