/**
 * The in-memory search index behind `Coordination.search()`: a minisearch
 * index over the store's messages, kept current incrementally. `sync()` takes
 * the store's `allMessages()`; when the previous list is still its prefix
 * (the usual case: the log only grew) only the new messages are indexed, and
 * a message whose text changed at the end (a continuation line, a torn last
 * line completed) is removed and added again. Anything else (a rewritten log,
 * a legacy message that sorts before existing ones) rebuilds the index.
 */
import MiniSearch from 'minisearch';
import { StoredMessage, toMessage } from './store';
import { Message, MessageRef } from './model';
import { IndexedDoc, RankedHit, SearchCorpus, boostedScore, miniSearchOptions, rankedSearchOptions } from './search';

/** At most this many changed messages at the end are patched in place; more rebuild. */
const MAX_PATCH = 1000;

export class MessageSearchIndex implements SearchCorpus {
  private docs: StoredMessage[] = [];
  /** The exact fields each message was indexed with (for remove, and to spot changes). */
  private indexed: IndexedDoc[] = [];
  private mini: MiniSearch<IndexedDoc> = new MiniSearch(miniSearchOptions());
  private parents: Int32Array = new Int32Array(0);
  private parentsFor = -1;
  private position = new Map<StoredMessage, number>();
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
    for (let i = old.length - 1; i >= same; i--) {
      this.mini.remove(this.indexed[i]);
      this.position.delete(old[i]);
      this.stats.removed++;
    }
    this.indexed.length = same;
    const fresh: IndexedDoc[] = [];
    for (let i = same; i < all.length; i++) {
      const doc = toDoc(all[i], i);
      this.indexed.push(doc);
      fresh.push(doc);
      this.position.set(all[i], i);
    }
    this.mini.addAll(fresh);
    this.stats.added += fresh.length;
    this.docs = all.slice();
    this.parentsFor = -1;
  }

  private rebuild(all: StoredMessage[]): void {
    this.mini = new MiniSearch(miniSearchOptions());
    this.indexed = all.map((m, i) => toDoc(m, i));
    this.mini.addAll(this.indexed);
    this.position = new Map(all.map((m, i) => [m, i]));
    this.docs = all.slice();
    this.parentsFor = -1;
    this.stats.builds++;
  }

  /** The minisearch instance (the persisted index is written from it). */
  get miniSearch(): MiniSearch<IndexedDoc> {
    return this.mini;
  }

  stored(i: number): StoredMessage {
    return this.docs[i];
  }

  text(i: number): string { return this.docs[i].text; }
  from(i: number): string { return this.docs[i].from; }
  target(i: number): string { return this.docs[i].target; }
  room(i: number): string | null { return this.docs[i].room; }
  to(i: number): string | null { return this.docs[i].to; }
  time(i: number): string { return this.docs[i].time; }

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
    return m ? this.position.get(m) ?? -1 : -1;
  }

  message(i: number): Message {
    return toMessage(this.docs[i]);
  }

  ranked(query: string): RankedHit[] {
    const count = this.docs.length;
    return this.mini.search(query, rankedSearchOptions()).map((r) => ({ index: r.id as number, score: boostedScore(r.score, r.id as number, count) }));
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
