/**
 * Who is here: every known instance with its status and when it last did
 * something (its last action-log entry, message or status update). "Active"
 * means within the last few minutes; the extension adds its own terminals.
 */
import type { Coordination } from '../coordination';
import type { InstanceStatus } from '../common/messageTypes';
import { timestampToMillis } from '../common/time';

export const ACTIVE_WINDOW_MS = 10 * 60 * 1000;

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
  for (const e of c.actionLog({ limit: 500 })) offer(e.instance, e.time);
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
