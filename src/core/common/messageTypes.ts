/** The shapes the core hands to the CLI, the extension and library users. */

/** How much a message matters to its sender (see formats/attentionTags.ts for how it is stored). */
export type Importance = 'urgent' | 'high' | 'normal' | 'low';

/** A message as printed by `--json` and returned by the library. */
export interface Message {
  /** Its line number in data/messages.log; null for a transcript-only legacy message. */
  number: number | null;
  /** 8-hex id: from the transcript when known, else derived from the log line. */
  id: string;
  time: string;
  from: string;
  /** "#room" or "@instance" (for @-messages and DMs: the recipient). */
  target: string;
  text: string;
  /** The parent's number, or a legacy parent's 8-hex id; null when not a reply. */
  replyTo: number | string | null;
  importance: Importance;
  /** The sender asked its recipients to acknowledge it (`coord ack N`). */
  ackRequired: boolean;
}

/** A message with its text as stored (importance and ack tags still in it); see formats/attentionTags.ts. */
export type RawMessage = Omit<Message, 'importance' | 'ackRequired'>;

/** A room's state: what its line in data/chatroom-status.txt holds. */
export interface RoomState {
  name: string;
  status: 'open' | 'closed';
  creator: string;
  /** A full timestamp, or '' when unknown (the status file holds a truncated one). */
  created: string;
  modified: string;
  /** Why it was closed ('' when open). */
  reason: string;
}

export interface Chatroom extends RoomState {
  description: string;
}

export interface InstanceStatus {
  text: string;
  updated: string;
}

export interface Notifications {
  mentions: Message[];
  alerts: Message[];
}

export type MessageRef = number | string;

/** A reference as shown in messages: `#12` for a number, `'ab12cd34'` for an id. */
export function describeRef(ref: MessageRef): string {
  return typeof ref === 'number' ? `#${ref}` : /^#?\d+$/.test(ref) ? `#${ref.replace('#', '')}` : `'${ref}'`;
}
