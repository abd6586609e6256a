/**
 * Block transcripts written by the bash tools: chatrooms/<room>.txt,
 * inboxes/<id>.txt and dms/<a>_<b>.txt.
 *
 *   [2025-06-15 05:47:42] FROM: instance-2            (bash DMs: "FROM: a TO: b")
 *   ID: 70986932
 *   MESSAGE: first line of text
 *   more lines of the same message
 *   STATUS: unread                                   (inboxes; bash DMs "unread by b")
 *   ---
 *
 * Room files also hold SYSTEM lines and a `[CHATROOM CREATED: ts by x]` header.
 * Quirks handled: blocks without `---`, a block glued to the end of the line
 * before it (`STATUS: read[ts] FROM: …`), bash-escaped `\!` (see encodeMessageText).
 */
import { TIMESTAMP_SOURCE } from '../common/time';
import { splitLines } from '../disk/lines';
import { decodeMessageText, encodeMessageText, unescapeBashText } from '../common/text';

export interface TranscriptBlock {
  kind: 'message';
  time: string;
  from: string;
  to: string | null;
  id: string | null;
  text: string;
  status: string | null;
  /** 1-based physical lines of the block in the file (the end is `---` when present). */
  firstLine: number;
  lastLine: number;
}

export type SystemEventType =
  'created' | 'description' | 'closed' | 'closure-reason' | 'reopened' | 'reopen-reason' | 'other';

export interface TranscriptEvent {
  kind: 'system';
  time: string;
  type: SystemEventType;
  /** For created/closed/reopened: who; for reasons and descriptions: the text. */
  value: string;
  line: number;
}

export type TranscriptItem = TranscriptBlock | TranscriptEvent;

const HEADER_RE = new RegExp(`^\\[(${TIMESTAMP_SOURCE})\\] FROM: (\\S*)(?: TO: (\\S*))?\\s*$`);
const SYSTEM_RE = new RegExp(`^\\[(${TIMESTAMP_SOURCE})\\] SYSTEM: (.*)$`);
const CREATED_HEADER_RE = new RegExp(`^\\[CHATROOM CREATED: (${TIMESTAMP_SOURCE}) by (.*)\\]$`);
const GLUED_BLOCK_RE = new RegExp(`(STATUS: (?:read|unread)|---)(\\[${TIMESTAMP_SOURCE}\\] (?:FROM|SYSTEM): )`, 'g');
const STATUS_RE = /^STATUS: ((?:un)?read(?: by \S+)?)\s*$/;

function classifySystem(text: string): { type: SystemEventType; value: string } {
  const rules: Array<[RegExp, SystemEventType]> = [
    [/^Chatroom '.*' created by (.+)$/, 'created'],
    [/^Description: ?(.*)$/, 'description'],
    [/^Chatroom closed by (.+)$/, 'closed'],
    [/^Closure reason: ?(.*)$/, 'closure-reason'],
    [/^Chatroom reopened by (.+)$/, 'reopened'],
    [/^Reopen reason: ?(.*)$/, 'reopen-reason'],
  ];
  for (const [re, type] of rules) {
    const m = re.exec(text);
    if (m) return { type, value: unescapeBashText(m[1]) };
  }
  return { type: 'other', value: text };
}

/** Whether a block of this transcript text can have status "read" (or "read by"): never without this text. */
export function mayHaveReadStatus(text: string): boolean {
  return text.includes('STATUS: read');
}

/**
 * Parses a transcript. `lineOffset` is the number of physical lines before
 * `text` in the file, so line numbers stay right when only a tail is parsed.
 * Without `withText` every block's text is left '' (a reader that needs only
 * where blocks are and what their status says skips building the texts).
 */
export function parseTranscript(text: string, lineOffset = 0, withText = true): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  let block: TranscriptBlock | null = null;
  let inMessage = false;
  let lineNo = lineOffset;

  const finish = (last: number) => {
    if (block) {
      block.lastLine = last;
      if (withText) block.text = decodeMessageText(block.text, false);
      items.push(block);
    }
    block = null;
    inMessage = false;
  };

  const take = (line: string) => {
    let m: RegExpExecArray | null = null;
    const bracketed = line.charCodeAt(0) === 0x5b; // '[': only such lines can start an item
    if (bracketed && (m = HEADER_RE.exec(line))) {
      finish(lineNo - 1);
      block = {
        kind: 'message',
        time: m[1],
        from: m[2],
        to: m[3] ?? null,
        id: null,
        text: '',
        status: null,
        firstLine: lineNo,
        lastLine: lineNo,
      };
    } else if (bracketed && (m = SYSTEM_RE.exec(line))) {
      finish(lineNo - 1);
      const inline = /^(.*) - STATUS: (read|unread)$/.exec(m[2]);
      const { type, value } = classifySystem(inline ? inline[1] : m[2]);
      items.push({ kind: 'system', time: m[1], type, value, line: lineNo });
    } else if (bracketed && (m = CREATED_HEADER_RE.exec(line))) {
      finish(lineNo - 1);
      items.push({ kind: 'system', time: m[1], type: 'created', value: m[2], line: lineNo });
    } else if (block) {
      const current: TranscriptBlock = block;
      if (line === '---') {
        finish(lineNo);
      } else if (!inMessage && current.id === null && line.startsWith('ID: ')) {
        current.id = line.slice(4).trim();
      } else if (!inMessage && line.startsWith('MESSAGE:')) {
        if (withText) current.text = line.slice(line.charCodeAt(8) === 0x20 ? 9 : 8);
        inMessage = true;
      } else if (inMessage && STATUS_RE.test(line)) {
        current.status = STATUS_RE.exec(line)![1];
      } else if (inMessage && current.status === null && withText) {
        current.text += '\n' + line;
      }
    }
  };
  for (const physical of splitLines(text)) {
    lineNo++;
    // A glued block shares a physical line; it still starts a new item (same line number).
    const glued = physical.includes('] ') && (physical.includes('STATUS: ') || physical.includes('---['));
    if (glued) for (const line of physical.replace(GLUED_BLOCK_RE, '$1\n$2').split('\n')) take(line);
    else take(physical);
  }
  finish(lineNo);
  return items;
}

/** A body line that a reader would take for structure is indented by one space. */
export function guardBodyText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) =>
      /^(---$|STATUS: |\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] |\[CHATROOM CREATED: )/.test(line) ? ' ' + line : line,
    )
    .join('\n');
}

export interface BlockInput {
  time: string;
  from: string;
  to?: string;
  id: string;
  text: string;
  status?: string;
}

/** A whole block including its trailing `---` line and newline. */
export function formatBlock(input: BlockInput): string {
  const header = input.to
    ? `[${input.time}] FROM: ${input.from} TO: ${input.to}`
    : `[${input.time}] FROM: ${input.from}`;
  const status = input.status ? `STATUS: ${input.status}\n` : '';
  return `${header}\nID: ${input.id}\nMESSAGE: ${guardBodyText(encodeMessageText(input.text, false))}\n${status}---\n`;
}

/** The header the bash tools open a new room's transcript with. */
export function formatCreatedHeader(time: string, by: string): string {
  return `[CHATROOM CREATED: ${time} by ${by}]\n`;
}

export function formatSystemLine(time: string, text: string): string {
  return `[${time}] SYSTEM: ${text.replace(/[\r\n]+/g, ' ')}\n`;
}
