/**
 * Who a text @-mentions, and whether it is an alert. A mention is `@name`
 * where the `@` does not follow a name character and the name is not followed
 * by a letter, digit, `_` or `-` (so `@instance-2.` and `@instance-2,` mention
 * instance-2, `@instance-20` does not), or `@all` as a whole word. The one
 * scanner below answers both mentionsInstance (one name) and mentionedNames
 * (every name, which the directory's summary keeps: search/textTags.ts).
 */
import { hasInstanceShape } from './names';

const ALERT_RE = /\b(urgent|alerts?)\b|system:/i;
/** Words every alert's lower-cased text contains (a scan looks for these first, then applies the rule). */
export const ALERT_WORDS = ['urgent', 'alert', 'system:'];

/** Alerts, as the older tools count them: urgent, alert, system:. */
export function isAlert(text: string): boolean {
  return ALERT_RE.test(text);
}

/** What mentionedNames gives for @all (no instance name starts with "@"). */
export const ALL_MENTIONED = '@all';

/** True when the text @-mentions the instance (or @all). */
export function mentionsInstance(text: string, instance: string): boolean {
  return someMention(
    text,
    (start, end) => end - start === instance.length && text.startsWith(instance, start),
    () => true,
  );
}

/**
 * Every instance name (of the valid shape) the text @-mentions, and
 * ALL_MENTIONED for @all: mentionsInstance(text, id) holds exactly when they
 * hold id or ALL_MENTIONED (for any id of the shape hasInstanceShape accepts).
 */
export function mentionedNames(text: string): string[] {
  const names: string[] = [];
  someMention(
    text,
    (start, end) => {
      const name = text.slice(start, end);
      if (hasInstanceShape(name) && !names.includes(name)) names.push(name);
      return false;
    },
    () => {
      if (!names.includes(ALL_MENTIONED)) names.push(ALL_MENTIONED);
      return false;
    },
  );
  return names;
}

const DOT = 46;
const HYPHEN = 45;

/** A character that may appear in a name: letters, digits, `.`, `_`, `-`. */
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === DOT || c === HYPHEN;
}

/**
 * Walks the text's mentions: `name(start, end)` for each name span a mention
 * may be read as (after a valid `@`, each prefix of the name characters that
 * ends where a `.` or a non-name character follows), `all()` for @all. Stops
 * and answers true as soon as either answers true.
 */
function someMention(text: string, name: (start: number, end: number) => boolean, all: () => boolean): boolean {
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    if (at > 0 && isNameChar(text.charCodeAt(at - 1))) continue;
    let runEnd = at + 1;
    while (runEnd < text.length && isNameChar(text.charCodeAt(runEnd))) runEnd++;
    if (runEnd - at > 3 && text.startsWith('all', at + 1)) {
      const after = runEnd === at + 4 ? -1 : text.charCodeAt(at + 4);
      if ((after === -1 || after === DOT || after === HYPHEN) && all()) return true;
    }
    for (let end = at + 2; end <= runEnd; end++)
      if ((end === runEnd || text.charCodeAt(end) === DOT) && name(at + 1, end)) return true;
  }
  return false;
}
