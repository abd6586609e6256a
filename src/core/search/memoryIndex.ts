/**
 * The in-memory search index behind `Coordination.search()`: compact postings
 * (PostingIndex: per term a growable u32 array of (doc * 4 + field, frequency)
 * pairs, per document its field lengths) over the store's messages, kept
 * current incrementally and scored by rankedSearch (searchEngine.ts). `sync()` takes
 * the store's `allMessages()`; when the previous list is still its prefix
 * (the usual case: the log only grew) only the new messages are indexed, and
 * a message whose text changed at the end (a continuation line, a torn last
 * line completed) is removed and added again. Anything else (a rewritten log,
 * a legacy message that sorts before existing ones) rebuilds the index.
 */
import { StoredMessage, toMessage } from '../read/store';
import { Message, MessageRef } from '../common/messageTypes';
import {
  fieldTerms,
  IndexedDoc,
  packPosting,
  PostingSource,
  RankedHits,
  SEARCH_FIELDS,
  processTerm,
  rankedSearch,
  tokenize,
} from './ranking';
import { SearchCorpus } from './searchEngine';
import { lowerBound, markMatchedEntries } from '../common/sortedSearch';

const FIELDS = SEARCH_FIELDS.length;

/**
 * Postings of documents `offset`, `offset + 1`, ... added in order; the last
 * ones can be taken off again (truncate). Each posting carries the field's
 * length, so scoring reads nothing else.
 */
export class PostingIndex implements PostingSource {
  private lists = new Map<string, { data: Uint32Array; n: number; df: Uint32Array }>();
  private sorted: string[] = [];
  private pending: string[] = [];
  private dirty = false;
  private lengths = new Uint32Array(0);
  /** Sum of each field's lengths (the averages are sum / count, in both indexes). */
  readonly sums = [0, 0, 0];
  count = 0;

  constructor(readonly offset = 0) {}

  add(doc: IndexedDoc): void {
    const at = doc.id - this.offset;
    if (at !== this.count) throw new Error(`documents must be added in order (${doc.id})`);
    if (this.lengths.length < (at + 1) * FIELDS) {
      const grown = new Uint32Array(Math.max(1024, this.lengths.length * 2, (at + 1) * FIELDS));
      grown.set(this.lengths);
      this.lengths = grown;
    }
    const values = [doc.text, doc.from, doc.room];
    for (let f = 0; f < FIELDS; f++) {
      const { length, freq } = fieldTerms(values[f]);
      this.lengths[at * FIELDS + f] = length;
      this.sums[f] += length;
      for (const [term, n] of freq) {
        let list = this.lists.get(term);
        if (!list) {
          list = { data: new Uint32Array(4), n: 0, df: new Uint32Array(4) };
          this.lists.set(term, list);
          this.pending.push(term);
        }
        if (list.n + 2 > list.data.length) {
          const grown = new Uint32Array(list.data.length * 2);
          grown.set(list.data);
          list.data = grown;
        }
        list.data[list.n++] = doc.id * 4 + f;
        list.data[list.n++] = packPosting(n, length);
        list.df[f]++;
      }
    }
    this.count++;
  }

  /** Takes off the documents from position `from` on (given as they were added). */
  truncate(docs: IndexedDoc[]): void {
    for (const doc of docs) {
      const at = doc.id - this.offset;
      if (at < 0 || at >= this.count) continue;
      for (let f = 0; f < FIELDS; f++) this.sums[f] -= this.lengths[at * FIELDS + f];
      for (const value of [doc.text, doc.from, doc.room]) {
        for (const token of tokenize(value)) {
          const term = processTerm(token);
          const list = term ? this.lists.get(term) : undefined;
          if (!list) continue;
          while (list.n > 0 && list.data[list.n - 2] >>> 2 >= doc.id) {
            list.df[list.data[list.n - 2] & 3]--;
            list.n -= 2;
          }
          if (list.n === 0) {
            this.lists.delete(term);
            this.dirty = true;
          }
        }
      }
    }
    const first = Math.min(...docs.map((d) => d.id - this.offset), this.count);
    this.count = Math.max(0, first);
  }

  vocab(): string[] {
    if (this.dirty) {
      this.sorted = [...this.lists.keys()].sort();
      this.pending = [];
      this.dirty = false;
    } else if (this.pending.length > 0) {
      if (this.pending.length < 64) {
        for (const term of this.pending) {
          if (!this.lists.has(term)) continue;
          const at = lowerBound(this.sorted.length, (i) => this.sorted[i] < term);
          if (this.sorted[at] !== term) this.sorted.splice(at, 0, term);
        }
      } else this.sorted = [...this.lists.keys()].sort();
      this.pending = [];
    }
    return this.sorted;
  }

  postings(k: number): Uint32Array {
    const list = this.lists.get(this.sorted[k]);
    return list ? list.data.subarray(0, list.n) : new Uint32Array(0);
  }

  size(k: number): number {
    return (this.lists.get(this.sorted[k])?.n ?? 0) / 2;
  }

  df(k: number, field: number): number {
    return this.lists.get(this.sorted[k])?.df[field] ?? 0;
  }

  postingsOf(term: string): Uint32Array {
    const list = this.lists.get(term);
    return list ? list.data.subarray(0, list.n) : new Uint32Array(0);
  }
}

/** At most this many changed messages at the end are patched in place; more rebuild. */
const MAX_PATCH = 1000;

export class MessageSearchIndex implements SearchCorpus {
  private docs: StoredMessage[] = [];
  /** The exact fields each message was indexed with (for remove, and to spot changes). */
  private indexed: IndexedDoc[] = [];
  private postings = new PostingIndex();
  private parents: Int32Array = new Int32Array(0);
  private parentsFor = -1;
  private whoCache: string[] = [];
  /** Lower-cased texts and "sender target"s joined by NUL, with where each starts: exact queries search them whole. */
  private lowered: {
    count: number;
    joinedText: string;
    joinedWho: string;
    textStarts: Int32Array;
    whoStarts: Int32Array;
  } | null = null;
  private position = new Map<StoredMessage, number>();
  /** Room names (lower-cased) and instance ids as numbers, and each position's, for the first placesKnown. */
  private placeNames = new Map<string, number>();
  private placeColumns = { room: new Int32Array(0), from: new Int32Array(0), to: new Int32Array(0) };
  private placesKnown = 0;
  /** Counters for tests and the benchmark. */
  readonly stats = { builds: 0, added: 0, removed: 0 };

  constructor(private readonly lookup: (ref: MessageRef) => StoredMessage | undefined) {}

  get count(): number {
    return this.docs.length;
  }

  /** Brings the index up to date with `all` (the store's allMessages()). */
  sync(all: StoredMessage[]): void {
    // The store may extend the array it returned last time in place: compare against our own copy.
    const old = this.docs;
    let same = 0;
    const shared = Math.min(old.length, all.length);
    while (same < shared && old[same] === all[same] && this.indexed[same].text === all[same].text) same++;
    if (same === old.length && same === all.length) return;
    if (old.length - same > MAX_PATCH || (same < old.length && old.length > 0 && same === 0)) {
      this.rebuild(all);
      return;
    }
    if (same < old.length) {
      this.postings.truncate(this.indexed.slice(same));
      for (let i = old.length - 1; i >= same; i--) {
        this.position.delete(old[i]);
        this.stats.removed++;
      }
    }
    this.indexed.length = same;
    this.placesKnown = Math.min(this.placesKnown, same);
    if (this.whoCache.length > same) this.whoCache.length = same;
    if (this.lowered && this.lowered.count > same) this.lowered = null;
    for (let i = same; i < all.length; i++) {
      const doc = toDoc(all[i], i);
      this.indexed.push(doc);
      this.postings.add(doc);
      this.position.set(all[i], i);
    }
    this.stats.added += all.length - same;
    this.docs = all.slice();
    this.parentsFor = -1;
  }

  private rebuild(all: StoredMessage[]): void {
    this.postings = new PostingIndex();
    this.indexed = all.map((m, i) => toDoc(m, i));
    for (const doc of this.indexed) this.postings.add(doc);
    this.position = new Map(all.map((m, i) => [m, i]));
    this.docs = all.slice();
    this.parentsFor = -1;
    this.lowered = null;
    this.whoCache = [];
    this.placesKnown = 0;
    this.stats.builds++;
  }

  /** The number places() gives a room name (lower-cased) or an instance id, or -1 when no message has it. */
  placeId(name: string): number {
    return this.placeNames.get(name) ?? -1;
  }

  /**
   * Per position, where the message belongs as numbers (see placeId): its
   * room (lower-cased; -1 when it is not a room message), its sender, its
   * recipient (-1: none). Rules over many messages (who may see them) read
   * these instead of every message object.
   */
  places(): { room: Int32Array; from: Int32Array; to: Int32Array } {
    const n = this.docs.length;
    let { room, from, to } = this.placeColumns;
    if (room.length < n) {
      const size = Math.max(n, room.length * 2);
      const grow = (a: Int32Array) => {
        const b = new Int32Array(size);
        b.set(a.subarray(0, this.placesKnown));
        return b;
      };
      this.placeColumns = { room: (room = grow(room)), from: (from = grow(from)), to: (to = grow(to)) };
    }
    const id = (name: string) => {
      let k = this.placeNames.get(name);
      if (k === undefined) this.placeNames.set(name, (k = this.placeNames.size));
      return k;
    };
    for (let i = this.placesKnown; i < n; i++) {
      const m = this.docs[i];
      room[i] = m.room === null ? -1 : id(m.room.toLowerCase());
      from[i] = id(m.from);
      to[i] = m.to === null ? -1 : id(m.to);
    }
    this.placesKnown = n;
    return { room: room.subarray(0, n), from: from.subarray(0, n), to: to.subarray(0, n) };
  }

  /** The postings (the persisted index is written from them). */
  get postingIndex(): PostingIndex {
    return this.postings;
  }

  stored(i: number): StoredMessage {
    return this.docs[i];
  }

  text(i: number): string {
    return this.docs[i].text;
  }
  from(i: number): string {
    return this.docs[i].from;
  }
  target(i: number): string {
    return this.docs[i].target;
  }
  room(i: number): string | null {
    return this.docs[i].room;
  }
  to(i: number): string | null {
    return this.docs[i].to;
  }
  time(i: number): string {
    return this.docs[i].time;
  }

  parent(i: number): number {
    if (this.parentsFor !== this.docs.length) {
      const parents = new Int32Array(this.docs.length).fill(-1);
      for (let k = 0; k < this.docs.length; k++) {
        const m = this.docs[k];
        if (m.replyTo === null) continue;
        const p = this.lookup(m.replyTo);
        if (p) parents[k] = this.position.get(p) ?? -1;
      }
      this.parents = parents;
      this.parentsFor = this.docs.length;
    }
    return this.parents[i];
  }

  find(ref: MessageRef): number {
    const m = this.lookup(ref);
    return m ? (this.position.get(m) ?? -1) : -1;
  }

  message(i: number): Message {
    return toMessage(this.docs[i]);
  }

  who(i: number): string {
    const cache = this.whoCache;
    for (let k = cache.length; k <= i; k++) cache.push(`${this.docs[k].from} ${this.docs[k].target}`);
    return cache[i];
  }

  findSubstring(needle: string): number[] | null {
    if (needle.length === 0 || needle.includes('\u0000')) return null;
    const n = this.docs.length;
    let low = this.lowered;
    if (!low || low.count !== n) {
      // Extend (the usual case: messages were appended) or build.
      const from = low ? low.count : 0;
      const textStarts = new Int32Array(n + 1);
      const whoStarts = new Int32Array(n + 1);
      if (low) {
        textStarts.set(low.textStarts);
        whoStarts.set(low.whoStarts);
      }
      const text: string[] = [];
      const who: string[] = [];
      for (let i = from; i < n; i++) {
        const m = this.docs[i];
        const t = m.text.toLowerCase();
        const w = `${m.from} ${m.target}`.toLowerCase();
        text.push(t, '\u0000');
        who.push(w, '\u0000');
        textStarts[i + 1] = textStarts[i] + t.length + 1;
        whoStarts[i + 1] = whoStarts[i] + w.length + 1;
      }
      low = {
        count: n,
        joinedText: (low?.joinedText ?? '') + text.join(''),
        joinedWho: (low?.joinedWho ?? '') + who.join(''),
        textStarts,
        whoStarts,
      };
      this.lowered = low;
    }
    const hit = new Uint8Array(n);
    const { joinedText, joinedWho, textStarts, whoStarts } = low;
    markMatchedEntries((from) => joinedText.indexOf(needle, from), textStarts, n, hit);
    markMatchedEntries((from) => joinedWho.indexOf(needle, from), whoStarts, n, hit);
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (hit[i] === 1) out.push(i);
    return out;
  }

  ranked(query: string): RankedHits {
    const count = this.docs.length;
    return rankedSearch(
      [this.postings],
      query,
      count,
      this.postings.sums.map((s) => (count > 0 ? s / count : 0)),
    );
  }
}

export function toDoc(m: StoredMessage, id: number): IndexedDoc {
  return { id, text: m.text, from: m.from, room: m.room ?? '' };
}

/** One index per store: Coordination objects are long-lived in the extension. */
const indexes = new WeakMap<object, MessageSearchIndex>();

interface SearchableStore {
  /** Bumped whenever anything the store loaded changed. */
  version: number;
  allMessages(): StoredMessage[];
  messageByRef(ref: number | string): StoredMessage | undefined;
}

const syncedVersion = new WeakMap<MessageSearchIndex, number>();

/** The store's index, brought up to date with what the store has loaded. */
export function searchIndexFor(store: SearchableStore): MessageSearchIndex {
  let index = indexes.get(store);
  if (!index) {
    index = new MessageSearchIndex((ref) => store.messageByRef(ref));
    indexes.set(store, index);
  }
  // Nothing changed since the last sync: skip even the comparison.
  if (syncedVersion.get(index) === store.version) return index;
  index.sync(store.allMessages());
  syncedVersion.set(index, store.version);
  return index;
}
