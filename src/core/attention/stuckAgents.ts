/**
 * Agents that look stuck: messages addressed to them have waited unread for
 * longer than `stuckAfterMs`, and they have done nothing here (sent, marked
 * read, updated a status, any logged action) for that long either. A pure
 * function of the state and a clock, so tests control time.
 */
import type { Message } from '../common/messageTypes';
import { timestampToMillis } from '../common/time';
import { addresseesOf } from './addressing';

export interface StuckAgent {
  agent: string;
  /** Unread messages addressed to it that are older than the threshold. */
  waiting: Message[];
  /**
   * How many messages wait, when `waiting` holds only the oldest of them (a
   * queue asked for no more: Coordination.needsYou's oldestWaitingOnly).
   */
  waitingTotal?: number;
  /** Its last activity here, or null when none is known. */
  lastActivity: string | null;
  /** Milliseconds since its last activity (null when none is known). */
  idleMs: number | null;
}

export interface StuckInput {
  /** Agents to check (humans are left out by the caller). */
  agents: readonly string[];
  humans: readonly string[];
  messages: readonly Message[];
  /** Whether `who` has read `m`. */
  isRead: (m: Message, who: string) => boolean;
  /** Whether `who` can see `m` (a closed room's messages wait for nobody). */
  visibleTo: (m: Message, who: string) => boolean;
  /** Latest activity time per id (local `YYYY-MM-DD HH:MM:SS`). */
  lastActivity: ReadonlyMap<string, string>;
  now: Date;
  stuckAfterMs: number;
}

export const DEFAULT_STUCK_AFTER_MS = 15 * 60 * 1000;

export function findStuckAgents(input: StuckInput): StuckAgent[] {
  const now = input.now.getTime();
  const cutoff = now - input.stuckAfterMs;
  // Only agents idle for the whole threshold can be stuck; one pass over the messages finds what waits for them.
  const idle = idleAgents(input.agents, input.lastActivity, cutoff);
  if (idle.size === 0) return [];
  const candidates = [...idle.keys()];
  const waiting = new Map<string, Message[]>();
  for (const m of input.messages) {
    if (!waitedSince(timestampToMillis(m.time), cutoff)) continue;
    for (const agent of addresseesOf(m, candidates, input.humans)) {
      if (!idle.has(agent) || !input.visibleTo(m, agent) || input.isRead(m, agent)) continue;
      const list = waiting.get(agent) ?? [];
      list.push(m);
      waiting.set(agent, list);
    }
  }
  return [...waiting.keys()].sort().map((agent) => {
    const lastMs = idle.get(agent)!;
    return {
      agent,
      waiting: waiting.get(agent)!,
      lastActivity: input.lastActivity.get(agent) ?? null,
      idleMs: Number.isNaN(lastMs) ? null : now - lastMs,
    };
  });
}

/**
 * The agents idle for the whole threshold, each with the time of its last
 * activity (NaN when none is known, which counts as idle).
 */
export function idleAgents(
  agents: readonly string[],
  lastActivity: ReadonlyMap<string, string>,
  cutoff: number,
): Map<string, number> {
  const idle = new Map<string, number>();
  for (const agent of agents) {
    const last = lastActivity.get(agent);
    const lastMs = last === undefined ? NaN : timestampToMillis(last);
    if (Number.isNaN(lastMs) || lastMs <= cutoff) idle.set(agent, lastMs);
  }
  return idle;
}

/** Whether a message sent at `sentMs` has waited since `cutoff` (a time that cannot be read never has). */
export function waitedSince(sentMs: number, cutoff: number): boolean {
  return !Number.isNaN(sentMs) && sentMs <= cutoff;
}

/** The latest of each id's times, from any number of (id, time) sources. */
export function latestActivity(events: Iterable<{ id: string; time: string }>): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of events) {
    if (!e.id || !e.time) continue;
    const prev = out.get(e.id);
    if (prev === undefined || e.time > prev) out.set(e.id, e.time);
  }
  return out;
}
