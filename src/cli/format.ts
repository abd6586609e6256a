/**
 * Human output: compact, one header line per message in the log's own shape,
 * every piece of untrusted text passed through sanitizeForTerminal so no raw
 * control character from a message reaches the terminal.
 */
import type {
  ActionEntry,
  Chatroom,
  Conversation,
  InstanceStatus,
  Message,
  SystemStatus,
  SystemSummary,
} from '../core';
import { sanitizeForTerminal as clean } from '../core';

export function messageRef(m: Pick<Message, 'number' | 'id'>): string {
  return m.number !== null ? `[${m.number}]` : `[id:${m.id}]`;
}

function replyRef(replyTo: Message['replyTo']): string {
  if (replyTo === null) return '';
  return typeof replyTo === 'number' ? ` (re #${replyTo})` : ` (re id:${replyTo})`;
}

/** ` [urgent, please ack]` after the header when the sender asked for attention. */
export function attentionBadge(m: Pick<Message, 'importance' | 'ackRequired'>): string {
  const tags = [...(m.importance !== 'normal' ? [m.importance] : []), ...(m.ackRequired ? ['please ack'] : [])];
  return tags.length ? ` [${tags.join(', ')}]` : '';
}

export function formatMessage(m: Message): string {
  const [first, ...rest] = clean(m.text).split('\n');
  const head =
    `${messageRef(m)} ${m.time} ${clean(m.from)} -> ${clean(m.target)}` +
    `${replyRef(m.replyTo)}${attentionBadge(m)}: ${first}`;
  return rest.length === 0 ? head : [head, ...rest.map((l) => `    ${l}`)].join('\n');
}

export function formatMessages(list: Message[], empty: string): string {
  return list.length === 0 ? empty : list.map(formatMessage).join('\n');
}

export function formatRooms(rooms: Chatroom[], unread?: Record<string, number>): string {
  if (rooms.length === 0) return "No chatrooms yet; create one with 'coord create-chatroom NAME DESCRIPTION'";
  const ordered = [...rooms].sort((a, b) =>
    a.status === b.status ? a.name.localeCompare(b.name) : a.status === 'open' ? -1 : 1,
  );
  const width = Math.max(...ordered.map((r) => r.name.length)) + 1;
  return ordered
    .map((r) => {
      const count = unread?.[`#${r.name}`];
      const badge = count ? ` (${count} unread)` : '';
      const sign = r.status === 'open' ? '+' : '-';
      const creator = clean(r.creator) || '?';
      const head = `${sign} #${clean(r.name).padEnd(width)} ${r.status.padEnd(6)} by ${creator}${badge}`;
      const lines = [head];
      if (r.description) lines.push(`    ${clean(r.description)}`);
      if (r.status === 'closed' && r.reason) lines.push(`    closed: ${clean(r.reason)}`);
      return lines.join('\n');
    })
    .join('\n');
}

export function formatStatuses(statuses: Record<string, InstanceStatus>): string {
  const entries = Object.entries(statuses);
  if (entries.length === 0) return '  (no statuses yet)';
  return entries
    .map(([id, s]) => `  ${clean(id)}: ${clean(s.text)}${s.updated ? `  (updated ${s.updated})` : ''}`)
    .join('\n');
}

export function formatAction(a: ActionEntry): string {
  const details = clean(a.details).replace(/\n/g, ' ');
  return `[${a.time}] ${clean(a.instance)} | ${a.action} | ${details}`;
}

export function formatSystemStatus(s: SystemStatus): string {
  return [
    `Instance:          ${s.instance ?? '(no identity)'}`,
    `Messages:          ${s.totalMessages}`,
    `Unread:            ${s.unread}${s.mentions ? ` (${s.mentions} mentioning you)` : ''}`,
    `Chatrooms:         ${s.activeChatrooms} open, ${s.closedChatrooms} closed`,
    `Known instances:   ${s.instances.join(', ') || '(none)'}`,
    'Recent activity:',
    ...(s.recentActivity.length ? s.recentActivity.map((a) => '  ' + formatAction(a)) : ['  (none)']),
  ].join('\n');
}

export function formatSystemSummary(s: SystemSummary): string {
  return [
    `Instance: ${s.instance ?? '(no identity)'}    Messages: ${s.totalMessages}    ` +
      `Unread: ${s.unread}    Open chatrooms: ${s.activeChatrooms}`,
    'Statuses:',
    formatStatuses(s.statuses),
    'Recent activity:',
    ...(s.recentActivity.length ? s.recentActivity.map((a) => '  ' + formatAction(a)) : ['  (none)']),
  ].join('\n');
}

export function formatConversations(list: Conversation[]): string {
  if (list.length === 0) return 'No direct messages yet';
  return list
    .map((c) => {
      const last = c.last ? `\n    last: ${formatMessage(c.last).split('\n')[0]}` : '';
      const unread = c.unread ? `, ${c.unread} unread` : '';
      return `@${clean(c.peer)}  ${c.messages} message${c.messages === 1 ? '' : 's'}${unread}${last}`;
    })
    .join('\n');
}
