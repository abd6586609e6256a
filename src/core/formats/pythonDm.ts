/**
 * dms/dm_<a>_<b>.txt (Python send-dm; a < b sorted): one line per message,
 * `[ts] sender: text`. Python writes text raw, so a line that does not start
 * with a timestamp continues the message above. We write text encoded (common/text.ts).
 */
import { TIMESTAMP_SOURCE } from '../common/time';
import { splitLines } from '../disk/lines';
import { encodeMessageText, decodeMessageText } from '../common/text';

export interface PythonDmLine {
  time: string;
  from: string;
  text: string;
  line: number;
}

const LINE_RE = new RegExp(`^\\[(${TIMESTAMP_SOURCE})\\] ([^\\s:]+): ?(.*)$`);

export function parsePythonDm(text: string): PythonDmLine[] {
  const out: PythonDmLine[] = [];
  splitLines(text).forEach((line, i) => {
    const m = LINE_RE.exec(line);
    if (m) out.push({ time: m[1], from: m[2], text: decodeMessageText(m[3]), line: i + 1 });
    else if (out.length > 0) out[out.length - 1].text += '\n' + line;
  });
  return out;
}

export function formatPythonDmLine(time: string, from: string, text: string): string {
  return `[${time}] ${from}: ${encodeMessageText(text)}\n`;
}
