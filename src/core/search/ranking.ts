/**
 * Ranked search: BM25+ with minisearch's parameters, prefix and typo weights
 * (minisearch supplies only the tokenizer), over postings both indexes hold
 * the same way (memoryIndex.ts in process, indexReader.ts from the persisted
 * file), so the two paths return the same list.
 */
import MiniSearch from 'minisearch';
import { editDistance } from '../common/editDistance';
import { lowerBound } from '../common/sortedSearch';

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

/**
 * What one field of a document adds to the index: its length (unique tokens,
 * as minisearch counts it) and each term with its frequency. The in-memory
 * postings and the persisted index's writer both index through this.
 */
export function fieldTerms(value: string): { length: number; freq: Map<string, number> } {
  const tokens = tokenize(value);
  const freq = new Map<string, number>();
  for (const token of tokens) {
    const term = processTerm(token);
    if (term) freq.set(term, (freq.get(term) ?? 0) + 1);
  }
  return { length: new Set(tokens).size, freq };
}

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

/** A posting's second word: the term's frequency and the field's length, 16 bits each (saturating). */
export function packPosting(freq: number, length: number): number {
  return (Math.min(freq, 0xffff) | (Math.min(length, 0xffff) << 16)) >>> 0;
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
  const { score, index } = hits;
  const better = (a: number, b: number) => score[a] > score[b] || (score[a] === score[b] && index[a] > index[b]);
  let chosen: number[];
  if (limit !== undefined) {
    // A min-heap of the best `limit` seen so far; most hits fall below its top at one comparison.
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
    for (let c = 0; c < hits.length; c++) {
      if (allowed !== null && allowed[index[c]] !== 1) continue;
      if (heap.length < limit) {
        heap.push(c);
        for (let i = heap.length - 1; i > 0;) {
          const p = (i - 1) >> 1;
          if (!better(heap[p], heap[i])) break;
          [heap[i], heap[p]] = [heap[p], heap[i]];
          i = p;
        }
      } else if (score[c] >= score[heap[0]] && better(c, heap[0])) {
        heap[0] = c;
        down(0);
      }
    }
    chosen = heap;
  } else {
    chosen = [];
    for (let c = 0; c < hits.length; c++) if (allowed === null || allowed[index[c]] === 1) chosen.push(c);
  }
  chosen.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  return chosen.map((c) => index[c]);
}
