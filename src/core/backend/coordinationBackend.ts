/**
 * The backend boundary: every operation the CLI, the MCP server and the
 * extension use, whichever backend stands behind it (the coordination
 * directory, or a NATS JetStream server). Reads are synchronous over state
 * the backend keeps current; writes are async.
 */
import type { Coordination } from '../coordination';

/** The operations (Coordination's public surface) plus change events and closing. */
export type CoordinationBackend = Pick<
  Coordination,
  | 'dir'
  | 'persistCaches'
  | 'layout'
  | 'lineCount'
  | 'messagesAfter'
  | 'ack'
  | 'acks'
  | 'humans'
  | 'registerHuman'
  | 'needsYou'
  | 'needsYouNewest'
  | 'stuckAgents'
  | 'roomDigest'
  | 'claimBook'
  | 'instance'
  | 'version'
  | 'refresh'
  | 'messages'
  | 'lastMessages'
  | 'messagesContaining'
  | 'storeLoaded'
  | 'getMessage'
  | 'listChatrooms'
  | 'getChatroom'
  | 'checkChatroom'
  | 'chatroomSlice'
  | 'dmSlice'
  | 'checkDm'
  | 'conversations'
  | 'thread'
  | 'isVisible'
  | 'checkUnread'
  | 'unreadPage'
  | 'eachUnread'
  | 'unreadCounts'
  | 'unreadByTarget'
  | 'unreadMentionsByTarget'
  | 'checkNotifications'
  | 'checkInbox'
  | 'search'
  | 'searchBest'
  | 'warmSearchIndex'
  | 'statuses'
  | 'knownInstances'
  | 'actionLog'
  | 'systemStatus'
  | 'systemSummary'
  | 'send'
  | 'sendDm'
  | 'reply'
  | 'markRead'
  | 'createChatroom'
  | 'closeChatroom'
  | 'reopenChatroom'
  | 'updateStatus'
  | 'deliveryState'
  | 'saveDeliveryState'
> & {
  /** 'directory' or 'nats'. */
  readonly backend: 'directory' | 'nats';
  /**
   * Calls `listener` after the state changed (another process or machine
   * wrote): the NATS replica's consumer and watchers, or fs.watch on the
   * directory. Returns the function that stops it.
   */
  onChange(listener: () => void): () => void;
  /** Releases connections; the object is unusable afterwards. */
  close(): Promise<void>;
};
