/** The public library: `require('agent-coordination/core')`. */
export { openCoordination, initCoordination, Coordination, mentionsInstance, isAlert } from './coordination';
export type { OpenOptions, SystemStatus, SystemSummary, Conversation, MarkReadResult } from './coordination';
export type { Message, Chatroom, InstanceStatus, Notifications, MessageRef } from './model';
export type { SearchOptions } from './search';
export type { ActionEntry } from './formats/actionLog';
export { CoordError, isCoordError } from './errors';
export { resolveDirectory, looksLikeCoordinationDir } from './directory';
export { isBookkeepingPath } from './layout';
export { searchDirectory } from './searchCache';
export { sanitizeForTerminal, escapeMessageText, unescapeMessageText } from './text';
export { isValidInstanceId, isValidRoomName } from './names';
export { ClaimBook, claimConflicts, guardViolations, describeHold, liveClaims } from './claims/claimBook';
export type { ClaimOptions, ClaimResult, GuardViolation, ClaimBookOptions } from './claims/claimBook';
export type { Claim, ClaimConflict } from './claims/claimFile';
export { patternCovers, patternsOverlap } from './claims/claimPatterns';
export { parseClaimTtl, formatTimeLeft, claimClock } from './claims/claimClock';
export { installGuardHook, uninstallGuardHook, GUARD_OFF_ENV } from './claims/guardHook';
