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
export { openBackend, loadNats } from './backend/openBackend';
export type { BackendOptions } from './backend/openBackend';
export type { CoordinationBackend } from './backend/coordinationBackend';
export { serverOptionsFrom, describeServer } from './backend/serverOptions';
export type { ServerOptions, ServerFlags } from './backend/serverOptions';
