/** The public library: `require('agent-coordination/core')`. */
export { openCoordination, initCoordination, Coordination, mentionsInstance, isAlert } from './coordination';
export type {
  OpenOptions,
  SystemStatus,
  SystemSummary,
  Conversation,
  MarkReadResult,
  Inbox,
  NeedsYouOptions,
  UnreadScope,
} from './coordination';
export type { Message, Chatroom, InstanceStatus, Notifications, MessageRef } from './common/messageTypes';
export type { SearchOptions } from './search/searchEngine';
export type { ActionEntry } from './formats/actionLog';
export { CoordError, isCoordError } from './common/errors';
export { resolveDirectory, looksLikeCoordinationDir } from './disk/directory';
export { writesSettled } from './disk/lock';
export { isBookkeepingPath } from './disk/layout';
export { searchDirectory, summaryReadyToFollow } from './search/persistedIndex';
export { sanitizeForTerminal, encodeMessageText, decodeMessageText, decodeUtf8Strictly } from './common/text';
export { isValidInstanceId, isValidRoomName } from './common/names';
export { closestName } from './common/editDistance';
export type { AckResult } from './coordination';
export type { Importance, RawMessage } from './common/messageTypes';
export { IMPORTANCE_LEVELS, encodeAttention, decodeAttention, sendOptionsFromFlags } from './formats/attentionTags';
export type { SendOptions, AttentionFields } from './formats/attentionTags';
export { formatAge } from './attention/ackLedger';
export type { AckReport, AckEntry, AckStatus } from './attention/ackLedger';
export type { AckRecord } from './formats/acksFile';
export { HUMAN_ALIAS } from './formats/humansFile';
export type { HumanEntry } from './formats/humansFile';
export { DEFAULT_STUCK_AFTER_MS } from './attention/stuckAgents';
export type { StuckAgent } from './attention/stuckAgents';
export { needsYou, needsYouNewest, noQueueTotals, queueLabel, queueOrder, QUEUE_ORDER } from './attention/needsYou';
export { claimConflictEntries } from './attention/claimConflictQueue';
export type { NewestQueue, QueueEntry, QueueReason, QueueAction, QueueSource } from './attention/needsYou';
export type { RoomDigest } from './attention/roomDigest';
export { NotificationThrottle, isSilenced } from './attention/notificationThrottle';
export type { Notice, ThrottleOptions } from './attention/notificationThrottle';
export { parseDuration } from './common/time';
export { DirectoryFollower } from './live/follower';
export type { FollowOptions } from './live/follower';
export { LiveFeed } from './live/liveFeed';
export type { LiveEvent } from './live/liveFeed';
export { waitForMessages } from './live/waitForMessages';
export type { WaitOptions } from './live/waitForMessages';
export { runHook, hookPhase, vendorEvent, sessionBriefing, AGENT_KINDS } from './agents/agentHooks';
export type { AgentKind, HookPhase, HookRequest } from './agents/agentHooks';
export {
  formatMessagesForAgent,
  quoteAgentText,
  QUOTED_NOTE,
  UNTRUSTED_NOTE,
  whereAgentsTalk,
} from './agents/agentText';
export { instancePresence, ACTIVE_WINDOW_MS } from './agents/presence';
export type { Presence } from './agents/presence';
export { setupAgent, checkAgent, hookCommandLine, SERVER_NAME } from './agents/agentSetup';
export type { SetupOptions, FileChange, AgentCheck, McpLaunch } from './agents/agentSetup';
export { ClaimBook, claimConflicts, guardViolations, describeHold, liveClaims } from './claims/claimBook';
export type { ClaimOptions, ClaimResult, GuardViolation, ClaimBookOptions } from './claims/claimBook';
export type { Claim, ClaimConflict } from './claims/claimFile';
export { patternCovers, patternsOverlap } from './claims/claimPatterns';
export { parseClaimTtl, formatTimeLeft } from './claims/claimClock';
export { coordClock } from './common/clock';
export { installGuardHook, uninstallGuardHook, GUARD_OFF_ENV } from './claims/guardHook';
export { findCodeRefs, formatCodeRef, formatSelectionQuote } from './claims/codeRefs';
export type { CodeRef } from './claims/codeRefs';
export { openBackend, loadNats } from './backend/openBackend';
export { searchMessages } from './backend/searchMessages';
export type { BackendOptions } from './backend/openBackend';
export type { CoordinationBackend } from './backend/coordinationBackend';
export { serverOptionsFrom, describeServer } from './nats/serverOptions';
export type { ServerOptions, ServerFlags } from './nats/serverOptions';
