/**
 * "Since you last looked": a short, deterministic digest of a room's unread
 * messages, shown above them when the room opens. The same messages always
 * give the same digest (sorted, no clock).
 */
import type { Message } from '../common/messageTypes';
import { refOf } from './addressing';
import type { MessageList } from './needsYou';

export interface RoomDigest {
  count: number;
  /** Senders by how many they wrote, then by id. */
  from: Array<{ id: string; count: number }>;
  urgent: Array<number | string>;
  ackRequested: Array<number | string>;
  /** Threads that grew: the thread's first message and how many replies were added. */
  threads: Array<{ root: number | string; added: number }>;
  /** One line, e.g. "5 new …: 3 from instance-2, 2 from instance-3 · urgent #12 · threads grew #8 (+2)". */
  summary: string;
}

/**
 * `fresh` are the unread messages (in order); `find` looks a message up by
 * reference among the room's messages (refFinder() of them), so a reply's
 * thread is found even when its root was read long ago.
 */
export function roomDigest(fresh: MessageList, find: RefFinder): RoomDigest {
  const bySender = new Map<string, number>();
  const urgent: Array<number | string> = [];
  const ackRequested: Array<number | string> = [];
  const grew = new Map<string, { root: number | string; added: number }>();
  for (let k = 0; k < fresh.length; k++) {
    const m = fresh.at(k)!;
    bySender.set(m.from, (bySender.get(m.from) ?? 0) + 1);
    if (m.importance === 'urgent') urgent.push(refOf(m));
    if (m.ackRequired) ackRequested.push(refOf(m));
    if (m.replyTo === null) continue;
    const root = threadRoot(m, find);
    const key = String(root);
    const entry = grew.get(key) ?? { root, added: 0 };
    entry.added++;
    grew.set(key, entry);
  }
  const from = [...bySender]
    .map(([id, count]) => ({ id, count }))
    .sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
  const threads = [...grew.values()].sort((a, b) => compareRefs(a.root, b.root));
  return {
    count: fresh.length,
    from,
    urgent,
    ackRequested,
    threads,
    summary: summarize(fresh.length, from, urgent, ackRequested, threads),
  };
}

/** The first of a room's messages that a reference names (as `find((x) => sameRef(ref, x))`), if any. */
export type RefFinder = (ref: number | string) => Message | undefined;

/**
 * A RefFinder over `count` messages by position, indexed once (a room of a
 * million messages has thousands of replies): `number(k)` and `id(k)` say
 * which each is, `message(k)` builds it when a thread needs it (once).
 */
export function refFinder(
  count: number,
  number: (k: number) => number | null,
  id: (k: number) => string,
  message: (k: number) => Message,
): RefFinder {
  const byNumber = new Map<number, number>();
  const byId = new Map<string, number>();
  for (let k = 0; k < count; k++) {
    const n = number(k);
    if (n !== null && !byNumber.has(n)) byNumber.set(n, k);
    const i = id(k);
    if (!byId.has(i)) byId.set(i, k);
  }
  // One object per message, as a list of them would give: a cycle of replies is seen by identity.
  const built = new Map<number, Message>();
  return (ref) => {
    const k = typeof ref === 'number' ? byNumber.get(ref) : byId.get(ref);
    if (k === undefined) return undefined;
    let m = built.get(k);
    if (!m) built.set(k, (m = message(k)));
    return m;
  };
}

function threadRoot(m: Message, find: RefFinder): number | string {
  let current: Message = m;
  const seen = new Set<Message>();
  while (current.replyTo !== null && !seen.has(current)) {
    seen.add(current);
    const parentRef = current.replyTo;
    const parent = find(parentRef);
    if (!parent) return parentRef;
    current = parent;
  }
  return refOf(current);
}

function compareRefs(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a.localeCompare(b);
}

const show = (r: number | string): string => (typeof r === 'number' ? `#${r}` : `id:${r}`);

function summarize(
  count: number,
  from: RoomDigest['from'],
  urgent: RoomDigest['urgent'],
  ack: RoomDigest['ackRequested'],
  threads: RoomDigest['threads'],
): string {
  if (count === 0) return 'Nothing new since you last looked';
  const parts = [`${count} new since you last looked: ${from.map((f) => `${f.count} from ${f.id}`).join(', ')}`];
  if (urgent.length) parts.push(`urgent ${urgent.map(show).join(', ')}`);
  if (ack.length) parts.push(`ack asked ${ack.map(show).join(', ')}`);
  if (threads.length) parts.push(`threads grew ${threads.map((t) => `${show(t.root)} (+${t.added})`).join(', ')}`);
  return parts.join(' · ');
}
