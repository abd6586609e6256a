/**
 * What a conversation panel and the read commands ask the core: one
 * conversation's messages and unread ones, the view shape of a batch, and
 * which refs still resolve (pure: no vscode imports).
 */
import { type CoordinationBackend, Message, MessageRef, isAlert, mentionsInstance } from '../../core';
import type { ViewMessage } from '../../shared/protocol';
import { messageKey, messageRef, refLabel } from './messageFormat';

/** Resolves parents and read state for a batch of messages of one conversation. */
export function toViewMessages(
  coord: CoordinationBackend,
  me: string | null,
  list: Message[],
  unreadKeys: Set<string>,
): ViewMessage[] {
  const owed = me !== null ? owedRefs(coord) : new Set<string>();
  const parentCache = new Map<string, Message | null>();
  const parentOf = (ref: MessageRef): Message | null => {
    const k = String(ref);
    if (!parentCache.has(k)) {
      let p: Message | null = null;
      try {
        p = coord.getMessage(ref);
      } catch {
        p = null;
      }
      parentCache.set(k, p);
    }
    return parentCache.get(k) ?? null;
  };
  return list.map((m) => {
    const parent = m.replyTo !== null ? parentOf(m.replyTo) : null;
    const key = messageKey(m);
    return {
      ...m,
      key,
      ref: messageRef(m),
      parentKey: parent ? messageKey(parent) : null,
      parentLabel:
        m.replyTo === null
          ? null
          : parent
            ? `${refLabel(parent)} from ${parent.from}`
            : `${typeof m.replyTo === 'number' ? `#${m.replyTo}` : m.replyTo}`,
      mine: me !== null && m.from === me,
      unread: unreadKeys.has(key),
      mentionsMe: me !== null && m.from !== me && mentionsInstance(m.text, me),
      alert: m.importance === 'urgent' || isAlert(m.text),
      ackOwed: m.ackRequired && owed.has(String(messageRef(m))),
    };
  });
}

/** The messages the identity still owes an acknowledgement for, by reference. */
function owedRefs(coord: CoordinationBackend): Set<string> {
  return new Set(coord.acks({ pendingOnly: true }).owe.map((e) => String(messageRef(e.status.message))));
}

/**
 * The last `limit` unread messages of one conversation ("#room" / "@peer")
 * for the identity (all without it); throws for an unknown room. Every unread
 * message among a conversation's last N is among its last N unread.
 */
export function unreadIn(coord: CoordinationBackend, me: string | null, target: string, limit?: number): Message[] {
  if (me === null) return [];
  const scope = target.startsWith('#') ? { room: target.slice(1) } : { peer: target.slice(1) };
  return coord.checkUnread({ ...scope, ...(limit !== undefined ? { limit } : {}) });
}

/**
 * One conversation's messages as `slice(start)` of all of them (a negative
 * start counts from the end), oldest first, and how many it holds.
 */
export function conversationSlice(
  coord: CoordinationBackend,
  me: string | null,
  target: string,
  start: number,
): { total: number; messages: Message[] } {
  if (target.startsWith('#')) return coord.chatroomSlice(target.slice(1), start);
  if (me === null) return { total: 0, messages: [] };
  return coord.dmSlice(target.slice(1), start);
}

/**
 * The refs the core still resolves to the same message (the directory may
 * have changed since the webview showed them); the others are dropped (and
 * counted) instead of failing a whole batch of read marks.
 */
export function referableRefs(
  coord: CoordinationBackend,
  refs: MessageRef[],
  onDropped?: (ref: MessageRef) => void,
): MessageRef[] {
  return refs.filter((ref) => {
    if (typeof ref === 'number' || !/^\d+$/.test(ref)) return true;
    try {
      if (coord.getMessage(ref).id === ref) return true;
    } catch {
      /* unresolvable */
    }
    onDropped?.(ref);
    return false;
  });
}
