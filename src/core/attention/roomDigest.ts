/**
 * "Since you last looked": a short, deterministic digest of a room's unread
 * messages, shown above them when the room opens. The same messages always
 * give the same digest (sorted, no clock).
 */
import type { Message } from '../common/messageTypes';
import { refOf } from './addressing';

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
 * `fresh` are the unread messages (in order); `all` the room's messages, so a
 * reply's thread is found even when its root was read long ago.
 */
export function roomDigest(fresh: readonly Message[], all: readonly Message[]): RoomDigest {
  const bySender = new Map<string, number>();
  for (const m of fresh) bySender.set(m.from, (bySender.get(m.from) ?? 0) + 1);
  const from = [...bySender]
    .map(([id, count]) => ({ id, count }))
    .sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
  const urgent = fresh.filter((m) => m.importance === 'urgent').map(refOf);
  const ackRequested = fresh.filter((m) => m.ackRequired).map(refOf);
  const grew = new Map<string, { root: number | string; added: number }>();
  const find = refFinder(all);
  for (const m of fresh) {
    if (m.replyTo === null) continue;
    const root = threadRoot(m, find);
    const key = String(root);
    const entry = grew.get(key) ?? { root, added: 0 };
    entry.added++;
    grew.set(key, entry);
  }
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

/**
 * The first of `all` that a ref names (as `all.find((x) => sameRef(ref, x))`),
 * indexed once: a room of a million messages has thousands of replies.
 */
function refFinder(all: readonly Message[]): (ref: number | string) => Message | undefined {
  const byNumber = new Map<number, Message>();
  const byId = new Map<string, Message>();
  for (const m of all) {
    if (m.number !== null && !byNumber.has(m.number)) byNumber.set(m.number, m);
    if (!byId.has(m.id)) byId.set(m.id, m);
  }
  return (ref) => (typeof ref === 'number' ? byNumber.get(ref) : byId.get(ref));
}

function threadRoot(m: Message, find: (ref: number | string) => Message | undefined): number | string {
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
