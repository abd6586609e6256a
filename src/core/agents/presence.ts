/**
 * Who is here: every known instance with its status and when it last did
 * something (its latest message among the recent ones, or status update).
 * "Active" means within the last few minutes; the extension adds its own
 * terminals. Reads only what the store holds (no file is read for this).
 */
import type { Coordination } from '../coordination';
import type { InstanceStatus } from '../common/messageTypes';
import { timestampToMillis } from '../common/time';

export const ACTIVE_WINDOW_MS = 10 * 60 * 1000;
/** How far back in the log a last message is looked for: anyone active lately wrote within these lines. */
const RECENT_LINES = 2000;

export interface Presence {
  instance: string;
  status: InstanceStatus | null;
  /** Local timestamp of its latest activity, or '' when none is recorded. */
  lastActive: string;
  active: boolean;
}

export function instancePresence(c: Coordination, now: Date = new Date(), windowMs = ACTIVE_WINDOW_MS): Presence[] {
  const statuses = c.statuses();
  const last = new Map<string, string>();
  const offer = (id: string, time: string) => {
    if (time && (last.get(id) ?? '') < time) last.set(id, time);
  };
  for (const m of c.messagesAfter(Math.max(0, c.lineCount - RECENT_LINES))) offer(m.from, m.time);
  for (const [id, s] of Object.entries(statuses)) offer(id, s.updated);
  return c.knownInstances().map((instance) => {
    const lastActive = last.get(instance) ?? '';
    const ms = timestampToMillis(lastActive);
    return {
      instance,
      status: statuses[instance] ?? null,
      lastActive,
      active: Number.isFinite(ms) && now.getTime() - ms <= windowMs,
    };
  });
}
