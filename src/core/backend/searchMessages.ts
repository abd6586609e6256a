/**
 * Search on whichever backend: a directory answers from its persisted index
 * (so a one-shot process never loads the whole store), a server from the
 * index its replica keeps. The CLI and the MCP server both call this.
 */
import type { Message } from '../common/messageTypes';
import { searchDirectory } from '../search/persistedIndex';
import type { SearchOptions } from '../search/searchEngine';
import type { CoordinationBackend } from './coordinationBackend';

export function searchMessages(c: CoordinationBackend, query: string, opts: SearchOptions = {}): Message[] {
  return c.backend === 'nats' ? c.search(query, opts) : searchDirectory(c.dir, c.instance, query, opts);
}
