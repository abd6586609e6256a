/**
 * Which messages an instance's agent has already been handed (by a hook or by
 * `coord wait`), so each is handed over once. Kept in a file of our own,
 * data/.coord-delivery-<id>.json (bookkeeping: the older tools and the
 * extension's watcher ignore it), with a stamp of the files a new message
 * could arrive in: when the stamp is unchanged, nothing new can be waiting and
 * a hook answers after a few stats, without loading the directory.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CoordinationBackend } from '../backend/coordinationBackend';
import { Layout } from '../disk/layout';
import type { Message } from '../common/messageTypes';
import { fileStamp, listFiles } from '../disk/fsutil';
import { type DeliveryState, EMPTY_DELIVERY } from '../formats/deliveryCursor';

/**
 * Stats of every file a message for `instance` can arrive in or that changes
 * what it may see: the log, the room status file, room transcripts, its inbox,
 * the DM files it is part of, and its read marks.
 */
export function sourcesStamp(layout: Layout, instance: string): string {
  const files = [layout.messagesLog, layout.chatroomStatus, layout.readMarks(instance), layout.inbox(instance)];
  for (const name of listFiles(layout.chatroomsDir)) files.push(path.join(layout.chatroomsDir, name));
  for (const name of listFiles(layout.dmsDir))
    if (name.slice(0, -4).split('_').includes(instance)) files.push(path.join(layout.dmsDir, name));
  return files.map(fileStamp).join(';');
}

function firstMessageKey(c: CoordinationBackend): string {
  const first = c.lineCount > 0 ? c.messagesAfter(0).find((m) => m.number !== null) : undefined;
  return first ? `${first.time}|${first.from}` : '';
}

function isDelivered(state: DeliveryState, m: Message): boolean {
  if (m.number === null) return state.ids.includes(m.id);
  return m.number <= state.upTo || state.extra.includes(m.number);
}

/**
 * Unread messages visible to the instance that were not handed over yet,
 * oldest first. A missing cursor means nothing was handed over; a replaced
 * log is resumed after the newest message handed over, by time.
 */
export function pendingMessages(c: CoordinationBackend, state: DeliveryState | null): Message[] {
  const unread = c.checkUnread();
  if (!state) return unread;
  let view = state;
  if (state.logHead !== firstMessageKey(c)) {
    view = { ...state, upTo: 0, extra: [] };
    return unread.filter((m) => !isDelivered(view, m) && (m.number === null || m.time > state.lastTime));
  }
  return unread.filter((m) => !isDelivered(view, m));
}

/**
 * The state after handing `delivered` over, `stillPending` left for later.
 * `stamp` is sourcesStamp() taken BEFORE the directory was read (a message
 * arriving during the read then changes the files and is not skipped by the
 * fast path); '' when unknown.
 */
export function advanceDelivery(
  c: CoordinationBackend,
  state: DeliveryState | null,
  delivered: Message[],
  stillPending: Message[],
  stamp: string,
): DeliveryState {
  const base: DeliveryState =
    state && state.logHead === firstMessageKey(c) ? { ...state } : { ...EMPTY_DELIVERY, ...(state ?? {}) };
  if (!state || state.logHead !== firstMessageKey(c)) {
    base.upTo = 0;
    base.extra = [];
  }
  const extra = new Set(base.extra);
  const ids = new Set(base.ids);
  let lastTime = base.lastTime;
  for (const m of delivered) {
    if (m.number === null) ids.add(m.id);
    else extra.add(m.number);
    if (m.time > lastTime) lastTime = m.time;
  }
  // upTo moves past everything not still pending.
  const firstPending = stillPending.reduce<number>(
    (min, m) => (m.number !== null && m.number < min ? m.number : min),
    c.lineCount + 1,
  );
  const upTo = Math.max(base.upTo, firstPending - 1);
  return {
    ...base,
    upTo,
    extra: [...extra].filter((n) => n > upTo).sort((a, b) => a - b),
    ids: [...ids].slice(-500),
    lastTime,
    logHead: firstMessageKey(c),
    stamp: stillPending.length === 0 ? stamp : '',
  };
}

/** True when the stamp says no file changed since everything was handed over. */
export function nothingNewSince(layout: Layout, instance: string, state: DeliveryState | null): boolean {
  return !!state && state.stamp !== '' && state.stamp === sourcesStamp(layout, instance);
}

/** Appends one line to our hook log; never throws (a hook must not fail the agent). */
export function logHookProblem(layout: Layout, line: string): void {
  try {
    if (!fs.existsSync(layout.dataDir)) return;
    fs.appendFileSync(layout.hookLog, `${new Date().toISOString()} ${line.replace(/[\r\n]+/g, ' ')}\n`, {
      mode: 0o600,
    });
  } catch {
    /* nowhere left to say it */
  }
}
