/**
 * What the shared operations (visibility, unread, mentions, threads, search)
 * read: the loaded state of one coordination, whichever backend fills it.
 * The directory's DirectoryStore and the NATS backend's in-memory replica
 * both provide it, so every rule runs over the same shapes on both.
 */
import type { Chatroom, InstanceStatus } from '../common/messageTypes';
import type { StoredMessage } from './store';

/** Whether a message counts as read for one instance. */
export interface ReadView {
  isRead(m: StoredMessage): boolean;
}

export interface MessageStore {
  /** Bumped whenever anything visible changed. */
  readonly version: number;
  /** Brings the state up to date; true when anything changed. */
  refresh(): boolean;
  /** Every message in order (by number; legacy ones merged in by time). */
  allMessages(): StoredMessage[];
  /** By number, `#N`, or 8-hex id. */
  messageByRef(ref: number | string): StoredMessage | undefined;
  /** The highest message number. */
  readonly lineCount: number;
  /** Every room, keyed by its lower-case name. */
  chatrooms(): Map<string, Chatroom>;
  statuses(): Map<string, InstanceStatus>;
  readState(instance: string): ReadView;
}
