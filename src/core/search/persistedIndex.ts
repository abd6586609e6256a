/**
 * The CLI's fast path: a persisted search index beside the data,
 * data/.coord-search-index, so `coord search` answers without loading the
 * whole directory.
 *
 * The file is a *base segment*: for every message in allMessages() order, the
 * fields the search filters and prints (number, id, time, sender, target, room,
 * recipient, the parent a reply points at), the text, and the ranked engine's
 * postings (ranking.ts: per term, the (doc, field, frequency, field length)
 * of each document holding it, with per-field document counts) and
 * field-length sums; plus
 * the state of the files it was built from (the log's size and last bytes;
 * each transcript's size, mtime, inode, last bytes, line count, and a digest
 * of its message blocks). A query reads the header, the small vocabulary, the
 * postings of the terms it reaches and single rows of what it prints.
 *
 * Agents write all the time, so the directory is almost never exactly the
 * base's. When it only grew (the log's old bytes are intact; a transcript only
 * gained blocks, either appended after a clean end or, when rewritten, with its
 * old blocks unchanged, as `mark-read` does to an inbox), the new bytes are
 * parsed into a *delta*: the new messages, matched against each other the way
 * the store matches log lines and transcript blocks, and appended after the
 * base. Every case where that could differ from loading the directory afresh
 * (a new block or line that might pair with a base message, a legacy message
 * that would sort inside the base, a reply the new lines would resolve, a new
 * room file that would change how an old bare target reads, ...) is detected
 * and answered the slow way instead. Ranked queries score the base's postings
 * and the delta's together with the combined document count and field-length
 * sums, so scores equal a fresh index's.
 *
 * When the delta grows past MAX_DELTA_MESSAGES (or its log bytes past
 * MAX_DELTA_BYTES), or anything else changed, the base is rebuilt from the
 * files (indexBuilder.ts: the store's rules over compact columns, without
 * loading the directory into a DirectoryStore), written to a temporary file
 * and renamed over the old one, and the query is answered from it. The
 * other reading commands build it the same way and put it in place only once
 * they have succeeded (buildSummary). It is a cache: deleting it is always safe; a directory we cannot write to is
 * loaded and searched in memory. A failed search (bad regex, empty query)
 * never writes it.
 *
 * The file's layout is in indexFormat.ts.
 */
import * as fs from 'fs';
import { Message } from '../common/messageTypes';
import { Layout } from '../disk/layout';
import { fileHead, fileTail, openIfExists, readRange } from '../disk/fsutil';
import { DirectoryStore } from '../read/store';
import { StampedSource, stampSources } from '../read/sources';
import { searchIndexFor } from './memoryIndex';
import { checkQuery, runSearch, SearchOptions } from './searchEngine';
import { LogState, sameStamp } from './indexFormat';
import { computeDelta, DELTA_LIMITS, FOLLOWER_DELTA_LIMITS, type DeltaLimits } from './indexDelta';
import { loadRestamped } from './restampedFiles';
import { buildIndex } from './indexBuilder';
import { CachedCorpus, openCache, openCacheFile } from './indexReader';
import { removeQuietly, replaceWith, writeTemporary } from './indexWriter';

export { MAX_DELTA_MESSAGES } from './indexFormat';
export { DELTA_LIMITS, FOLLOWER_DELTA_LIMITS } from './indexDelta';

export interface SearchDirectoryResult {
  messages: Message[];
  /**
   * 'cache' when answered from the persisted index as is, 'delta' when from
   * the index plus the messages appended since, 'rebuilt' when the directory
   * was loaded (and the index rewritten).
   */
  source: 'cache' | 'delta' | 'rebuilt';
}

export function searchCachePath(dir: string): string {
  return new Layout(dir).searchIndex;
}

/**
 * Searches a coordination directory the fastest way available: the persisted
 * index (plus what was appended since) when it still describes the files, else
 * a full load (which rewrites it). `dir` must already be resolved (see
 * resolveDirectory); `instance` is unused by search today and kept for a
 * future visibility filter.
 */
export function searchDirectory(
  dir: string,
  instance: string | null,
  query: string,
  opts: SearchOptions = {},
): Message[] {
  return searchDirectoryDetailed(dir, instance, query, opts).messages;
}

export function searchDirectoryDetailed(
  dir: string,
  _instance: string | null,
  query: string,
  opts: SearchOptions = {},
): SearchDirectoryResult {
  // A query that cannot run fails before any file is read or written.
  checkQuery(query, opts);
  const layout = new Layout(dir);
  const cached = openSummary(layout);
  const rebuilt = cached ? null : rebuildIndex(layout);
  const corpus = cached ?? rebuilt?.corpus;
  if (corpus) {
    try {
      const source = rebuilt ? 'rebuilt' : corpus.count > corpus.baseCount ? 'delta' : 'cache';
      return { messages: runSearch(corpus, query, opts), source };
    } finally {
      corpus.close();
    }
  }
  // No index could be written (a read-only directory): load it and search in memory.
  const store = new DirectoryStore(dir);
  store.refresh();
  return { messages: runSearch(searchIndexFor(store), query, opts), source: 'rebuilt' };
}

/** A summary built from the files into a temporary file, open for answers, not yet in place. */
export interface BuiltSummary {
  corpus: CachedCorpus;
  /** Renames it over the persisted index when no file moved while it was built; false when it was not. */
  install(): boolean;
  /** Removes the temporary file (the corpus stays readable until closed). */
  discard(): void;
}

/**
 * Builds the index from the files (indexBuilder.ts, without loading the
 * directory) into a temporary file and opens it. Null when it cannot be
 * written or read (a read-only directory).
 */
export function buildSummary(layout: Layout): BuiltSummary | null {
  const files = stampSources(layout);
  const log = readLogState(layout);
  if (log === null) return null;
  let tmp: string;
  try {
    tmp = writeTemporary(layout.searchIndex, (fd) => buildIndex(layout, fd, log, files));
  } catch {
    return null;
  }
  const corpus = openCacheFile(tmp);
  if (!corpus) {
    removeQuietly(tmp);
    return null;
  }
  // A file that moved while it was built may be read half old, half new: answer from it, never keep it.
  let consistent = sameStamps(files, stampSources(layout)) && sameLog(log, readLogState(layout));
  return {
    corpus,
    install: () => {
      if (!consistent) return false;
      consistent = false;
      try {
        replaceWith(tmp, layout.searchIndex);
        return true;
      } catch {
        return false;
      }
    },
    discard: () => {
      consistent = false;
      removeQuietly(tmp);
    },
  };
}

/**
 * Builds the index and replaces the persisted one with it when no file moved
 * meanwhile (else it still answers the query at hand, as a load at that
 * moment would have, and is removed).
 */
function rebuildIndex(layout: Layout): { corpus: CachedCorpus; written: boolean } | null {
  const built = buildSummary(layout);
  if (!built) return null;
  const written = built.install();
  if (!written) built.discard();
  return { corpus: built.corpus, written };
}

/**
 * The persisted index plus the messages appended since (the directory's
 * summary, which the reading commands use too), or null when it is missing or
 * no longer describes the files (then buildSummary makes a new one). The caller
 * closes it.
 */
export function openSummary(layout: Layout, limits: DeltaLimits = DELTA_LIMITS): CachedCorpus | null {
  const cached = openCache(layout);
  if (!cached) return null;
  loadRestamped(layout, cached);
  if (advanceSummary(layout, cached, limits)) return cached;
  cached.close();
  return null;
}

/**
 * Whether a follower (openCoordination with `follow` and `rebuildSummary`)
 * would open the directory's summary as it is, without building one: a
 * caller that can build it in another process does so first when not.
 */
export function summaryReadyToFollow(dir: string): boolean {
  const opened = openSummary(new Layout(dir), FOLLOWER_DELTA_LIMITS);
  opened?.close();
  return opened !== null;
}

/**
 * Brings an open summary up to the files as they are now (its delta read
 * again); null when it no longer describes them within `limits` (the caller
 * closes it).
 */
export function advanceSummary(
  layout: Layout,
  corpus: CachedCorpus,
  limits: DeltaLimits = DELTA_LIMITS,
): CachedCorpus | null {
  for (let attempt = 0; attempt < 3; attempt++) {
    const delta = computeDelta(layout, corpus, limits);
    if (delta === 'moved') continue;
    if (delta === null) return null;
    corpus.setDelta(delta);
    return corpus;
  }
  return null;
}

/** Builds (or refreshes) the persisted index now; returns false when the directory kept changing. */
export function buildSearchCache(dir: string): boolean {
  const rebuilt = rebuildIndex(new Layout(dir));
  rebuilt?.corpus.close();
  return rebuilt?.written ?? false;
}

function sameStamps(a: StampedSource[], b: StampedSource[]): boolean {
  return a.length === b.length && a.every((s, i) => s.rel === b[i].rel && sameStamp(s.stamp, b[i].stamp));
}
function readLogState(layout: Layout): LogState | null {
  const fd = openIfExists(layout.messagesLog);
  if (fd === null) return { size: -1, tail: '', lines: 0, endsCR: false, partial: false, ino: 0, mtimeMs: 0, head: '' };
  try {
    const st = fs.fstatSync(fd);
    const size = st.size;
    const last = size > 0 ? readRange(fd, size - 1, size)[0] : 0x0a;
    return {
      ino: st.ino,
      mtimeMs: st.mtimeMs,
      head: fileHead(fd, size),
      size,
      tail: fileTail(fd, size),
      lines: 0,
      endsCR: last === 0x0d,
      partial: last !== 0x0a && last !== 0x0d,
    };
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

function sameLog(a: LogState, b: LogState | null): boolean {
  return b !== null && a.size === b.size && a.tail === b.tail && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}
