/**
 * data/messages.log: one message per line, numbered by physical line.
 *
 *   [ts] instance-1 -> #general: text                  room message
 *   [ts] instance-1 -> @instance-2: text               @-message
 *   [ts] instance-1 -> instance-2: text                legacy @-message (no sigil)
 *   [ts] DM: instance-1 -> instance-2: text            direct message (Python send-dm)
 *   [ts] instance-1 -> coordination: [REPLY to msg #8] text            Python reply
 *   [ts] instance-1 -> #general: [REPLY to msg #8 from instance-3] text   bash reply
 *
 * A line that fits none of these is a continuation of the message above.
 */
import { TIMESTAMP_SOURCE } from '../common/time';
import { encodeMessageText, decodeMessageText } from '../common/text';

export interface LogLine {
  time: string;
  from: string;
  /** As written: "#room", "@id", a bare name, or "coordination". */
  rawTarget: string;
  dm: boolean;
  text: string;
  /** Parent message number, or a legacy message's 8-hex id. */
  replyTo: number | string | null;
}

const LINE_RE = new RegExp(`^\\[(${TIMESTAMP_SOURCE})\\] (DM: )?([^\\s:]+) -> ([^\\s:]*): ?(.*)$`, 's');
const REPLY_RE = /^\[REPLY to (?:msg #(\d+)|ID ([0-9a-f]{8}))(?: from [^\]]*)?\] ?/;

/** A reply's `[REPLY to msg #N from X] ` prefix (log lines and transcripts alike) taken off its text. */
export function splitReplyPrefix(text: string): { text: string; replyTo: number | string | null } {
  const reply = REPLY_RE.exec(text);
  if (!reply) return { text, replyTo: null };
  return { text: text.slice(reply[0].length), replyTo: reply[1] !== undefined ? Number(reply[1]) : reply[2] };
}

/** The prefix a reply's text carries: `[REPLY to msg #N from X] ` (or `ID xxxxxxxx` for a legacy parent). */
export function formatReplyPrefix(replyTo: number | string, sender?: string): string {
  const from = sender ? ` from ${sender}` : '';
  return typeof replyTo === 'number' ? `[REPLY to msg #${replyTo}${from}] ` : `[REPLY to ID ${replyTo}${from}] `;
}

export function parseLogLine(line: string): LogLine | null {
  const m = LINE_RE.exec(line);
  if (!m) return null;
  const { text, replyTo } = splitReplyPrefix(m[5]);
  return { time: m[1], from: m[3], rawTarget: m[4], dm: m[2] !== undefined, text: decodeMessageText(text), replyTo };
}

export interface LogLineInput {
  time: string;
  from: string;
  /** "#room" or "@id" */
  target: string;
  dm: boolean;
  text: string;
  replyTo?: number | string | null;
  replyToSender?: string;
}

/** One physical line, without its terminator. */
export function formatLogLine(input: LogLineInput): string {
  const prefix =
    input.replyTo !== undefined && input.replyTo !== null ? formatReplyPrefix(input.replyTo, input.replyToSender) : '';
  const body = prefix + encodeMessageText(input.text);
  if (input.dm) return `[${input.time}] DM: ${input.from} -> ${input.target.replace(/^@/, '')}: ${body}`;
  return `[${input.time}] ${input.from} -> ${input.target}: ${body}`;
}
