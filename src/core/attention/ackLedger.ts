/**
 * Who owes which acknowledgement, as a pure function of the messages and the
 * acks file. A message sent with `--ack` is owed by its addressees (see
 * addressing.ts); a room message that addresses nobody is owed by "anyone":
 * the first ack by someone other than the sender settles it.
 */
import type { Message } from '../common/messageTypes';
import { timestampToMillis } from '../common/time';
import type { AckRecord } from '../formats/acksFile';
import { addresseesOf, sameRef } from './addressing';

export interface AckStatus {
  message: Message;
  /** Who must ack; empty when anyone may. */
  owedBy: string[];
  acked: AckRecord[];
  /** Addressees who have not acked yet (for "anyone": [] once someone has). */
  pending: string[];
  anyone: boolean;
  done: boolean;
}

export interface AckEntry {
  status: AckStatus;
  /** Seconds since the message was sent (null when its time is unknown). */
  ageSeconds: number | null;
}

export interface AckReport {
  /** Ack-required messages addressed to me that I have not acked. */
  owe: AckEntry[];
  /** My ack-required messages, with who acked and who has not. */
  owed: AckEntry[];
}

/** Acks that belong to a message: by others than its sender, not older than it (older: a replaced log). */
export function acksFor(m: Message, acks: readonly AckRecord[]): AckRecord[] {
  const seen = new Set<string>();
  return acks.filter((a) => {
    if (!sameRef(a.ref, m) || a.by === m.from || a.time < m.time || seen.has(a.by)) return false;
    seen.add(a.by);
    return true;
  });
}

export function ackStatus(
  m: Message,
  acks: readonly AckRecord[],
  known: readonly string[],
  humans: readonly string[],
): AckStatus {
  const owedBy = addresseesOf(m, known, humans);
  const acked = acksFor(m, acks);
  const anyone = owedBy.length === 0;
  const pending = anyone ? [] : owedBy.filter((id) => !acked.some((a) => a.by === id));
  return { message: m, owedBy, acked, pending, anyone, done: anyone ? acked.length > 0 : pending.length === 0 };
}

/** True when `me` still owes an ack for this status. */
export function owes(status: AckStatus, me: string): boolean {
  if (status.message.from === me || status.acked.some((a) => a.by === me)) return false;
  return status.anyone ? !status.done : status.pending.includes(me);
}

export function ackReport(input: {
  me: string;
  messages: readonly Message[];
  acks: readonly AckRecord[];
  known: readonly string[];
  humans: readonly string[];
  /** Whether `me` can see a message (rooms it can read, its own conversations). */
  visible: (m: Message) => boolean;
  now: Date;
  pendingOnly: boolean;
}): AckReport {
  const owe: AckEntry[] = [];
  const owed: AckEntry[] = [];
  for (const m of input.messages) {
    if (!m.ackRequired) continue;
    const status = ackStatus(m, input.acks, input.known, input.humans);
    const age = ageSeconds(m.time, input.now);
    if (m.from === input.me) {
      if (!input.pendingOnly || !status.done) owed.push({ status, ageSeconds: age });
    } else if (
      input.visible(m) &&
      (owes(status, input.me) || (!input.pendingOnly && status.owedBy.includes(input.me)))
    ) {
      owe.push({ status, ageSeconds: age });
    }
  }
  return { owe, owed };
}

export function ageSeconds(time: string, now: Date): number | null {
  const t = timestampToMillis(time);
  return Number.isNaN(t) ? null : Math.max(0, Math.round((now.getTime() - t) / 1000));
}

/** 45s, 12m, 3h, 2d. */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return '?';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
