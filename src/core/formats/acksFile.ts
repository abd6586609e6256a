/**
 * data/coord-acks.txt, a file of ours (the older tools ignore it), appended
 * under the write lock, one acknowledgement per line:
 *
 *   12: acked by instance-2 at 2026-11-25 08:30:00
 *   id:8abda4b6: acked by human at 2026-11-25 08:31:10      (a legacy message with no number)
 *
 * Lines that fit neither shape are skipped.
 */
import { TIMESTAMP_SOURCE } from '../common/time';
import { splitLines } from '../disk/lines';
import type { MessageRef } from '../common/messageTypes';

export interface AckRecord {
  /** The message's number, or a legacy message's 8-hex id. */
  ref: MessageRef;
  by: string;
  time: string;
}

const ACK_RE = new RegExp(`^(?:(\\d+)|id:([0-9a-f]{8})): acked by (\\S+) at (${TIMESTAMP_SOURCE})\\s*$`);

export function parseAcks(text: string): AckRecord[] {
  const out: AckRecord[] = [];
  for (const line of splitLines(text)) {
    const m = ACK_RE.exec(line);
    if (!m) continue;
    out.push({ ref: m[1] !== undefined ? Number(m[1]) : m[2], by: m[3], time: m[4] });
  }
  return out;
}

export function formatAck(ack: AckRecord): string {
  const ref = typeof ack.ref === 'number' ? String(ack.ref) : `id:${ack.ref}`;
  return `${ref}: acked by ${ack.by} at ${ack.time}\n`;
}
