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
 * (persistedIndex.ts). Both rank through `rankedSearch` below: BM25+ with
 * minisearch's parameters, prefix and typo weights (minisearch supplies only
 * the tokenizer now), so the two paths return the same list.
 */
import * as vm from 'vm';
import MiniSearch from 'minisearch';
import { CoordError } from '../common/errors';
import { StoredMessage } from '../read/store';
import { Message, MessageRef } from '../common/messageTypes';
import { parseTimeInput, timestampToMillis } from '../common/time';
import { editDistance } from '../common/editDistance';
import { lowerBound } from '../common/sortedSearch';

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

// ------------------------------------------------------------ ranking setup

/** The indexed fields, in field-id order (the postings and the persisted index rely on it). */
export const SEARCH_FIELDS = ['text', 'from', 'room'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

/** Extra weight for the newest message; the oldest gets none, linear in between. */
export const RECENCY_BOOST = 0.5;

export interface IndexedDoc {
  /** Position in the corpus (allMessages order). */
  id: number;
  text: string;
  from: string;
  room: string;
}

export const tokenize: (text: string) => string[] = MiniSearch.getDefault('tokenize');
export const processTerm = (term: string): string => term.toLowerCase();

/** Typo tolerance by term length: none up to 3 letters, one edit up to 7, then two. */
export function fuzziness(term: string): number {
  return term.length <= 3 ? 0 : term.length <= 7 ? 1 : 2;
}

export function recencyBoost(index: number, count: number): number {
  return count <= 1 ? 1 + RECENCY_BOOST : 1 + (RECENCY_BOOST * index) / (count - 1);
}

/** The terms minisearch will look for in a query. */
export function queryTerms(query: string): string[] {
  return tokenize(query)
    .map(processTerm)
    .filter((t) => t.length > 0);
}

// ------------------------------------------------------------ the ranked engine

/**
 * Postings as both indexes hold them: for one term, pairs of u32
 * (doc * 4 + field, frequency | field length << 16), docs ascending; the
 * field length counts unique tokens, as minisearch does.
 */
export interface PostingSource {
  /** Every indexed term, sorted (code unit order). */
  vocab(): string[];
  /** Postings of vocab()[k]. */
  postings(k: number): Uint32Array;
  /** How many postings vocab()[k] has, without reading them. */
  size(k: number): number;
  /** Documents with vocab()[k] in a field. */
  df(k: number, field: number): number;
}

const BM25 = { k: 1.2, b: 0.7, d: 0.5 };
const FIELD_BOOST = [1, 1.5, 1.5];
const PREFIX_WEIGHT = 0.375;
const FUZZY_WEIGHT = 0.45;

/** Ranked candidates: parallel arrays, `length` used. */
export interface RankedHits {
  index: Int32Array;
  score: Float64Array;
  length: number;
}

function termIndex(vocab: string[], term: string): number {
  return lowerBound(vocab.length, (i) => vocab[i] < term);
}

/**
 * The index terms one query term reaches, with their weights: itself (1),
 * terms it prefixes (from 2 letters), terms within its typo distance; the
 * weights minisearch gives prefix and fuzzy matches.
 */
export function expandTerm(vocab: string[], term: string): Map<string, number> {
  const out = new Map<string, number>();
  const start = termIndex(vocab, term);
  if (start < vocab.length && vocab[start] === term) out.set(term, 1);
  if (term.length >= 2) {
    for (let k = start; k < vocab.length && vocab[k].startsWith(term); k++) {
      const t = vocab[k];
      if (t.length === term.length) continue;
      out.set(t, (PREFIX_WEIGHT * t.length) / (t.length + 0.3 * (t.length - term.length)));
    }
  }
  const max = fuzziness(term);
  if (max > 0) {
    for (let k = 0; k < vocab.length; k++) {
      const t = vocab[k];
      if (Math.abs(t.length - term.length) > max || out.has(t)) continue;
      const d = editDistance(term, t, max);
      if (d > 0) out.set(t, (FUZZY_WEIGHT * t.length) / (t.length + d));
    }
  }
  return out;
}

let scratch: { score: Float64Array; seen: Int32Array; hits: Uint16Array } | null = null;
function scratchFor(count: number): { score: Float64Array; seen: Int32Array; hits: Uint16Array } {
  if (!scratch || scratch.score.length < count) {
    const size = Math.max(count, 1024) + (count >> 3);
    scratch = { score: new Float64Array(size), seen: new Int32Array(size), hits: new Uint16Array(size) };
  }
  return scratch;
}

/**
 * BM25+ over the sources (one index, or a base and its delta whose documents
 * follow the base's), every query term required, prefix and typo matches
 * weighted down, field boosts, times the number of distinct query terms, and
 * the recency boost. `averages` are the mean field lengths over `count` docs.
 */
export function rankedSearch(sources: PostingSource[], query: string, count: number, averages: number[]): RankedHits {
  const terms = queryTerms(query);
  const empty: RankedHits = { index: new Int32Array(0), score: new Float64Array(0), length: 0 };
  if (terms.length === 0 || count === 0) return empty;
  const vocabs = sources.map((s) => s.vocab());
  // Each query term: the index terms it reaches, in term order (so every path adds a document's parts alike).
  const specs = terms.map((term) => {
    const derived = new Map<string, number>();
    for (const vocab of vocabs) for (const [t, w] of expandTerm(vocab, term)) derived.set(t, w);
    let size = 0;
    const parts = [...derived.keys()].sort().map((t) => {
      const at: Array<[number, number]> = [];
      const df = [0, 0, 0, 0];
      for (let s = 0; s < sources.length; s++) {
        const k = termIndex(vocabs[s], t);
        if (k < vocabs[s].length && vocabs[s][k] === t) {
          at.push([s, k]);
          size += sources[s].size(k);
          for (let f = 0; f < 3; f++) df[f] += sources[s].df(k, f);
        }
      }
      const idf = df.map((n) => Math.log(1 + (count - n + 0.5) / (n + 0.5)));
      return { weight: derived.get(t)!, at, idf };
    });
    return { parts, size };
  });
  // The rarest term first: later terms only score the documents still in the running.
  specs.sort((a, b) => a.size - b.size);
  const { score, seen, hits } = scratchFor(count);
  let candidates: Int32Array = new Int32Array(0);
  let touched: Int32Array = new Int32Array(0);
  let candidateCount = 0;
  const norm = averages.map((avg) => BM25.b / avg);
  for (let q = 0; q < specs.length; q++) {
    const mark = q + 1;
    const spec = specs[q];
    const collect: number[] = [];
    // Few candidates against long lists: look each candidate up instead of walking the lists.
    const lookup = q > 0 && candidateCount * 16 < spec.size;
    for (const part of spec.parts) {
      for (const [s, k] of part.at) {
        const list = sources[s].postings(k);
        const addAt = (p: number) => {
          const field = list[p] & 3;
          const tf = list[p + 1] & 0xffff;
          const len = list[p + 1] >>> 16;
          return (
            part.weight *
            FIELD_BOOST[field] *
            part.idf[field] *
            (BM25.d + (tf * (BM25.k + 1)) / (tf + BM25.k * (1 - BM25.b + norm[field] * len)))
          );
        };
        if (lookup) {
          for (let c = 0; c < candidateCount; c++) {
            const doc = candidates[c];
            if (hits[doc] !== q && !(hits[doc] === q + 1 && seen[doc] === mark)) continue;
            // First posting of this document (postings are sorted by doc * 4 + field).
            const first = lowerBound(list.length >> 1, (i) => list[i * 2] < doc * 4);
            for (let p = first * 2; p < list.length && list[p] >>> 2 === doc; p += 2) {
              if (seen[doc] !== mark) {
                seen[doc] = mark;
                hits[doc] = q + 1;
              }
              score[doc] += addAt(p);
            }
          }
          continue;
        }
        for (let p = 0; p < list.length; p += 2) {
          const doc = list[p] >>> 2;
          if (q === 0) {
            if (seen[doc] !== mark) {
              seen[doc] = mark;
              score[doc] = addAt(p);
              hits[doc] = 1;
              collect.push(doc);
            } else score[doc] += addAt(p);
          } else if (hits[doc] === q || (hits[doc] === q + 1 && seen[doc] === mark)) {
            // Only documents every earlier term matched stay in the running.
            if (seen[doc] !== mark) {
              seen[doc] = mark;
              hits[doc] = q + 1;
            }
            score[doc] += addAt(p);
          }
        }
      }
    }
    if (q === 0) {
      touched = Int32Array.from(collect);
      candidates = touched.slice();
      candidateCount = candidates.length;
    } else {
      // Keep the candidates this term matched too.
      let w = 0;
      for (let c = 0; c < candidateCount; c++) {
        const doc = candidates[c];
        if (hits[doc] === q + 1) candidates[w++] = doc;
      }
      candidateCount = w;
    }
    if (candidateCount === 0) break;
  }
  const reset = () => {
    // The scratch arrays are shared between queries: clear what this one touched.
    for (let c = 0; c < touched.length; c++) {
      hits[touched[c]] = 0;
      seen[touched[c]] = 0;
    }
  };
  if (candidateCount === 0) {
    reset();
    return empty;
  }
  const quality = new Set(terms).size;
  const out: RankedHits = {
    index: new Int32Array(candidateCount),
    score: new Float64Array(candidateCount),
    length: candidateCount,
  };
  for (let c = 0; c < candidateCount; c++) {
    const doc = candidates[c];
    out.index[c] = doc;
    out.score[c] = score[doc] * quality * recencyBoost(doc, count);
  }
  reset();
  return out;
}

/** Hit positions best first (score, then newer first); with a limit, only the best `limit`, by partial selection. */
export function orderHits(hits: RankedHits, allowed: Uint8Array | null, limit: number | undefined): number[] {
  const keep: number[] = [];
  for (let c = 0; c < hits.length; c++) if (allowed === null || allowed[hits.index[c]] === 1) keep.push(c);
  const better = (a: number, b: number) =>
    hits.score[a] > hits.score[b] || (hits.score[a] === hits.score[b] && hits.index[a] > hits.index[b]);
  let chosen: number[];
  if (limit !== undefined && keep.length > limit * 4) {
    // A min-heap of the best `limit` seen so far.
    const heap: number[] = [];
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && better(heap[m], heap[l])) m = l;
        if (r < heap.length && better(heap[m], heap[r])) m = r;
        if (m === i) return;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    };
    for (const c of keep) {
      if (heap.length < limit) {
        heap.push(c);
        for (let i = heap.length - 1; i > 0;) {
          const p = (i - 1) >> 1;
          if (!better(heap[p], heap[i])) break;
          [heap[i], heap[p]] = [heap[p], heap[i]];
          i = p;
        }
      } else if (better(c, heap[0])) {
        heap[0] = c;
        down(0);
      }
    }
    chosen = heap;
  } else chosen = keep;
  chosen.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  const out = limit !== undefined && chosen.length > limit ? chosen.slice(0, limit) : chosen;
  return out.map((c) => hits.index[c]);
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
  if (!query.trim())
    throw new CoordError(
      'invalid-input',
      'search query is empty; give words to look for, e.g. coord search "deploy failed"',
    );
  if (opts.exact && opts.regex) throw new CoordError('usage', 'choose one of --exact and --regex');
  if (opts.regex) regexMatcher(query);
  if (opts.since) checkedTime(opts.since, '--since');
  if (opts.until) checkedTime(opts.until, '--until');
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
  if (!query.trim())
    throw new CoordError(
      'invalid-input',
      'search query is empty; give words to look for, e.g. coord search "deploy failed"',
    );
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
