/** Who a text @-mentions: `@id` as a whole word, or `@all`. */
const mentionPatterns = new Map<string, RegExp>();

/** True when the text @-mentions the instance (or @all). */
export function mentionsInstance(text: string, instance: string): boolean {
  if (!text.includes('@')) return false;
  let re = mentionPatterns.get(instance);
  if (!re) {
    const escaped = instance.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    re = new RegExp(`(^|[^A-Za-z0-9._-])@(${escaped}(?![A-Za-z0-9_-])|all\\b)`);
    mentionPatterns.set(instance, re);
  }
  return re.test(text);
}

const ALERT_RE = /\b(urgent|alerts?)\b|system:/i;
/** Words every alert's lower-cased text contains (a scan looks for these first, then applies the rule). */
export const ALERT_WORDS = ['urgent', 'alert', 'system:'];

/** Alerts, as the older tools count them: urgent, alert, system:. */
export function isAlert(text: string): boolean {
  return ALERT_RE.test(text);
}
