/** The public library: `require('agent-coordination/core')`. */
export { openCoordination, initCoordination, Coordination, mentionsInstance, isAlert } from './coordination';
export type { OpenOptions, SystemStatus, SystemSummary, Conversation, MarkReadResult } from './coordination';
export type { Message, Chatroom, InstanceStatus, Notifications, MessageRef } from './common/messageTypes';
export type { SearchOptions } from './search/searchEngine';
export type { ActionEntry } from './formats/actionLog';
export { CoordError, isCoordError } from './common/errors';
export { resolveDirectory, looksLikeCoordinationDir } from './disk/directory';
export { isBookkeepingPath } from './disk/layout';
export { searchDirectory } from './search/persistedIndex';
export { sanitizeForTerminal, escapeMessageText, unescapeMessageText } from './common/text';
export { isValidInstanceId, isValidRoomName } from './common/names';
export { closestName } from './common/editDistance';
export { openBackend, loadNats } from './backend/openBackend';
export type { BackendOptions } from './backend/openBackend';
export type { CoordinationBackend } from './backend/coordinationBackend';
export { serverOptionsFrom, describeServer } from './backend/serverOptions';
export type { ServerOptions, ServerFlags } from './backend/serverOptions';
