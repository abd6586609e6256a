/**
 * How one message is recognised across the files that hold it: a log line and
 * a transcript block with the same time, sender, target and text are the same
 * message. Shared by the store (store.ts) and the persisted search index's
 * delta reader (search/indexDelta.ts), which must match exactly as a fresh load does.
 */
import { guardBodyText } from '../formats/transcript';
import { unescapeUnmarked } from '../common/text';
import { isValidInstanceId } from '../common/names';
import { fnv } from '../common/fnv';

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A u32 as 8 lower-case hex digits (toString(16) and padStart, ten times faster). */
export function hex8(value: number): string {
  return (
    HEX_BYTE[value >>> 24] + HEX_BYTE[(value >>> 16) & 255] + HEX_BYTE[(value >>> 8) & 255] + HEX_BYTE[value & 255]
  );
}

/** FNV-1a: a short, stable id for a message that has no transcript id. */
export function hashId(text: string): string {
  return hex8(fnv(text));
}

/** The id of a transcript block that carries no `ID:` line (the Python DM files), stable per file and line. */
export function blockId(sourceKey: string, block: { id: string | null; firstLine: number; text: string }): string {
  return block.id ?? hashId(`${sourceKey}\n${block.firstLine}\n${block.text}`);
}

/** The id of a log message no transcript block lends one to: from its number, time, sender and line. */
export function logLineId(number: number, time: string, from: string, line: string): string {
  return hashId(`${number}|${time}|${from}|${line.length}`);
}

/** Lines a transcript writer would have indented (see guardBodyText); most texts have none. */
const STRUCTURE_LINE_RE = /(^|\n)(---(\n|$)|STATUS: |\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] |\[CHATROOM CREATED: )/;

/** The text as a transcript writer stores it, for comparing a block with a log line. */
export function comparableBody(text: string): string {
  // Most texts are one line that cannot start a structure line: no pattern to run.
  const first = text.charCodeAt(0);
  const plain = first !== 0x2d && first !== 0x53 && first !== 0x5b && !text.includes('\n');
  const body = text.includes('\r') || (!plain && STRUCTURE_LINE_RE.test(text)) ? guardBodyText(text) : text;
  return body.trimEnd();
}

export interface MessageShape {
  time: string;
  from: string;
  target: string;
  text: string;
}

/** Same time, sender, target and text: one message seen in two files. */
export function sameMessage(a: MessageShape, b: MessageShape): boolean {
  return a.time === b.time && a.from === b.from && a.target === b.target && sameText(a.text, b.text);
}

/**
 * One text as two files hold it: equal as a transcript writer stores it (a CR
 * there is a line break), or one side is a log line coord wrote before its
 * escapes were marked, whose `\r`, `\n` and `\\` the other holds as written.
 */
export function sameText(a: string, b: string): boolean {
  if (a === b) return true;
  const ca = comparableBody(a);
  const cb = comparableBody(b);
  if (ca === cb) return true;
  return (
    (a.includes('\\') && comparableBody(unescapeUnmarked(a)) === cb) ||
    (b.includes('\\') && ca === comparableBody(unescapeUnmarked(b)))
  );
}

/** Where a text stops being the same in every form sameText accepts: an escape, a line break or a control character. */
const FORM_BREAK_RE = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A key that messages sameMessage pairs always share, for finding candidates
 * fast: sender, target and the text up to its first escape, line break or
 * control character, trimmed (a transcript indents a line that looks like
 * structure). It holds while a log message gains continuation lines, so it can
 * be taken from the first physical line.
 */
export function pairingKey(m: MessageShape): string {
  return `${m.from}\u0000${m.target}\u0000${pairingText(m.text)}`;
}

/** pairingKey's part of the text. */
export function pairingText(text: string): string {
  const cut = text.search(FORM_BREAK_RE);
  return (cut < 0 ? text : text.slice(0, cut)).trim();
}

/** DM file names join two ids with `_`, which ids may contain: split where a sender fits. */
export function splitDmPair(name: string, senders: string[]): [string, string] {
  for (let i = name.indexOf('_'); i > 0; i = name.indexOf('_', i + 1)) {
    const a = name.slice(0, i);
    const b = name.slice(i + 1);
    if (isValidInstanceId(a) && isValidInstanceId(b) && senders.some((s) => s === a || s === b)) return [a, b];
  }
  const i = name.indexOf('_');
  return i > 0 ? [name.slice(0, i), name.slice(i + 1)] : [name, ''];
}

/** Where a message belongs: a room, or the conversation with an instance. */
export interface Place {
  target: string;
  room: string | null;
  to: string | null;
}

export interface PlacedMessage extends Place {
  from: string;
}

/**
 * Where a log line's message belongs, from its raw target: `#room`, `@id`,
 * a DM line, a bare name (a room if one by that name exists, else an
 * instance), or the Python tool's replies aimed at `coordination`, which
 * belong where their parent is. Callers say how to find a parent by number
 * and which bare names are rooms.
 */
export function resolveLogTarget(
  raw: string,
  from: string,
  dm: boolean,
  replyTo: number | string | null,
  parentOf: (number: number) => PlacedMessage | undefined,
  isRoomName: (name: string) => boolean,
): Place {
  if (dm) return { target: `@${raw.replace(/^@/, '')}`, room: null, to: raw.replace(/^@/, '') };
  if (raw.startsWith('#')) return { target: raw, room: raw.slice(1), to: null };
  if (raw.startsWith('@')) return { target: raw, room: null, to: raw.slice(1) };
  if (raw === 'coordination' && typeof replyTo === 'number') {
    const parent = parentOf(replyTo);
    if (parent) {
      if (parent.room !== null) return { target: parent.target, room: parent.room, to: null };
      const other = parent.from === from ? parent.to : parent.from;
      return { target: `@${other}`, room: null, to: other };
    }
  }
  if (raw === 'coordination' || isRoomName(raw)) return { target: `#${raw}`, room: raw, to: null };
  return { target: `@${raw}`, room: null, to: raw };
}
