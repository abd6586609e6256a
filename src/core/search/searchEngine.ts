/**
 * Search over messages, in three modes, with filters that combine:
 *
 *   ranked (default)  minisearch full text over text, sender and room: every
 *                     term must match, prefix matching, typo tolerance, and a
 *                     recency boost; best first.
 *   exact             case-insensitive substring of the text (or of
 *                     "sender target"); oldest first.
 *   regex             a JavaScript regular expression (flags i, u) tested the
 *                     same way; oldest first.
 *
 * Filters (all modes): recent N (the last N messages; numbers stay the real
 * ones), room, from, to, since/until, thread (a message and every reply below
 * it), and limit (ranked: the N best; exact/regex: the N newest).
 *
 * The engine runs over a `SearchCorpus`: the messages in `allMessages()` order
 * with a ranked-search function. In process that is `MessageSearchIndex`
 * (memoryIndex.ts, compact postings updated incrementally); in the CLI it is
 * the persisted index beside the data plus a delta of what was appended since
 * (persistedIndex.ts). Both rank through `rankedSearch` (ranking.ts): BM25+ with
 * minisearch's parameters, prefix and typo weights (minisearch supplies only
 * the tokenizer now), so the two paths return the same list.
 */
import * as vm from 'vm';
import { CoordError } from '../common/errors';
import { StoredMessage } from '../read/store';
import { Message, MessageRef } from '../common/messageTypes';
import { parseTimeInput, timestampToMillis } from '../common/time';
import { orderHits, queryTerms, RankedHits } from './ranking';

export interface SearchOptions {
  /** Only the last N messages (numbers stay the real ones). */
  recent?: number;
  room?: string;
  from?: string;
  to?: string;
  since?: string;
  until?: string;
  thread?: MessageRef;
  limit?: number;
  regex?: boolean;
  exact?: boolean;
}

// ------------------------------------------------------------ the corpus

/** Messages in allMessages() order, by position, plus ranked search. */
export interface SearchCorpus {
  readonly count: number;
  text(i: number): string;
  from(i: number): string;
  target(i: number): string;
  room(i: number): string | null;
  to(i: number): string | null;
  time(i: number): string;
  /** Position of the message this one replies to, or -1. */
  parent(i: number): number;
  /** Position of a message by number, 8-hex id or `#N`, or -1. */
  message(i: number): Message;
  find(ref: MessageRef): number;
  ranked(query: string): RankedHits;
  /** Called before exact and regex scans, which read every text. */
  prepareScan?(): void;
  /** "sender target" of a message, when the corpus keeps it (saves building it per scan). */
  who?(i: number): string;
  /** Positions whose text or "sender target" contains `needle` (lower case), ascending; null to scan instead. */
  findSubstring?(needle: string): number[] | null;
}

/** Runs a search over a corpus: the one engine behind the library and the CLI. */
export function runSearch(corpus: SearchCorpus, query: string, opts: SearchOptions = {}): Message[] {
  return runSearchPositions(corpus, query, opts).map((i) => corpus.message(i));
}

/** Throws the error a query would fail with (empty, both modes, a bad regex or time) before any work is done. */
export function checkQuery(query: string, opts: SearchOptions = {}): void {
  refuseEmpty(query);
  if (opts.exact && opts.regex) throw new CoordError('usage', 'choose one of --exact and --regex');
  if (opts.regex) regexMatcher(query);
  if (opts.since) checkedTime(opts.since, '--since');
  if (opts.until) checkedTime(opts.until, '--until');
}

function refuseEmpty(query: string): void {
  if (!query.trim())
    throw new CoordError(
      'invalid-input',
      'search query is empty; give words to look for, e.g. coord search "deploy failed"',
    );
}

export function runSearchPositions(corpus: SearchCorpus, query: string, opts: SearchOptions = {}): number[] {
  checkQuery(query, opts);
  const allowed = filterMask(corpus, opts);
  const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : undefined;
  if (!opts.exact && !opts.regex && queryTerms(query).length > 0)
    return orderHits(corpus.ranked(query), allowed, limit);
  // Exact (also a ranked query with no words in it, such as "->"), or regex.
  if (!opts.regex && corpus.findSubstring) {
    const hits = corpus.findSubstring(query.toLowerCase());
    if (hits !== null) {
      const found = allowed === null ? hits : hits.filter((i) => allowed[i] === 1);
      return limit !== undefined && found.length > limit ? found.slice(found.length - limit) : found;
    }
  }
  const matcher = opts.regex ? regexMatcher(query) : substringMatcher(query);
  corpus.prepareScan?.();
  const found: number[] = [];
  const n = corpus.count;
  const scan = () => {
    for (let i = 0; i < n; i++) {
      if (allowed !== null && allowed[i] !== 1) continue;
      if (matcher(corpus.text(i)) || matcher(corpus.who ? corpus.who(i) : `${corpus.from(i)} ${corpus.target(i)}`))
        found.push(i);
    }
  };
  if (opts.regex) withRegexTimeLimit(scan);
  else scan();
  return limit !== undefined && found.length > limit ? found.slice(found.length - limit) : found;
}

/**
 * The first `first` positions of runSearchPositions(corpus, query, opts) that
 * `keep` allows, and how many it allows in all: what a search box shows. A
 * ranked query without a limit orders only the best `first` of its hits (a
 * heap, see orderHits), not every one of them.
 */
export function runSearchFirst(
  corpus: SearchCorpus,
  query: string,
  opts: SearchOptions,
  first: number,
  keep: (i: number) => boolean,
): { total: number; positions: number[] } {
  checkQuery(query, opts);
  const limited = opts.limit !== undefined && opts.limit > 0;
  if (!limited && !opts.exact && !opts.regex && queryTerms(query).length > 0) {
    const hits = corpus.ranked(query);
    const filters = filterMask(corpus, opts);
    const allowed = new Uint8Array(corpus.count);
    let total = 0;
    for (let c = 0; c < hits.length; c++) {
      const i = hits.index[c];
      if ((filters === null || filters[i] === 1) && keep(i)) {
        allowed[i] = 1;
        total++;
      }
    }
    return { total, positions: orderHits(hits, allowed, first) };
  }
  const all = runSearchPositions(corpus, query, opts).filter(keep);
  return { total: all.length, positions: all.slice(0, first) };
}

export const REGEX_TIME_LIMIT_MS = 2000;
let regexContext: vm.Context | null = null;
const runScan = new vm.Script('scan()');

/**
 * Runs a regex scan under a time limit. JavaScript regexes cannot be
 * interrupted, but V8 stops a vm script at its timeout, regex matching
 * included, so a catastrophic pattern such as ^(a+)+$ cannot hang a search.
 */
function withRegexTimeLimit(scan: () => void): void {
  regexContext ??= vm.createContext({ scan: null });
  regexContext.scan = scan;
  try {
    runScan.runInContext(regexContext, { timeout: REGEX_TIME_LIMIT_MS });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new CoordError(
        'invalid-input',
        `the regular expression ran for over ${REGEX_TIME_LIMIT_MS / 1000} s (catastrophic backtracking, ` +
          'e.g. nested quantifiers like (a+)+); simplify or anchor it, or use --exact',
      );
    }
    throw error;
  } finally {
    regexContext.scan = null;
  }
}

export function regexMatcher(query: string): (text: string) => boolean {
  let re: RegExp;
  try {
    re = new RegExp(query, 'iu');
  } catch (error) {
    throw new CoordError(
      'invalid-input',
      `invalid regular expression: ${(error as Error).message}; check brackets and escapes, or drop --regex`,
    );
  }
  return (text) => re.test(text);
}

export function substringMatcher(query: string): (text: string) => boolean {
  const needle = query.toLowerCase();
  return (text) => text.toLowerCase().includes(needle);
}

/** 1 for every position the filters allow; null when no filter is set. */
export function filterMask(corpus: SearchCorpus, opts: SearchOptions): Uint8Array | null {
  const n = corpus.count;
  const recent = opts.recent !== undefined && opts.recent > 0 ? opts.recent : undefined;
  const room = opts.room ? opts.room.replace(/^#/, '').toLowerCase() : undefined;
  const from = opts.from ? opts.from.replace(/^@/, '') : undefined;
  const to = opts.to ? opts.to.replace(/^@/, '') : undefined;
  const since = opts.since ? checkedTime(opts.since, '--since') : null;
  const until = opts.until ? checkedTime(opts.until, '--until') : null;
  const thread = opts.thread !== undefined ? threadMask(corpus, opts.thread) : null;
  if (
    recent === undefined &&
    room === undefined &&
    from === undefined &&
    to === undefined &&
    since === null &&
    until === null &&
    thread === null
  )
    return null;
  const mask = new Uint8Array(n);
  const start = recent !== undefined ? Math.max(0, n - recent) : 0;
  for (let i = start; i < n; i++) {
    if (thread !== null && thread[i] !== 1) continue;
    if (room !== undefined && corpus.room(i)?.toLowerCase() !== room) continue;
    if (from !== undefined && corpus.from(i) !== from) continue;
    if (to !== undefined && corpus.to(i) !== to) continue;
    if (since !== null || until !== null) {
      const t = timestampToMillis(corpus.time(i));
      if (!((since === null || t >= since) && (until === null || t <= until))) continue;
    }
    mask[i] = 1;
  }
  return mask;
}

function threadMask(corpus: SearchCorpus, ref: MessageRef): Uint8Array {
  const root = corpus.find(ref);
  if (root < 0) throw new CoordError('not-found', `no message ${ref} to take a thread from`);
  const mask = new Uint8Array(corpus.count);
  mask[root] = 1;
  // Replies come after their parents in time order; a second pass catches the odd one that does not.
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < corpus.count; i++) {
      const p = corpus.parent(i);
      if (p >= 0 && mask[p] === 1) mask[i] = 1;
    }
  }
  return mask;
}

function checkedTime(text: string, flag: string): number {
  const t = parseTimeInput(text);
  if (Number.isNaN(t))
    throw new CoordError(
      'invalid-input',
      `${flag} '${text}' is not a time: use YYYY-MM-DD, 'YYYY-MM-DD HH:MM:SS', or an age like 30m, 2h, 7d`,
    );
  return t;
}

// ------------------------------------------------------------ the baseline

/**
 * The previous implementation, a plain substring scan: kept as the baseline
 * the benchmark compares against.
 */
export function searchMessages(
  all: StoredMessage[],
  query: string,
  opts: SearchOptions,
  lookup: (ref: MessageRef) => StoredMessage | undefined,
): StoredMessage[] {
  refuseEmpty(query);
  const matcher = opts.regex ? regexMatcher(query) : substringMatcher(query);
  let pool = opts.recent !== undefined && opts.recent > 0 ? all.slice(-opts.recent) : all;
  pool = applyFilters(pool, opts, lookup);
  const found = pool.filter((m) => matcher(m.text) || matcher(`${m.from} ${m.target}`));
  return opts.limit !== undefined && opts.limit > 0 ? found.slice(-opts.limit) : found;
}

export function applyFilters(
  pool: StoredMessage[],
  opts: SearchOptions,
  lookup: (ref: MessageRef) => StoredMessage | undefined,
): StoredMessage[] {
  let out = pool;
  if (opts.room) {
    const room = opts.room.replace(/^#/, '').toLowerCase();
    out = out.filter((m) => m.room?.toLowerCase() === room);
  }
  if (opts.from) {
    const from = opts.from.replace(/^@/, '');
    out = out.filter((m) => m.from === from);
  }
  if (opts.to) {
    const to = opts.to.replace(/^@/, '');
    out = out.filter((m) => m.to === to);
  }
  const since = opts.since ? checkedTime(opts.since, '--since') : null;
  const until = opts.until ? checkedTime(opts.until, '--until') : null;
  if (since !== null || until !== null) {
    out = out.filter((m) => {
      const t = timestampToMillis(m.time);
      return (since === null || t >= since) && (until === null || t <= until);
    });
  }
  if (opts.thread !== undefined) {
    const root = lookup(opts.thread);
    if (!root) throw new CoordError('not-found', `no message ${opts.thread} to take a thread from`);
    const inThread = new Set<StoredMessage>([root]);
    for (const m of pool) {
      if (m.replyTo === null) continue;
      const parent = lookup(m.replyTo);
      if (parent && inThread.has(parent)) inThread.add(m);
    }
    out = out.filter((m) => inThread.has(m));
  }
  return out;
}
