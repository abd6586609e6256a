/**
 * What the directory's summary keeps of each text so a million texts need not
 * be read to find a few (the tagRows section, indexFormat.ts): the instances
 * it @-mentions and @all (mentionedNames), whether it is an alert (isAlert),
 * and the attention it asks for (decodeAttention). Each rule stays where it
 * is; a text's tags are what those rules say of it.
 */
import { ALL_MENTIONED, isAlert, mentionedNames } from '../common/mentions';
import { decodeAttention } from '../formats/attentionTags';

export const ALERT_TAG = '!alert';
export const URGENT_TAG = '!urgent';
export const ACK_TAG = '!ack';

/** The tags of one text. */
export function textTags(text: string): string[] {
  const tags = text.includes('@') ? mentionedNames(text) : [];
  if (isAlert(text)) tags.push(ALERT_TAG);
  // Attention tags stand at the start of a text: one that does not open with "[" has none.
  if (text.charCodeAt(0) === 0x5b) {
    const attention = decodeAttention(text);
    if (attention.importance === 'urgent') tags.push(URGENT_TAG);
    if (attention.ackRequired) tags.push(ACK_TAG);
  }
  return tags;
}

/** The tags that mark a text as mentioning `instance` (mentionsInstance). */
export function mentionTags(instance: string): string[] {
  return [instance, ALL_MENTIONED];
}
