/**
 * The "Needs you" queue: what is waiting on one person, as a pure function of
 * the directory's state. Each message appears once, with every reason it is
 * there; an entry leaves when the thing is done, whichever tool did it (read,
 * acked in data/coord-acks.txt, answered by a reply).
 */
import type { Message } from '../common/messageTypes';
import type { AckRecord } from '../formats/acksFile';
import { ackStatus, owes } from './ackLedger';
import { addresses, isQuestion, recipientOf, refOf, sameRef } from './addressing';
import type { StuckAgent } from './stuckAgents';
import type { Claim } from '../claims/claimFile';

export type QueueReason = 'urgent' | 'ack' | 'question' | 'direct' | 'stuck' | 'claim-conflict';
export type QueueAction = 'reply' | 'ack' | 'open' | 'open-file';

export interface QueueEntry {
  /** Stable across refreshes: `msg:12`, `msg:id:8abda4b6`, `stuck:instance-3`, `claim:<holder id>+<forcer id>`. */
  key: string;
  /** The main reason (the first of `reasons` in queue order). */
  kind: QueueReason;
  reasons: QueueReason[];
  /** One line for a list or a notification: the label of its kind, then its summary (untrusted text: escape it). */
  title: string;
  /** The title without its kind's label: "instance-3 in #testing: CI is red". */
  summary: string;
  /** When it started waiting. */
  time: string;
  /** Where "open" goes: "#room" or "@peer". */
  target: string;
  actions: QueueAction[];
  message?: Message;
  stuck?: StuckAgent;
  /** For claim conflicts: the file (or, between two globs, the pattern) that "open" opens. */
  file?: string;
  /** For claim conflicts: the older claim and the one forced over it. */
  conflict?: { holder: Claim; forcer: Claim };
}

/** Entries from other features, merged in queue order (claim conflicts: attention/claimConflictQueue.ts). */
export type QueueSource = () => QueueEntry[];

export interface NeedsYouInput {
  me: string;
  humans: readonly string[];
  known: readonly string[];
  /** In log order: an array, or (a follower) each built when asked for and not kept. */
  messages: MessageList;
  acks: readonly AckRecord[];
  /** Whether `me` has read `m`. */
  isRead: (m: Message) => boolean;
  /** Whether `me` can see `m`. */
  visible: (m: Message) => boolean;
  stuck: readonly StuckAgent[];
  extra?: readonly QueueEntry[];
  /** Whether `me` has read message k, without building it (a list that builds each message gives this). */
  isReadAt?: (k: number) => boolean;
  /** What an earlier call found for messages that cannot have changed since (QueueMemo). */
  memo?: QueueMemo;
}

/**
 * What the rule finds of one message whatever its read state: its place in
 * the queue and what it may wait on `me` for; null when it never can (not
 * visible, or nothing of the kind). With the read state it gives the reasons.
 */
export type QueueFacts = {
  time: string;
  key: string;
  urgent: boolean;
  ackOwed: boolean;
  toMe: boolean;
  unansweredQuestion: boolean;
} | null;

/**
 * A caller's store of facts across calls. What it hands back for message k
 * must be what the rule found of that message before, with the same
 * visibility, acks, identities and messages of `me` (a follower keeps those
 * of its summary's rows while none of those changed; a read mark changes
 * none of them).
 */
export interface QueueMemo {
  /** The facts found before of message k, or undefined when there are none to reuse. */
  facts(k: number): QueueFacts | undefined;
  /** Keeps the facts just found of message k. */
  keep(k: number, facts: QueueFacts): void;
}

/** Messages by position; an array is one. */
export interface MessageList {
  readonly length: number;
  at(k: number): Message | undefined;
  /** Who sent message k, without building it (a list that builds each message when asked gives this). */
  from?(k: number): string;
  /** Message k's target, time and what it replies to, without building it (the same lists give these). */
  target?(k: number): string;
  time?(k: number): string;
  replyTo?(k: number): number | string | null;
}

/** Who sent message k of `messages`. */
function senderAt(messages: MessageList, k: number): string {
  return messages.from ? messages.from(k) : messages.at(k)!.from;
}

export const QUEUE_ORDER: readonly QueueReason[] = ['urgent', 'ack', 'question', 'direct', 'stuck', 'claim-conflict'];

const LABEL: Record<QueueReason, string> = {
  urgent: 'Urgent',
  ack: 'Ack requested',
  question: 'Question for you',
  direct: 'To you',
  stuck: 'Stuck',
  'claim-conflict': 'Claim conflict',
};

export function queueLabel(reason: QueueReason): string {
  return LABEL[reason];
}

export function needsYou(input: NeedsYouInput): QueueEntry[] {
  const entries: QueueEntry[] = [];
  collectQueue(input, (_, entry) => entries.push(entry()));
  return entries.sort(queueOrder);
}

/** The queue with only the newest entries of each kind listed, and how many there are of each kind in all. */
export interface NewestQueue {
  /** The newest `perKind` entries of each kind, in queue order (the end of each kind's part of needsYou()). */
  entries: QueueEntry[];
  /** Every entry needsYou() would return, listed or not, by kind. */
  totals: Record<QueueReason, number>;
}

/**
 * needsYou() with at most the newest `perKind` entries of each kind kept: a
 * directory of a million messages can hold tens of thousands addressed to
 * one person, more than anyone can act on one by one, and the totals still
 * say how many wait.
 */
export function needsYouNewest(input: NeedsYouInput, perKind: number): NewestQueue {
  const keep = Math.max(1, Math.floor(perKind));
  const totals = noQueueTotals();
  const byKind = new Map<QueueReason, QueueEntry[]>(QUEUE_ORDER.map((k) => [k, []]));
  // Once a kind has `keep` newer entries, an entry older than all of them is counted and never built.
  const oldestKept = new Map<QueueReason, QueueEntry>();
  const newest = (list: QueueEntry[]) => list.sort(queueOrder).splice(0, Math.max(0, list.length - keep));
  collectQueue(input, (place, entry) => {
    totals[place.kind]++;
    const floor = oldestKept.get(place.kind);
    if (floor && queueOrder(place, floor) < 0) return;
    const list = byKind.get(place.kind)!;
    list.push(entry());
    if (list.length >= 2 * keep) {
      newest(list);
      oldestKept.set(place.kind, list[0]);
    }
  });
  const entries: QueueEntry[] = [];
  for (const list of byKind.values()) {
    newest(list);
    entries.push(...list);
  }
  return { entries, totals };
}

/** A count of 0 for every kind of entry (NewestQueue.totals of an empty queue). */
export function noQueueTotals(): Record<QueueReason, number> {
  return Object.fromEntries(QUEUE_ORDER.map((k) => [k, 0])) as Record<QueueReason, number>;
}

/** Queue order: by kind (QUEUE_ORDER), then oldest first. */
export function queueOrder(a: QueuePlace, b: QueuePlace): number {
  return (
    QUEUE_ORDER.indexOf(a.kind) - QUEUE_ORDER.indexOf(b.kind) ||
    a.time.localeCompare(b.time) ||
    a.key.localeCompare(b.key)
  );
}

/** Where an entry goes in the queue (queueOrder()). */
type QueuePlace = Pick<QueueEntry, 'kind' | 'time' | 'key'>;

/**
 * Hands every entry of the queue to `add`, unordered (the newest messages
 * first): its place, and how to build it when it is kept.
 */
function collectQueue(input: NeedsYouInput, add: (place: QueuePlace, entry: () => QueueEntry) => void): void {
  const { me, memo } = input;
  // Worked out when a question is first judged: a call that reuses the facts reads none of mine.
  let answers: ((m: Message) => boolean) | null = null;
  const answered = (m: Message) => (answers ??= answeredRefs(input.messages, me))(m);
  for (let k = input.messages.length - 1; k >= 0; k--) {
    if (senderAt(input.messages, k) === me) continue;
    let facts = memo?.facts(k);
    let m: Message | undefined;
    if (facts === undefined) {
      m = input.messages.at(k)!;
      facts = factsOf(input, m, answered);
      memo?.keep(k, facts);
    }
    if (facts === null) continue;
    const unread = input.isReadAt ? !input.isReadAt(k) : !input.isRead(m ?? input.messages.at(k)!);
    const reasons = reasonsOf(facts, unread);
    if (reasons.length === 0) continue;
    const { time, key } = facts;
    add({ kind: reasons[0], time, key }, () => {
      const m = input.messages.at(k)!;
      const actions: QueueAction[] = reasons.includes('ack') ? ['reply', 'ack', 'open'] : ['reply', 'open'];
      const summary = `${m.from} ${m.target.startsWith('#') ? `in ${m.target}` : 'to you'}: ${firstLine(m.text)}`;
      return {
        key,
        kind: reasons[0],
        reasons: [...reasons],
        title: `${LABEL[reasons[0]]}: ${summary}`,
        summary,
        time,
        target: m.target.startsWith('#') ? m.target : `@${m.from}`,
        actions,
        message: m,
      };
    });
  }
  const built = (e: QueueEntry) => add(e, () => e);
  for (const s of input.stuck) {
    if (s.agent === me) continue;
    const oldest = s.waiting[0];
    const idle = s.idleMs === null ? 'never active here' : `idle ${Math.round(s.idleMs / 60000)} min`;
    const summary = `${s.agent}, ${s.waitingTotal ?? s.waiting.length} unread addressed to it, ${idle}`;
    built({
      key: `stuck:${s.agent}`,
      kind: 'stuck',
      reasons: ['stuck'],
      title: `${LABEL.stuck}: ${summary}`,
      summary,
      time: oldest?.time ?? '',
      target: `@${s.agent}`,
      actions: ['reply', 'open'],
      stuck: s,
      message: oldest,
    });
  }
  for (const e of input.extra ?? []) built(e);
}

/** What a message from someone else may wait on `me` for, whatever its read state; null when nothing. */
function factsOf(input: NeedsYouInput, m: Message, answered: (m: Message) => boolean): QueueFacts {
  const { me, humans } = input;
  if (!input.visible(m)) return null;
  const toMe = addresses(m, me, humans);
  const urgent = m.importance === 'urgent';
  const ackOwed = m.ackRequired && owes(ackStatus(m, input.acks, input.known, humans), me);
  const unansweredQuestion = toMe && isQuestion(m.text) && !answered(m);
  if (!toMe && !urgent && !ackOwed) return null;
  return { time: m.time, key: `msg:${m.number ?? `id:${m.id}`}`, urgent, ackOwed, toMe, unansweredQuestion };
}

/** Why a message waits on `me`, in queue order: its facts and whether `me` has read it. */
function reasonsOf(f: NonNullable<QueueFacts>, unread: boolean): readonly QueueReason[] {
  const bits =
    (f.urgent && unread ? 1 : 0) | (f.ackOwed ? 2 : 0) | (f.unansweredQuestion ? 4 : 0) | (f.toMe && unread ? 8 : 0);
  return REASON_LISTS[bits];
}

/** Every list of reasons, by the bits reasonsOf() sets: one array each, shared. */
const REASON_LISTS: ReadonlyArray<readonly QueueReason[]> = Array.from({ length: 16 }, (_, bits) =>
  (['urgent', 'ack', 'question', 'direct'] as const).filter((_, i) => bits & (1 << i)),
);

/**
 * Whether `me` has answered a message: replied to it, or (for a message sent
 * to me directly) written to its sender in that conversation since.
 */
function answeredRefs(messages: MessageList, me: string): (m: Message) => boolean {
  const repliedTo = new Set<string>();
  const lastToPeer = new Map<string, string>();
  for (let k = 0; k < messages.length; k++) {
    if (senderAt(messages, k) !== me) continue;
    // My messages are read for three fields alone: a list that can give them builds none of them.
    const r = messages.target && messages.time && messages.replyTo ? null : messages.at(k)!;
    const replyTo = r ? r.replyTo : messages.replyTo!(k);
    if (replyTo !== null) repliedTo.add(String(replyTo));
    const peer = recipientOf({ target: r ? r.target : messages.target!(k) });
    const time = r ? r.time : messages.time!(k);
    if (peer !== null && (lastToPeer.get(peer) ?? '') < time) lastToPeer.set(peer, time);
  }
  return (m) => {
    if (repliedTo.has(String(refOf(m)))) return true;
    if (recipientOf(m) !== me) return false;
    const last = lastToPeer.get(m.from);
    return last !== undefined && last >= m.time && laterThanSame(messages, m, me);
  };
}

/** A reply in the same second counts only if it comes after the question in the log. */
function laterThanSame(messages: MessageList, q: Message, me: string): boolean {
  let seen = false;
  for (let k = 0; k < messages.length; k++) {
    const m = messages.at(k)!;
    if (m === q || sameRef(refOf(q), m)) seen = true;
    else if (seen && m.from === me && recipientOf(m) === q.from) return true;
  }
  return false;
}

function firstLine(text: string, max = 80): string {
  const line = text.split('\n', 1)[0].trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
