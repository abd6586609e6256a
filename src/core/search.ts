/** Plain search over messages (a later issue replaces the default mode with a ranked index). */
import { CoordError } from './errors';
import { StoredMessage } from './store';
import { MessageRef } from './model';
import { parseTimeInput, timestampToMillis } from './time';

export interface SearchOptions {
  /** Only the last N messages (numbers stay the real ones). */
  recent?: number;
  room?: string;
  from?: string;
  to?: string;
  since?: string;
  until?: string;
  thread?: MessageRef;
  limit?: number;
  regex?: boolean;
  exact?: boolean;
}

export function searchMessages(
  all: StoredMessage[],
  query: string,
  opts: SearchOptions,
  lookup: (ref: MessageRef) => StoredMessage | undefined,
): StoredMessage[] {
  if (!query.trim()) throw new CoordError('invalid-input', 'search query is empty; give words to look for, e.g. coord search "deploy failed"');
  let matcher: (text: string) => boolean;
  if (opts.regex) {
    let re: RegExp;
    try {
      re = new RegExp(query, 'iu');
    } catch (error) {
      throw new CoordError('invalid-input', `invalid regular expression: ${(error as Error).message}; check brackets and escapes, or drop --regex`);
    }
    matcher = (text) => re.test(text);
  } else {
    const needle = query.toLowerCase();
    matcher = (text) => text.toLowerCase().includes(needle);
  }
  let pool = opts.recent !== undefined && opts.recent > 0 ? all.slice(-opts.recent) : all;
  pool = applyFilters(pool, opts, lookup);
  const found = pool.filter((m) => matcher(m.text) || matcher(`${m.from} ${m.target}`));
  return opts.limit !== undefined && opts.limit > 0 ? found.slice(-opts.limit) : found;
}

export function applyFilters(pool: StoredMessage[], opts: SearchOptions, lookup: (ref: MessageRef) => StoredMessage | undefined): StoredMessage[] {
  let out = pool;
  if (opts.room) {
    const room = opts.room.replace(/^#/, '').toLowerCase();
    out = out.filter((m) => m.room?.toLowerCase() === room);
  }
  if (opts.from) {
    const from = opts.from.replace(/^@/, '');
    out = out.filter((m) => m.from === from);
  }
  if (opts.to) {
    const to = opts.to.replace(/^@/, '');
    out = out.filter((m) => m.to === to);
  }
  const since = opts.since ? checkedTime(opts.since, '--since') : null;
  const until = opts.until ? checkedTime(opts.until, '--until') : null;
  if (since !== null || until !== null) {
    out = out.filter((m) => {
      const t = timestampToMillis(m.time);
      return (since === null || t >= since) && (until === null || t <= until);
    });
  }
  if (opts.thread !== undefined) {
    const root = lookup(opts.thread);
    if (!root) throw new CoordError('not-found', `no message ${opts.thread} to take a thread from`);
    const inThread = new Set<StoredMessage>([root]);
    for (const m of pool) {
      if (m.replyTo === null) continue;
      const parent = lookup(m.replyTo);
      if (parent && inThread.has(parent)) inThread.add(m);
    }
    out = out.filter((m) => inThread.has(m));
  }
  return out;
}

function checkedTime(text: string, flag: string): number {
  const t = parseTimeInput(text);
  if (Number.isNaN(t)) throw new CoordError('invalid-input', `${flag} '${text}' is not a time: use YYYY-MM-DD, 'YYYY-MM-DD HH:MM:SS', or an age like 30m, 2h, 7d`);
  return t;
}
