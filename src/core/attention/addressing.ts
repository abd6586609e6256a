/**
 * Who a message is addressed to, for acknowledgements, the "Needs you" queue
 * and stuck-agent detection: the recipient of an @-message or DM; in a room,
 * the instances it @-mentions (`@all` is everyone, `@human` the humans).
 */
import type { Message } from '../common/messageTypes';
import { mentionsInstance } from '../common/mentions';
import { HUMAN_ALIAS } from '../formats/humansFile';

export function recipientOf(m: Pick<Message, 'target'>): string | null {
  return m.target.startsWith('@') ? m.target.slice(1) : null;
}

export function roomOf(m: Message): string | null {
  return m.target.startsWith('#') ? m.target.slice(1) : null;
}

/** True when `id` is the recipient, or is mentioned in a room message (by id, `@all`, or `@human` for a human). */
export function addresses(m: Message, id: string, humans: readonly string[]): boolean {
  if (m.from === id) return false;
  const to = recipientOf(m);
  if (to !== null) return to === id;
  if (mentionsInstance(m.text, id)) return true;
  return humans.includes(id) && mentionsInstance(m.text, HUMAN_ALIAS);
}

/** Every id among `known` that the message addresses. */
export function addresseesOf(m: Message, known: readonly string[], humans: readonly string[]): string[] {
  const ids = new Set(known);
  const to = recipientOf(m);
  if (to !== null) ids.add(to);
  return [...ids].filter((id) => addresses(m, id, humans)).sort();
}

/** The reference agents type for a message: its number, else its legacy id. */
export function refOf(m: Pick<Message, 'number' | 'id'>): number | string {
  return m.number ?? m.id;
}

export function sameRef(a: number | string, m: Pick<Message, 'number' | 'id'>): boolean {
  return typeof a === 'number' ? a === m.number : a === m.id;
}

/** A question: a sentence ending in `?`. */
export function isQuestion(text: string): boolean {
  return /\?(\s|$|["')\]])/.test(text);
}
