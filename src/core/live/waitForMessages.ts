/**
 * `coord wait`: resolves with the unread messages for this instance that were
 * never handed over (see delivery.ts), as soon as there are any, optionally
 * only direct messages and mentions, or only some rooms. It sleeps on
 * file-system events (DirectoryFollower), not on a timer.
 */
import type { Coordination } from '../coordination';
import { mentionsInstance } from '../coordination';
import { CoordError } from '../common/errors';
import type { Message } from '../common/messageTypes';
import { advanceDelivery, pendingMessages, readDelivery, writeDelivery } from './delivery';
import { DirectoryFollower } from './follower';

export interface WaitOptions {
  /** Only direct messages to me and messages that @-mention me. */
  mentionsOnly?: boolean;
  /** Only these rooms (names, with or without '#'). */
  rooms?: string[];
  /** Give up after this many milliseconds (resolves null). */
  timeoutMs?: number;
}

export function waitForMessages(c: Coordination, opts: WaitOptions = {}): Promise<Message[] | null> {
  const me = c.instance;
  if (!me) throw new CoordError('no-identity', 'no identity: pass --as ID or set CLAUDE_INSTANCE_ID');
  c.refresh();
  const rooms = opts.rooms?.length ? new Set(opts.rooms.map((r) => c.getChatroom(r).name.toLowerCase())) : null;
  const wanted = (m: Message) =>
    (!opts.mentionsOnly || m.target === `@${me}` || mentionsInstance(m.text, me)) &&
    (!rooms || (m.target.startsWith('#') && rooms.has(m.target.slice(1).toLowerCase())));
  const take = (): Message[] | null => {
    const state = readDelivery(c.layout, me);
    const pending = pendingMessages(c, state);
    const hits = pending.filter(wanted);
    if (hits.length === 0) return null;
    writeDelivery(
      c.layout,
      me,
      advanceDelivery(
        c,
        state,
        hits,
        pending.filter((m) => !hits.includes(m)),
        '', // read when the follower saw a change, not before: no stamp the hooks could trust
      ),
    );
    return hits;
  };
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | null = null;
    const finish = (value: Message[] | null, error?: unknown) => {
      follower.close();
      if (timer) clearTimeout(timer);
      if (error) reject(error);
      else resolve(value);
    };
    // The first look is the follower's initial one: taken when no writer is half way through.
    const follower = new DirectoryFollower(
      c,
      () => {
        try {
          const hits = take();
          if (hits) finish(hits);
        } catch (error) {
          finish(null, error);
        }
      },
      { initial: true },
    );
    if (opts.timeoutMs !== undefined) timer = setTimeout(() => finish(null), opts.timeoutMs);
  });
}
