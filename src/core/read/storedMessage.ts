/** A message as the store holds it: the public Message plus where it lives and which transcript blocks copy it. */
import { Message, RawMessage } from '../common/messageTypes';
import { messageFromStored } from '../formats/attentionTags';
import { TranscriptBlock } from '../formats/transcript';

export interface TranscriptRef {
  /** Key of the source file (see SourceState.key). */
  source: string;
  block: TranscriptBlock;
}

export interface StoredMessage extends RawMessage {
  seq: number;
  /** Written as a direct message (DM: line or a DM file) rather than an @-message. */
  dm: boolean;
  /** The room for "#room" targets. */
  room: string | null;
  /** The recipient for "@id" targets. */
  to: string | null;
  /** Physical lines owned in the log (continuation lines included). */
  lastLine: number | null;
  refs: TranscriptRef[];
}

export function toMessage(m: StoredMessage): Message {
  return messageFromStored({
    number: m.number,
    id: m.id,
    time: m.time,
    from: m.from,
    target: m.target,
    text: m.text,
    replyTo: m.replyTo,
  });
}
