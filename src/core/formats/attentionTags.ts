/**
 * Importance and "please acknowledge", stored as visible tags at the start of
 * a message's text so the older tools read an ordinary one-line message with
 * unchanged numbering (and Python's alert rule still sees `urgent`):
 *
 *   [urgent] [please ack] The deploy is frozen until 0042 lands
 *
 * coord reads the tags back into fields and shows the text without them. A
 * backend with structured messages (NATS) keeps the same two fields as fields.
 */
import { CoordError } from '../common/errors';
import type { Importance, Message, RawMessage } from '../common/messageTypes';

export const IMPORTANCE_LEVELS: readonly Importance[] = ['urgent', 'high', 'normal', 'low'];

export interface AttentionFields {
  importance: Importance;
  ackRequired: boolean;
}

/** What a sender asks for; both optional (normal, no ack). */
export interface SendOptions {
  importance?: Importance;
  ack?: boolean;
}

const ACK_TAG = '[please ack]';
const TAG_RE = /^\[(urgent|high|low|please ack)\] /i;

/** The text as stored: the tags, then the text. Normal importance and no ack leave it as it is. */
export function encodeAttention(text: string, options: SendOptions = {}): string {
  const importance = options.importance ?? 'normal';
  if (!IMPORTANCE_LEVELS.includes(importance))
    throw new CoordError('invalid-input', `importance '${importance}' is not one of ${IMPORTANCE_LEVELS.join(', ')}`);
  let tags = importance === 'normal' ? '' : `[${importance}] `;
  if (options.ack) tags += `${ACK_TAG} `;
  return tags + text;
}

/** Reads the leading tags (any case, any order, each once) back into fields; the text without them. */
export function decodeAttention(stored: string): AttentionFields & { text: string } {
  let text = stored;
  let importance: Importance = 'normal';
  let ackRequired = false;
  for (;;) {
    const m = TAG_RE.exec(text);
    if (!m) break;
    const tag = m[1].toLowerCase();
    if (tag === 'please ack') {
      if (ackRequired) break;
      ackRequired = true;
    } else {
      if (importance !== 'normal') break;
      importance = tag as Importance;
    }
    text = text.slice(m[0].length);
  }
  // A message that is nothing but tags is shown as written.
  if (text.trim() === '') return { text: stored, importance: 'normal', ackRequired: false };
  return { text, importance, ackRequired };
}

/** A public message from its stored fields: the one place stored text becomes text and attention fields. */
export function messageFromStored(fields: RawMessage): Message {
  const { text, importance, ackRequired } = decodeAttention(fields.text);
  // Object.assign, not a spread with fields after it: V8 takes its slow path for that (several us a message).
  return Object.assign({}, fields, { text, importance, ackRequired });
}

/** `--urgent` / `--high` / `--low` (at most one) and `--ack`, as the CLI and the extension take them. */
export function sendOptionsFromFlags(flags: {
  urgent?: boolean;
  high?: boolean;
  low?: boolean;
  ack?: boolean;
}): SendOptions {
  const chosen = (['urgent', 'high', 'low'] as const).filter((k) => flags[k]);
  if (chosen.length > 1)
    throw new CoordError('usage', `choose one importance, not ${chosen.map((k) => `--${k}`).join(' and ')}`);
  return { importance: chosen[0] ?? 'normal', ack: !!flags.ack };
}

/** Sorts urgent first, low last. */
export function importanceRank(importance: Importance): number {
  return IMPORTANCE_LEVELS.indexOf(importance);
}
