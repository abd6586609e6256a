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
import { escapeMessageText, unescapeMessageText } from '../common/text';

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

export function parseLogLine(line: string): LogLine | null {
  const m = LINE_RE.exec(line);
  if (!m) return null;
  let text = m[5];
  let replyTo: number | string | null = null;
  const reply = REPLY_RE.exec(text);
  if (reply) {
    replyTo = reply[1] !== undefined ? Number(reply[1]) : reply[2];
    text = text.slice(reply[0].length);
  }
  return { time: m[1], from: m[3], rawTarget: m[4], dm: m[2] !== undefined, text: unescapeMessageText(text), replyTo };
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
  let prefix = '';
  if (input.replyTo !== undefined && input.replyTo !== null) {
    const from = input.replyToSender ? ` from ${input.replyToSender}` : '';
    prefix =
      typeof input.replyTo === 'number'
        ? `[REPLY to msg #${input.replyTo}${from}] `
        : `[REPLY to ID ${input.replyTo}${from}] `;
  }
  const body = prefix + escapeMessageText(input.text);
  if (input.dm) return `[${input.time}] DM: ${input.from} -> ${input.target.replace(/^@/, '')}: ${body}`;
  return `[${input.time}] ${input.from} -> ${input.target}: ${body}`;
}
