/**
 * The typed message protocol between the extension host (ThreadPanel) and the
 * thread panel's webview script. Both sides import only types from here. A
 * request the webview waits on carries a requestId that the host's reply
 * repeats, so a reply is matched to its request, never to a later one.
 */
// The types' own module, not core/index: the page's type check (DOM, no Node types) must not load the library.
import type { Importance, Message, MessageRef } from '../core/common/messageTypes';

/**
 * A message as the webview shows it: the core's Message plus what the host
 * resolved for it. `key` is unique in a panel: "n:12" or "i:70986932".
 */
export interface ViewMessage extends Message {
  key: string;
  /** What to pass back for replies and read marks: the number, or the 8-hex id of a legacy message. */
  ref: MessageRef;
  /** The parent's key when it could be resolved, else null. */
  parentKey: string | null;
  /** A short description of the parent ("#8 from instance-3") when the message is a reply. */
  parentLabel: string | null;
  mine: boolean;
  unread: boolean;
  mentionsMe: boolean;
  alert: boolean;
  /** `path:line[-end]` places in `text` that name a workspace file (links); offsets into `text`. */
  codeRefs?: Array<{ start: number; end: number; path: string; line: number; endLine: number }>;
  /** The sender asked for an ack and I have not given it: the message shows an Acknowledge button. */
  ackOwed: boolean;
}

export interface PanelInfo {
  /** "#room" or "@peer". */
  target: string;
  title: string;
  me: string | null;
  kind: 'room' | 'dm';
  closed: boolean;
  closedReason: string;
  description: string;
}

/** Names offered by the composer's completion. */
export interface CompletionNames {
  instances: string[];
  rooms: string[];
}

export type HostToWebview =
  | { type: 'init'; info: PanelInfo; names: CompletionNames }
  | {
      type: 'messages';
      /** Every loaded message of the conversation, oldest first (replaces what the webview has). */
      messages: ViewMessage[];
      /** Whether older messages exist beyond the first one sent. */
      hasEarlier: boolean;
      /** Total messages in the conversation. */
      total: number;
      reason: 'init' | 'update' | 'earlier' | 'reveal';
    }
  | { type: 'info'; info: PanelInfo; names: CompletionNames }
  | { type: 'reveal'; key: string }
  | { type: 'sendResult'; requestId?: number; ok: true; key: string }
  | { type: 'sendResult'; requestId?: number; ok: false; error: string }
  | { type: 'filterResult'; requestId?: number; query: string; messages: ViewMessage[]; error?: string }
  /** "Since you last looked", shown above the first unread message when a room opens. */
  | { type: 'digest'; summary: string }
  /** Whether the panel is on screen: a background tab marks nothing read. */
  | { type: 'visibility'; visible: boolean };

export type WebviewToHost =
  | { type: 'ready' }
  | {
      type: 'send';
      requestId?: number;
      text: string;
      replyTo: MessageRef | null;
      importance?: Importance;
      ack?: boolean;
    }
  | { type: 'ack'; ref: MessageRef }
  | { type: 'loadEarlier' }
  | { type: 'markRead'; refs: MessageRef[] }
  | { type: 'filter'; requestId?: number; query: string }
  | { type: 'reveal'; key: string }
  | { type: 'openTarget'; target: string }
  /** A `path:line` link: the host checks the path is a workspace file, then opens it at those lines. */
  | { type: 'openCodeRef'; path: string; line: number; endLine: number }
  /** The closed-room banner's Reopen button: the host runs Reopen Chatroom for this room (it asks for a reason). */
  | { type: 'reopen' }
  | { type: 'rendered'; count: number; unreadShown: number };

/** Messages the host sends per page. */
export const PAGE_SIZE = 200;
