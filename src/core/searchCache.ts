/**
 * The CLI's fast path: a persisted search index beside the data,
 * data/.coord-search-index, so `coord search` answers without loading the
 * whole directory.
 *
 * It holds, for every message in allMessages() order: the fields the search
 * filters and prints (number, id, time, sender, target, room, recipient, the
 * parent a reply points at), the text, and minisearch's own postings, field
 * lengths and averages. It is valid while data/messages.log still has the size
 * and last bytes it was built from and chatroom-status.txt and every
 * transcript (chatrooms/, inboxes/, dms/) have the same size, mtime and
 * inode; otherwise the directory is loaded through the store, the query is
 * answered from that, and the file is rewritten (atomically: a temporary file
 * renamed over it). It is a cache: deleting it is always safe; a directory we
 * cannot write to is simply searched the slow way.
 *
 * Ranked queries read only the postings of the index terms a query can reach
 * (the exact term, terms it prefixes, terms within its typo distance), load
 * them into a minisearch instance with the full index's document count and
 * average field lengths, and let minisearch score them: the same ranking as
 * the in-process index. Exact and regex queries scan the stored texts.
 *
 * Layout: "CSI1", u32 header length, header JSON, then 4-byte-aligned sections
 * named in the header.
 */
import * as fs from 'fs';
import * as path from 'path';
import MiniSearch from 'minisearch';
import { Layout } from './layout';
import { DirectoryStore } from './store';
import { Message, MessageRef } from './model';
import { listFiles, readRange } from './fsutil';
import { MessageSearchIndex, searchIndexFor } from './searchIndex';
import {
  IndexedDoc,
  RankedHit,
  SEARCH_FIELDS,
  SearchCorpus,
  SearchOptions,
  boostedScore,
  fuzziness,
  miniSearchOptions,
  queryTerms,
  rankedSearchOptions,
  runSearch,
} from './search';

export const SEARCH_CACHE_NAME = '.coord-search-index';
const MAGIC = 'CSI1';
const FORMAT_VERSION = 2;
const TAIL_BYTES = 64;
const META = 8;

interface Header {
  version: number;
  log: { size: number; tail: string };
  files: Record<string, string>;
  count: number;
  averageFieldLength: number[];
  strings: string[];
  replyIds: Record<string, string>;
  sections: Record<string, [number, number]>;
}

export interface SearchDirectoryResult {
  messages: Message[];
  /** 'cache' when answered from the persisted index, 'rebuilt' when the directory was loaded (and the index rewritten). */
  source: 'cache' | 'rebuilt';
}

export function searchCachePath(dir: string): string {
  return path.join(new Layout(dir).dataDir, SEARCH_CACHE_NAME);
}

/**
 * Searches a coordination directory the fastest way available: the persisted
 * index when it matches the files, else a full load (which rewrites it).
 * `dir` must already be resolved (see resolveDirectory); `instance` is unused
 * by search today and kept for a future visibility filter.
 */
export function searchDirectory(dir: string, instance: string | null, query: string, opts: SearchOptions = {}): Message[] {
  return searchDirectoryDetailed(dir, instance, query, opts).messages;
}

export function searchDirectoryDetailed(dir: string, _instance: string | null, query: string, opts: SearchOptions = {}): SearchDirectoryResult {
  const layout = new Layout(dir);
  const cached = openCache(layout);
  if (cached) {
    try {
      return { messages: runSearch(cached, query, opts), source: 'cache' };
    } finally {
      cached.close();
    }
  }
  const files = fingerprintFiles(layout);
  const log = logState(layout);
  const store = new DirectoryStore(dir);
  store.refresh();
  const index = searchIndexFor(store);
  const messages = runSearch(index, query, opts);
  // Only a state that did not move while we loaded is worth recording.
  if (sameFiles(files, fingerprintFiles(layout)) && log !== null && sameLog(log, logState(layout))) {
    try {
      writeSearchCache(layout, index, log, files);
    } catch { /* a cache: never fail a search for it */ }
  }
  return { messages, source: 'rebuilt' };
}

/** Builds (or refreshes) the persisted index now; returns false when the directory kept changing. */
export function buildSearchCache(dir: string): boolean {
  const layout = new Layout(dir);
  const files = fingerprintFiles(layout);
  const log = logState(layout);
  const store = new DirectoryStore(dir);
  store.refresh();
  const index = searchIndexFor(store);
  if (log === null || !sameFiles(files, fingerprintFiles(layout)) || !sameLog(log, logState(layout))) return false;
  writeSearchCache(layout, index, log, files);
  return true;
}

// ------------------------------------------------------------ validation

function logState(layout: Layout): { size: number; tail: string } | null {
  let fd: number;
  try {
    fd = fs.openSync(layout.messagesLog, 'r');
  } catch {
    return { size: -1, tail: '' };
  }
  try {
    const size = fs.fstatSync(fd).size;
    return { size, tail: readRange(fd, Math.max(0, size - TAIL_BYTES), size).toString('base64') };
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

function sameLog(a: { size: number; tail: string }, b: { size: number; tail: string } | null): boolean {
  return b !== null && a.size === b.size && a.tail === b.tail;
}

/** size:mtime:inode of every file besides the log that the messages depend on. */
function fingerprintFiles(layout: Layout): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (rel: string, file: string) => {
    try {
      const st = fs.statSync(file);
      out[rel] = `${st.size}:${st.mtimeMs}:${st.ino}`;
    } catch {
      out[rel] = 'missing';
    }
  };
  add('data/chatroom-status.txt', layout.chatroomStatus);
  for (const [sub, d] of [['chatrooms', layout.chatroomsDir], ['inboxes', layout.inboxesDir], ['dms', layout.dmsDir]] as const) {
    for (const name of listFiles(d)) add(`${sub}/${name}`, path.join(d, name));
  }
  return out;
}

function sameFiles(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

// ------------------------------------------------------------ writing

interface MiniJson {
  documentCount: number;
  documentIds: Record<string, number>;
  fieldIds: Record<string, number>;
  fieldLength: Record<string, number[]>;
  averageFieldLength: number[];
  index: Array<[string, Record<string, Record<string, number>>]>;
}

function writeSearchCache(layout: Layout, index: MessageSearchIndex, log: { size: number; tail: string }, files: Record<string, string>): void {
  const count = index.count;
  const json = index.miniSearch.toJSON() as unknown as MiniJson;
  const fieldIds = SEARCH_FIELDS.map((f) => json.fieldIds[f]);
  if (fieldIds.some((id, k) => id !== k)) throw new Error('unexpected minisearch field ids');
  const shortToDoc = new Map<number, number>();
  for (const [shortId, id] of Object.entries(json.documentIds)) shortToDoc.set(Number(shortId), id);

  // Strings, metadata, ids, times, texts.
  const strings: string[] = [];
  const stringIds = new Map<string, number>();
  const str = (s: string | null): number => {
    if (s === null) return -1;
    let id = stringIds.get(s);
    if (id === undefined) {
      id = strings.length;
      strings.push(s);
      stringIds.set(s, id);
    }
    return id;
  };
  const meta = new Int32Array(count * META);
  const replyIds: Record<string, string> = {};
  const ids: string[] = [];
  const times: string[] = [];
  const textParts: Buffer[] = [];
  const textBytes = new Uint32Array(count + 1);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const m = index.stored(i);
    const o = i * META;
    meta[o] = m.number ?? 0;
    meta[o + 1] = m.lastLine ?? 0;
    meta[o + 2] = str(m.from);
    meta[o + 3] = str(m.target);
    meta[o + 4] = str(m.room);
    meta[o + 5] = str(m.to);
    meta[o + 6] = index.parent(i);
    if (typeof m.replyTo === 'number') meta[o + 7] = m.replyTo;
    else if (typeof m.replyTo === 'string') {
      meta[o + 7] = -1;
      replyIds[i] = m.replyTo;
    }
    ids.push(m.id);
    times.push(m.time);
    const bytes = Buffer.from(m.text, 'utf8');
    textParts.push(bytes);
    offset += bytes.length;
    textBytes[i + 1] = offset;
  }

  // Postings, in sorted term order.
  const terms = json.index.map(([term]) => term);
  const order = terms.map((_, k) => k).sort((a, b) => (terms[a] < terms[b] ? -1 : terms[a] > terms[b] ? 1 : 0));
  const postStart = new Uint32Array(order.length + 1);
  const post: number[] = [];
  order.forEach((k, n) => {
    const data = json.index[k][1];
    for (const fieldId of Object.keys(data)) {
      for (const [shortId, freq] of Object.entries(data[fieldId])) {
        const doc = shortToDoc.get(Number(shortId));
        if (doc === undefined) continue; // a removed document's leftover posting
        post.push(doc * 4 + Number(fieldId), freq);
      }
    }
    postStart[n + 1] = post.length / 2;
  });
  const fieldLength = new Uint32Array(count * SEARCH_FIELDS.length);
  for (const [shortId, lengths] of Object.entries(json.fieldLength)) {
    const doc = shortToDoc.get(Number(shortId));
    if (doc === undefined) continue;
    for (let f = 0; f < SEARCH_FIELDS.length; f++) fieldLength[doc * SEARCH_FIELDS.length + f] = lengths[f] ?? 0;
  }

  const sections: Array<[string, Buffer]> = [
    ['meta', typedBytes(meta)],
    ...stringColumn('ids', ids),
    ...stringColumn('times', times),
    ['textBytes', typedBytes(textBytes)],
    ['text', Buffer.concat(textParts)],
    ['vocab', Buffer.from(order.map((k) => terms[k]).join('\n'), 'utf8')],
    ['postStart', typedBytes(postStart)],
    ['post', typedBytes(Uint32Array.from(post))],
    ['fieldLength', typedBytes(fieldLength)],
  ];
  const header: Header = {
    version: FORMAT_VERSION,
    log,
    files,
    count,
    averageFieldLength: SEARCH_FIELDS.map((_, f) => json.averageFieldLength[f]),
    strings,
    replyIds,
    sections: {},
  };
  // Section offsets depend on the header's length, which depends on them: reserve room for the digits.
  let headerBytes = Buffer.from(JSON.stringify(header));
  for (let attempt = 0; attempt < 3; attempt++) {
    let at = align(8 + headerBytes.length + 64);
    for (const [name, bytes] of sections) {
      header.sections[name] = [at, bytes.length];
      at = align(at + bytes.length);
    }
    const next = Buffer.from(JSON.stringify(header));
    if (next.length <= headerBytes.length + 64) {
      headerBytes = Buffer.concat([next, Buffer.alloc(headerBytes.length + 64 - next.length, 0x20)]);
      break;
    }
    headerBytes = next;
  }
  const total = header.sections[sections[sections.length - 1][0]];
  const out = Buffer.alloc(total[0] + total[1]);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(headerBytes.length, 4);
  headerBytes.copy(out, 8);
  for (const [name, bytes] of sections) bytes.copy(out, header.sections[name][0]);
  const file = path.join(layout.dataDir, SEARCH_CACHE_NAME);
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(tmp, out, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (error) {
    try { fs.unlinkSync(tmp); } catch { /* not there */ }
    throw error;
  }
}

const align = (n: number) => (n + 3) & ~3;

/** A column of short strings: their UTF-8 bytes and where each starts, so one can be read alone. */
function stringColumn(name: string, values: string[]): Array<[string, Buffer]> {
  const starts = new Uint32Array(values.length + 1);
  const parts: Buffer[] = [];
  let at = 0;
  values.forEach((v, i) => {
    const b = Buffer.from(v, 'utf8');
    parts.push(b);
    at += b.length;
    starts[i + 1] = at;
  });
  return [[`${name}Starts`, typedBytes(starts)], [name, Buffer.concat(parts)]];
}

function typedBytes(a: Int32Array | Uint32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

// ------------------------------------------------------------ reading

function openCache(layout: Layout): CachedCorpus | null {
  let fd: number;
  try {
    fd = fs.openSync(path.join(layout.dataDir, SEARCH_CACHE_NAME), fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = readRange(fd, 0, Math.min(size, 8));
    if (head.length < 8 || head.toString('latin1', 0, 4) !== MAGIC) throw new Error('not ours');
    const header = JSON.parse(readRange(fd, 8, 8 + head.readUInt32LE(4)).toString('utf8')) as Header;
    if (header.version !== FORMAT_VERSION) throw new Error('old format');
    const last = Object.values(header.sections).reduce((m, [o, l]) => Math.max(m, o + l), 0);
    if (last > size) throw new Error('truncated');
    const log = logState(layout);
    if (log === null || log.size !== header.log.size || log.tail !== header.log.tail) throw new Error('stale log');
    if (!sameFiles(header.files, fingerprintFiles(layout))) throw new Error('stale transcripts');
    return new CachedCorpus(fd, header);
  } catch {
    fs.closeSync(fd);
    return null;
  }
}

class CachedCorpus implements SearchCorpus {
  readonly count: number;
  private readonly meta: Int32Array;
  private columns = new Map<string, { starts: Uint32Array; bytes: Buffer }>();
  private textStarts: Uint32Array | null = null;
  private textBuf: Buffer | null = null;
  private textCache = new Map<number, string>();

  constructor(private readonly fd: number, private readonly header: Header) {
    this.count = header.count;
    this.meta = new Int32Array(this.section('meta').buffer);
  }

  close(): void {
    try { fs.closeSync(this.fd); } catch { /* closed */ }
  }

  private section(name: string, from = 0, to?: number): Uint8Array {
    const [offset, length] = this.header.sections[name];
    const end = Math.min(length, to ?? length);
    const out = new Uint8Array(Math.max(0, end - from));
    let done = 0;
    while (done < out.length) {
      const n = fs.readSync(this.fd, out, done, out.length - done, offset + from + done);
      if (n <= 0) break;
      done += n;
    }
    return out;
  }

  private u32(name: string): Uint32Array {
    return new Uint32Array(this.section(name).buffer);
  }

  private lines(name: string): string[] {
    const bytes = this.section(name);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8').split('\n');
  }

  private string(k: number): string | null {
    return k < 0 ? null : this.header.strings[k];
  }

  text(i: number): string {
    const hit = this.textCache.get(i);
    if (hit !== undefined) return hit;
    if (!this.textStarts) this.textStarts = this.u32('textBytes');
    const start = this.textStarts[i];
    const end = this.textStarts[i + 1];
    let text: string;
    if (this.textBuf) {
      text = this.textBuf.toString('utf8', start, end);
    } else {
      const bytes = this.section('text', start, end);
      text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
    }
    if (!this.textBuf) this.textCache.set(i, text);
    return text;
  }

  /** Exact and regex queries read every text: load them in one read. */
  prepareScan(): void {
    if (this.textBuf) return;
    if (!this.textStarts) this.textStarts = this.u32('textBytes');
    const bytes = this.section('text');
    this.textBuf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  from(i: number): string { return this.string(this.meta[i * META + 2]) ?? ''; }
  target(i: number): string { return this.string(this.meta[i * META + 3]) ?? ''; }
  room(i: number): string | null { return this.string(this.meta[i * META + 4]); }
  to(i: number): string | null { return this.string(this.meta[i * META + 5]); }
  parent(i: number): number { return this.meta[i * META + 6]; }

  private column(name: string, i: number): string {
    let col = this.columns.get(name);
    if (!col) {
      const bytes = this.section(name);
      col = { starts: this.u32(`${name}Starts`), bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) };
      this.columns.set(name, col);
    }
    return col.bytes.toString('utf8', col.starts[i], col.starts[i + 1]);
  }

  time(i: number): string {
    return this.column('times', i);
  }

  private id(i: number): string {
    return this.column('ids', i);
  }

  find(ref: MessageRef): number {
    const text = typeof ref === 'number' ? String(ref) : ref.replace(/^#/, '');
    if (/^\d+$/.test(text)) {
      const n = Number(text);
      for (let i = 0; i < this.count; i++) {
        const o = i * META;
        if (this.meta[o] !== 0 && this.meta[o] <= n && this.meta[o + 1] >= n) return i;
      }
      return -1;
    }
    for (let i = 0; i < this.count; i++) if (this.meta[i * META] === 0 && this.id(i) === text) return i;
    for (let i = 0; i < this.count; i++) if (this.id(i) === text) return i;
    return -1;
  }

  message(i: number): Message {
    const o = i * META;
    const reply = this.meta[o + 7];
    return {
      number: this.meta[o] === 0 ? null : this.meta[o],
      id: this.id(i),
      time: this.time(i),
      from: this.from(i),
      target: this.target(i),
      text: this.text(i),
      replyTo: reply > 0 ? reply : reply === -1 ? this.header.replyIds[i] ?? null : null,
    };
  }

  ranked(query: string): RankedHit[] {
    const vocab = this.lines('vocab');
    const wanted = new Set<number>();
    for (const term of queryTerms(query)) for (const k of reachableTerms(vocab, term)) wanted.add(k);
    const postStart = this.u32('postStart');
    const fieldCount = SEARCH_FIELDS.length;
    const lengthsNeeded = new Set<number>();
    const index: Array<[string, Record<string, Record<string, number>>]> = [];
    for (const k of wanted) {
      const a = postStart[k];
      const b = postStart[k + 1];
      const bytes = this.section('post', a * 8, b * 8);
      const pairs = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      const data: Record<string, Record<string, number>> = {};
      for (let p = 0; p < pairs.length; p += 2) {
        const doc = Math.floor(pairs[p] / 4);
        const field = pairs[p] % 4;
        (data[field] ??= {})[doc] = pairs[p + 1];
        lengthsNeeded.add(doc);
      }
      index.push([vocab[k], data]);
    }
    const fieldLengthAll = this.u32('fieldLength');
    const documentIds: Record<string, number> = {};
    const fieldLength: Record<string, number[]> = {};
    for (const doc of lengthsNeeded) {
      documentIds[doc] = doc;
      fieldLength[doc] = Array.from(fieldLengthAll.subarray(doc * fieldCount, doc * fieldCount + fieldCount));
    }
    const mini = MiniSearch.loadJS<IndexedDoc>(
      {
        documentCount: this.count,
        nextId: this.count,
        documentIds,
        fieldIds: Object.fromEntries(SEARCH_FIELDS.map((f, k) => [f, k])),
        fieldLength,
        averageFieldLength: this.header.averageFieldLength,
        storedFields: {},
        dirtCount: 0,
        index,
        serializationVersion: 2,
      } as never,
      miniSearchOptions(),
    );
    return mini.search(query, rankedSearchOptions()).map((r) => ({ index: r.id as number, score: boostedScore(r.score, r.id as number, this.count) }));
  }
}

/** Vocabulary positions a query term can reach: itself, terms it prefixes, terms within its typo distance. */
function reachableTerms(vocab: string[], term: string): number[] {
  const out: number[] = [];
  // Prefix matches (and the term itself) sit together in sorted order.
  let lo = 0;
  let hi = vocab.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (vocab[mid] < term) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < vocab.length && vocab[k].startsWith(term); k++) out.push(k);
  const distance = fuzziness(term);
  if (distance > 0) {
    for (let k = 0; k < vocab.length; k++) {
      const v = vocab[k];
      if (Math.abs(v.length - term.length) > distance || v.startsWith(term)) continue;
      if (withinDistance(term, v, distance)) out.push(k);
    }
  }
  return out;
}

/** Levenshtein distance <= max (banded). */
function withinDistance(a: string, b: string, max: number): boolean {
  const n = a.length;
  const m = b.length;
  let prev = new Array<number>(m + 1);
  let cur = new Array<number>(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let best = cur[0];
    for (let j = 1; j <= m; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (cur[j] < best) best = cur[j];
    }
    if (best > max) return false;
    [prev, cur] = [cur, prev];
  }
  return prev[m] <= max;
}
