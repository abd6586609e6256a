/**
 * What a conversation panel and the read commands ask the core: one
 * conversation's messages and unread ones, the view shape of a batch, and
 * which refs still resolve (pure: no vscode imports).
 */
import { Coordination, Message, MessageRef, isAlert, mentionsInstance } from '../../core';
import type { ViewMessage } from '../../shared/protocol';
import { conversationOf, messageKey, messageRef, refLabel } from './messageFormat';

/** Resolves parents and read state for a batch of messages of one conversation. */
export function toViewMessages(
  coord: Coordination,
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
function owedRefs(coord: Coordination): Set<string> {
  return new Set(coord.acks({ pendingOnly: true }).owe.map((e) => String(messageRef(e.status.message))));
}

/** Unread messages of one conversation ("#room" / "@peer") for the identity; throws for an unknown room. */
export function unreadIn(coord: Coordination, me: string | null, target: string): Message[] {
  if (me === null) return [];
  if (target.startsWith('#')) return coord.checkUnread({ room: target.slice(1) });
  return coord.checkUnread().filter((m) => !m.target.startsWith('#') && conversationOf(m, me) === target);
}

/** Messages of one conversation, oldest first. */
export function conversationMessages(coord: Coordination, me: string | null, target: string): Message[] {
  if (target.startsWith('#')) return coord.checkChatroom(target.slice(1));
  if (me === null) return [];
  return coord.checkDm(target.slice(1));
}

/**
 * The refs the core still resolves to the same message (the directory may
 * have changed since the webview showed them); the others are dropped (and
 * counted) instead of failing a whole batch of read marks.
 */
export function referableRefs(
  coord: Coordination,
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
