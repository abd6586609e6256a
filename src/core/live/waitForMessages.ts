/**
 * `coord wait`: resolves with the unread messages for this instance that were
 * never handed over (see delivery.ts), as soon as there are any, optionally
 * only direct messages and mentions, or only some rooms. It sleeps on
 * file-system events, or a server's change events (DirectoryFollower), not on
 * a timer; on either backend the delivery cursor says what was handed over.
 */
import type { CoordinationBackend } from '../backend/coordinationBackend';
import { mentionsInstance } from '../coordination';
import { requireIdentity } from '../common/names';
import type { Message } from '../common/messageTypes';
import { advanceDelivery, pendingMessages } from './delivery';
import { DirectoryFollower } from './follower';

export interface WaitOptions {
  /** Only direct messages to me and messages that @-mention me. */
  mentionsOnly?: boolean;
  /** Only these rooms (names, with or without '#'). */
  rooms?: string[];
  /** Give up after this many milliseconds (resolves null). */
  timeoutMs?: number;
}

export function waitForMessages(c: CoordinationBackend, opts: WaitOptions = {}): Promise<Message[] | null> {
  const me = requireIdentity(c.instance, 'wait waits for messages to an instance');
  c.refresh();
  const rooms = opts.rooms?.length ? new Set(opts.rooms.map((r) => c.getChatroom(r).name.toLowerCase())) : null;
  const wanted = (m: Message) =>
    (!opts.mentionsOnly || m.target === `@${me}` || mentionsInstance(m.text, me)) &&
    (!rooms || (m.target.startsWith('#') && rooms.has(m.target.slice(1).toLowerCase())));
  let done = false;
  const take = async (): Promise<Message[] | null> => {
    const state = await c.deliveryState();
    const pending = pendingMessages(c, state);
    const hits = pending.filter(wanted);
    if (hits.length === 0 || done) return null;
    const stillPending = pending.filter((m) => !hits.includes(m));
    // '' stamp: read when the follower saw a change, not before, so the hooks' fast path may not trust it.
    await c.saveDeliveryState(advanceDelivery(c, state, hits, stillPending, ''));
    return hits;
  };
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | null = null;
    const finish = (value: Message[] | null, error?: unknown) => {
      done = true;
      follower.close();
      if (timer) clearTimeout(timer);
      if (error) reject(error);
      else resolve(value);
    };
    // One look at a time; a change during a look makes another one after it.
    let looking = false;
    let again = false;
    const look = async () => {
      if (looking) return void (again = true);
      looking = true;
      try {
        do {
          again = false;
          const hits = await take();
          if (hits) return finish(hits);
        } while (again);
      } catch (error) {
        finish(null, error);
      } finally {
        looking = false;
      }
    };
    // The first look is the follower's initial one: taken when no writer is half way through.
    const follower = new DirectoryFollower(c, () => void look(), { initial: true });
    if (opts.timeoutMs !== undefined) timer = setTimeout(() => finish(null), opts.timeoutMs);
  });
}
