/**
 * What an acknowledgement writes, whichever backend stores it: the targets
 * this instance has not acknowledged yet (decided against the records as
 * stored at the moment of writing), their records, the action-log entry and
 * the result.
 */
import { describeRef, type MessageRef } from '../common/messageTypes';
import { type AckRecord, formatAck } from '../formats/acksFile';
import type { StoredMessage } from '../read/store';
import { sameRef } from './addressing';

export interface AckResult {
  acked: MessageRef[];
  alreadyAcked: MessageRef[];
}

export interface AckWrite {
  /** The targets not yet acknowledged by `me`. */
  fresh: AckTarget[];
  /** Their records, in the acks format (formats/acksFile.ts); empty when nothing is new. */
  lines: string;
  action: { action: string; details: string } | null;
  result: AckResult;
}

/** What an ack needs of a message: which one it is. */
export type AckTarget = Pick<StoredMessage, 'number' | 'id'>;

const refOf = (m: AckTarget): MessageRef => m.number ?? m.id;

export function planAcks(current: AckRecord[], targets: AckTarget[], me: string, time: string): AckWrite {
  const fresh = targets.filter((m) => !current.some((a) => a.by === me && sameRef(a.ref, m)));
  return {
    fresh,
    lines: fresh.map((m) => formatAck({ ref: refOf(m), by: me, time })).join(''),
    action:
      fresh.length > 0
        ? { action: 'ACK', details: `Acknowledged ${fresh.map((m) => describeRef(refOf(m))).join(', ')}` }
        : null,
    result: {
      acked: fresh.map(refOf),
      alreadyAcked: targets.filter((m) => !fresh.includes(m)).map(refOf),
    },
  };
}
