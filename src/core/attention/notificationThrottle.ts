/**
 * Rate-limits notifications for new queue entries, with an injectable clock
 * and timer so tests drive time. New entries wait until arrivals pause
 * (`quietMs`, at most `maxWaitMs` after the first); then one entry is shown
 * on its own (with its actions) and several as ONE summary, so a burst of
 * agent messages gives one toast. An optional `cooldownMs` after a shown
 * notification holds what arrives meanwhile for one later summary. Muted
 * rooms and a "quiet until" time drop entries (see isSilenced).
 */
import type { QueueEntry } from './needsYou';

export type Notice = { kind: 'single'; entry: QueueEntry } | { kind: 'summary'; entries: QueueEntry[] };

export interface ThrottleOptions {
  quietMs?: number;
  maxWaitMs?: number;
  cooldownMs?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class NotificationThrottle {
  private pending: QueueEntry[] = [];
  private firstAt = 0;
  private timer: unknown = null;
  private coolUntil = 0;
  private readonly quietMs: number;
  private readonly maxWaitMs: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(
    /** Returns false when nothing was shown (notifications off): no cooldown starts. */
    private readonly show: (notice: Notice) => boolean,
    options: ThrottleOptions = {},
  ) {
    this.quietMs = options.quietMs ?? 4000;
    this.maxWaitMs = options.maxWaitMs ?? 45000;
    this.cooldownMs = options.cooldownMs ?? 0;
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
  }

  /** New entries (already filtered for mutes and snoozes by the caller, see isSilenced). */
  add(entries: readonly QueueEntry[]): void {
    if (entries.length === 0) return;
    const now = this.now();
    if (this.pending.length === 0) this.firstAt = now;
    this.pending.push(...entries);
    this.schedule(now);
  }

  dispose(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.pending = [];
  }

  private schedule(now: number): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    const due = Math.max(Math.min(now + this.quietMs, this.firstAt + this.maxWaitMs), this.coolUntil);
    this.timer = this.setTimer(() => this.flush(), Math.max(0, due - now));
  }

  private flush(): void {
    this.timer = null;
    const entries = this.pending;
    this.pending = [];
    if (entries.length === 0) return;
    const shown = this.show(
      entries.length === 1 ? { kind: 'single', entry: entries[0] } : { kind: 'summary', entries },
    );
    if (shown) this.coolUntil = this.now() + this.cooldownMs;
  }
}

/** A muted room's entries and everything during a "quiet until" snooze make no notification (they stay queued). */
export function isSilenced(entry: QueueEntry, mutedRooms: readonly string[], quietUntil: number, now: number): boolean {
  if (now < quietUntil) return true;
  return (
    entry.target.startsWith('#') && mutedRooms.some((r) => r.toLowerCase() === entry.target.slice(1).toLowerCase())
  );
}
