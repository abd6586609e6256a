/**
 * The CLI's fast path: a persisted search index beside the data,
 * data/.coord-search-index, so `coord search` answers without loading the
 * whole directory.
 *
 * The file is a *base segment*: for every message in allMessages() order, the
 * fields the search filters and prints (number, id, time, sender, target, room,
 * recipient, the parent a reply points at), the text, and the ranked engine's
 * postings (search.ts: per term, (doc * 4 + field, frequency | field length
 * << 16) pairs, with per-field document counts) and field-length sums; plus
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
 * MAX_DELTA_BYTES), or anything else changed, the directory is loaded through
 * the store, the query is answered from that, and the base is rewritten
 * (atomically: a temporary file renamed over it). It is a cache: deleting it
 * is always safe; a directory we cannot write to is simply searched the slow
 * way. A failed search (bad regex, empty query) never writes it.
 *
 * Layout: "CSI1", u32 header length, header JSON, then 4-byte-aligned sections
 * named in the header.
 */
import {
  blockId,
  fnv,
  hashId,
  MessageShape as Shape,
  Place,
  PlacedMessage,
  resolveLogTarget,
  sameMessage,
  splitDmPair,
  splitReplyPrefix,
} from './messageIdentity';
import * as fs from 'fs';
import * as path from 'path';
import { Layout } from './layout';
import { DirectoryStore, StoredMessage } from './store';
import { Message, MessageRef, RawMessage } from './model';
import { messageFromStored } from './attention/importance';
import { listFiles, readRange, readTextIfExists } from './fsutil';
import { parseChatroomStatusFile } from './formats/chatroomStatus';
import { MessageSearchIndex, PostingIndex, searchIndexFor } from './searchIndex';
import { parseLogLine } from './formats/messagesLog';
import { parseTranscript, TranscriptBlock } from './formats/transcript';
import { parsePythonDm } from './formats/pythonDm';
import {
  PostingSource,
  RankedHits,
  SEARCH_FIELDS,
  SearchCorpus,
  SearchOptions,
  checkQuery,
  rankedSearch,
  runSearch,
} from './search';

export const SEARCH_CACHE_NAME = '.coord-search-index';
const MAGIC = 'CSI1';
const FORMAT_VERSION = 7;
const TAIL_BYTES = 64;
const META = 8;
/** A delta larger than this is folded into a new base. */
export const MAX_DELTA_MESSAGES = 2000;
const MAX_DELTA_BYTES = 1 << 20;

interface LogState {
  /** -1 when there is no log. */
  size: number;
  tail: string;
  /** Physical lines (the store's line count). */
  lines: number;
  endsCR: boolean;
  /** The last line has no terminator. */
  partial: boolean;
}

interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

interface FileState extends FileStamp {
  tail: string;
  lines: number;
  /** Message blocks (or Python DM lines) in the file, and a digest of them. */
  blocks: number;
  digest: string;
  /** Ends after a complete block ("---\n"): new bytes parse on their own. */
  clean: boolean;
}

interface Header {
  version: number;
  log: LogState;
  files: Record<string, FileState>;
  count: number;
  /** Sum of each field's lengths over the base's documents. */
  fieldLengthSums: number[];
  strings: string[];
  replyIds: Record<string, string>;
  sections: Record<string, [number, number]>;
  /** Newest time of any message, of a log message, of a legacy one, of the legacy ones after the last log message. */
  maxTime: string;
  maxLogTime: string | null;
  maxLegacyTime: string | null;
  maxTrailingTime: string | null;
  logCount: number;
  /** The smallest reply number past the log's end (a reply new lines could resolve), 0 when none. */
  unresolvedFrom: number;
  unresolvedIds: string[];
  /** Recipients of log messages: a new room file with one of these names would change how a bare target reads. */
  toNames: string[];
}

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
  return path.join(new Layout(dir).dataDir, SEARCH_CACHE_NAME);
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
  const cached = openCache(layout);
  if (cached) {
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const delta = computeDelta(layout, cached);
        if (delta === 'moved') continue;
        if (delta === null) break;
        cached.setDelta(delta);
        return { messages: runSearch(cached, query, opts), source: delta.length > 0 ? 'delta' : 'cache' };
      }
    } finally {
      cached.close();
    }
  }
  const files = scanSources(layout);
  const log = readLogState(layout);
  const store = new DirectoryStore(dir);
  store.refresh();
  const index = searchIndexFor(store);
  const messages = runSearch(index, query, opts);
  // Only a state that did not move while we loaded is worth recording.
  if (log !== null && sameStamps(files, scanSources(layout)) && sameLog(log, readLogState(layout))) {
    try {
      writeSearchCache(layout, store, index, log, files);
    } catch {
      /* a cache: never fail a search for it */
    }
  }
  return { messages, source: 'rebuilt' };
}

/** Builds (or refreshes) the persisted index now; returns false when the directory kept changing. */
export function buildSearchCache(dir: string): boolean {
  const layout = new Layout(dir);
  const files = scanSources(layout);
  const log = readLogState(layout);
  const store = new DirectoryStore(dir);
  store.refresh();
  const index = searchIndexFor(store);
  if (log === null || !sameStamps(files, scanSources(layout)) || !sameLog(log, readLogState(layout))) return false;
  writeSearchCache(layout, store, index, log, files);
  return true;
}

// ------------------------------------------------------------ files

type SourceKind = 'room' | 'inbox' | 'bashDm' | 'pythonDm';

interface Source {
  /** Path relative to the directory, e.g. chatrooms/general.txt. */
  rel: string;
  /** The store's key for it, e.g. room:general. */
  key: string;
  kind: SourceKind;
  name: string;
  file: string;
  stamp: FileStamp;
}

/** The transcripts, in the order the store reads them. */
function scanSources(layout: Layout): Source[] {
  const out: Source[] = [];
  const add = (rel: string, key: string, kind: SourceKind, name: string, file: string) => {
    try {
      const st = fs.lstatSync(file);
      if (st.isFile())
        out.push({ rel, key, kind, name, file, stamp: { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino } });
    } catch {
      /* gone */
    }
  };
  for (const name of listFiles(layout.chatroomsDir))
    add(
      `chatrooms/${name}`,
      `room:${name.slice(0, -4)}`,
      'room',
      name.slice(0, -4),
      path.join(layout.chatroomsDir, name),
    );
  for (const name of listFiles(layout.inboxesDir))
    add(
      `inboxes/${name}`,
      `inbox:${name.slice(0, -4)}`,
      'inbox',
      name.slice(0, -4),
      path.join(layout.inboxesDir, name),
    );
  for (const name of listFiles(layout.dmsDir)) {
    const base = name.slice(0, -4);
    const kind: SourceKind = base.startsWith('dm_') ? 'pythonDm' : 'bashDm';
    add(
      `dms/${name}`,
      `${kind}:${base}`,
      kind,
      kind === 'pythonDm' ? base.slice(3) : base,
      path.join(layout.dmsDir, name),
    );
  }
  return out;
}

const sameStamp = (a: FileStamp, b: FileStamp) => a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;

function sameStamps(a: Source[], b: Source[]): boolean {
  return a.length === b.length && a.every((s, i) => s.rel === b[i].rel && sameStamp(s.stamp, b[i].stamp));
}

function readLogState(layout: Layout): LogState | null {
  let fd: number;
  try {
    fd = fs.openSync(layout.messagesLog, 'r');
  } catch {
    return { size: -1, tail: '', lines: 0, endsCR: false, partial: false };
  }
  try {
    const size = fs.fstatSync(fd).size;
    const tail = readRange(fd, Math.max(0, size - TAIL_BYTES), size);
    const last = tail.length > 0 ? tail[tail.length - 1] : 0x0a;
    return {
      size,
      tail: tail.toString('base64'),
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
  return b !== null && a.size === b.size && a.tail === b.tail;
}

function readTail(file: string, size: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    return readRange(fd, Math.max(0, size - TAIL_BYTES), size);
  } finally {
    fs.closeSync(fd);
  }
}

/** An order-independent digest of a file's message blocks (what search sees of them). */
function blocksDigest(blocks: TranscriptBlock[]): string {
  let a = 0;
  let b = 0;
  for (const block of blocks) {
    const s = `${block.time}\u0000${block.from}\u0000${block.to ?? ''}\u0000${block.id ?? ''}\u0000${block.firstLine}\u0000${block.text}`;
    a = (a + fnv(s)) >>> 0;
    b = (b + fnv(s, 0x01000193 ^ 0x5bd1e995)) >>> 0;
  }
  return `${blocks.length}:${a.toString(16)}:${b.toString(16)}`;
}

/** Message blocks of a whole transcript file, with the target and DM flag the store gives them. */
function parseSourceBlocks(
  source: Source,
  text: string,
  lineOffset: number,
): Array<{ block: TranscriptBlock; target: string; dm: boolean }> {
  if (source.kind === 'pythonDm') {
    const lines = parsePythonDm(text);
    const pair = splitDmPair(
      source.name,
      lines.map((l) => l.from),
    );
    return lines.map((line) => {
      const to = line.from === pair[0] ? pair[1] : pair[0];
      const block: TranscriptBlock = {
        kind: 'message',
        time: line.time,
        from: line.from,
        to,
        id: null,
        text: line.text,
        status: null,
        firstLine: line.line,
        lastLine: line.line,
      };
      return { block, target: `@${to}`, dm: true };
    });
  }
  const out: Array<{ block: TranscriptBlock; target: string; dm: boolean }> = [];
  for (const item of parseTranscript(text, lineOffset)) {
    if (item.kind !== 'message') continue;
    if (source.kind === 'room') out.push({ block: item, target: `#${source.name}`, dm: false });
    else if (source.kind === 'inbox') out.push({ block: item, target: `@${source.name}`, dm: false });
    else {
      const to = item.to ?? splitDmPair(source.name, [item.from]).find((p) => p !== item.from) ?? '';
      out.push({ block: item, target: `@${to}`, dm: true });
    }
  }
  return out;
}

// ------------------------------------------------------------ the delta

/** A message appended since the base was written. */
interface DeltaMessage extends RawMessage {
  room: string | null;
  to: string | null;
  lastLine: number | null;
  /** Position of its parent in the whole corpus, or -1. */
  parent: number;
  /** Sources whose blocks it took (a source lends one block per message). */
  claimed: string[];
  idFromBlock: boolean;
  seq: number;
}

/**
 * The messages appended since the base, in corpus order; null when the change
 * is not a pure growth the delta can represent exactly (rebuild), 'moved' when
 * the log grew while we read (try again).
 */
function computeDelta(layout: Layout, base: CachedCorpus): DeltaMessage[] | null | 'moved' {
  const h = base.header;
  const baseSize = Math.max(0, h.log.size);
  let seq = 0;
  const logMsgs: DeltaMessage[] = [];
  const byLine = new Map<number, DeltaMessage>();
  // Bare names in log lines resolve against the status file's rooms, as the store does.
  const statusRooms = new Set(
    parseChatroomStatusFile(readTextIfExists(layout.chatroomStatus)).flatMap((l) =>
      l.kind === 'entry' ? [l.entry.name.toLowerCase()] : [],
    ),
  );
  let totalLines = h.log.lines;
  let logSize = -1;
  let bytes = 0;

  let fd: number | null = null;
  try {
    fd = fs.openSync(layout.messagesLog, 'r');
  } catch {
    if (h.log.size > 0) return null;
  }
  if (fd !== null) {
    try {
      logSize = fs.fstatSync(fd).size;
      if (logSize < baseSize) return null;
      if (baseSize > 0 && readRange(fd, Math.max(0, baseSize - TAIL_BYTES), baseSize).toString('base64') !== h.log.tail)
        return null;
      if (logSize > baseSize) {
        if (h.log.partial) return null;
        if (logSize - baseSize > MAX_DELTA_BYTES) return null;
        bytes += logSize - baseSize;
        let buf = readRange(fd, baseSize, logSize);
        if (h.log.endsCR && buf[0] === 0x0a) buf = buf.subarray(1);
        const lines = buf.toString('utf8').split(/\r\n|\r|\n/);
        const last = lines.pop()!;
        if (last !== '') lines.push(last);
        for (const line of lines) {
          const number = ++totalLines;
          const parsed = parseLogLine(line);
          if (!parsed) {
            const owner = logMsgs[logMsgs.length - 1];
            if (owner) {
              owner.text += '\n' + line;
              owner.lastLine = number;
              byLine.set(number, owner);
              continue;
            }
            if (h.logCount > 0) return null; // continues a base message
            const m = deltaMessage(
              { number, time: '', from: '', target: '', text: line, replyTo: null, room: null, to: null },
              line,
              seq++,
            );
            logMsgs.push(m);
            byLine.set(number, m);
            continue;
          }
          const where = placeOfLogLine(
            layout,
            statusRooms,
            base,
            byLine,
            h.log.lines,
            parsed.rawTarget,
            parsed.from,
            parsed.dm,
            parsed.replyTo,
          );
          const m = deltaMessage(
            { number, time: parsed.time, from: parsed.from, text: parsed.text, replyTo: parsed.replyTo, ...where },
            line,
            seq++,
          );
          logMsgs.push(m);
          byLine.set(number, m);
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  // A new line that pairs with (or duplicates) a base message: the fresh load may match them differently.
  for (const m of logMsgs) if (base.hasShape(m)) return null;

  // Transcripts.
  const sources = scanSources(layout);
  const present = new Set(sources.map((s) => s.rel));
  for (const rel of Object.keys(h.files)) if (!present.has(rel)) return null;
  const toNames = new Set(h.toNames);
  const logByTime = new Map<string, DeltaMessage[]>();
  for (const m of logMsgs) {
    const list = logByTime.get(m.time);
    if (list) list.push(m);
    else logByTime.set(m.time, [m]);
  }
  const legacy: DeltaMessage[] = [];
  const legacyById = new Map<string, DeltaMessage>();
  for (const source of sources) {
    const old = h.files[source.rel];
    if (old && sameStamp(old, source.stamp)) continue;
    if (!old && source.kind === 'room' && toNames.has(source.name)) return null;
    let blocks: Array<{ block: TranscriptBlock; target: string; dm: boolean }>;
    const sfd = fs.openSync(source.file, 'r');
    try {
      const size = fs.fstatSync(sfd).size;
      const appended =
        old !== undefined &&
        source.kind !== 'pythonDm' &&
        old.clean &&
        old.ino === source.stamp.ino &&
        size > old.size &&
        readRange(sfd, Math.max(0, old.size - TAIL_BYTES), old.size).toString('base64') === old.tail;
      if (appended) {
        if ((bytes += size - old.size) > MAX_DELTA_BYTES) return null;
        blocks = parseSourceBlocks(source, readRange(sfd, old.size, size).toString('utf8'), old.lines);
      } else {
        if ((bytes += size - (old?.size ?? 0)) > MAX_DELTA_BYTES) return null;
        const all = parseSourceBlocks(source, readRange(sfd, 0, size).toString('utf8'), 0);
        const n = old?.blocks ?? 0;
        if (all.length < n || (n > 0 && blocksDigest(all.slice(0, n).map((b) => b.block)) !== old!.digest)) return null;
        blocks = all.slice(n);
      }
    } finally {
      fs.closeSync(sfd);
    }
    for (const { block, target, dm } of blocks) {
      const { text, replyTo } = splitReplyPrefix(block.text);
      const shape: Shape = { time: block.time, from: block.from, target, text };
      if (base.hasShape(shape)) return null;
      const match = logByTime.get(shape.time)?.find((m) => sameMessage(m, shape) && !m.claimed.includes(source.key));
      if (match) {
        if (block.id && !match.idFromBlock) {
          match.id = block.id;
          match.idFromBlock = true;
        }
        match.claimed.push(source.key);
        continue;
      }
      const existing = block.id ? legacyById.get(block.id) : undefined;
      if (existing && sameMessage(existing, shape)) continue;
      const room = target.startsWith('#') ? target.slice(1) : null;
      const m: DeltaMessage = {
        number: null,
        id: blockId(source.key, block),
        time: block.time,
        from: block.from,
        target,
        text,
        replyTo,
        room,
        to: room === null ? target.slice(1) : null,
        lastLine: null,
        parent: -1,
        claimed: [source.key],
        idFromBlock: block.id !== null,
        seq: seq++,
      };
      if (block.id && !legacyById.has(block.id)) legacyById.set(block.id, m);
      legacy.push(m);
    }
  }
  // The log moved while we read the transcripts: a block may be missing its line.
  if (logSize !== currentSize(layout.messagesLog)) return 'moved';

  // Order: legacy messages merge in by time; they must all land after the base.
  for (const m of legacy) {
    if ((h.maxLegacyTime !== null && !(m.time > h.maxLegacyTime)) || (h.maxLogTime !== null && m.time < h.maxLogTime))
      return null;
  }
  if (logMsgs.length > 0 && h.maxTrailingTime !== null && !(logMsgs[0].time > h.maxTrailingTime)) return null;
  legacy.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.seq - b.seq));
  const out: DeltaMessage[] = [];
  let j = 0;
  for (const m of logMsgs) {
    while (j < legacy.length && legacy[j].time < m.time) out.push(legacy[j++]);
    out.push(m);
  }
  while (j < legacy.length) out.push(legacy[j++]);
  if (out.length > MAX_DELTA_MESSAGES) return null;

  // Ids and replies: nothing new may collide with a base id or resolve a base message's dangling reply.
  if (h.unresolvedFrom > 0 && h.unresolvedFrom <= totalLines) return null;
  const unresolvedIds = new Set(h.unresolvedIds);
  for (const m of out) if (unresolvedIds.has(m.id) || base.hasId(m.id)) return null;
  const position = new Map<DeltaMessage, number>(out.map((m, k) => [m, h.count + k]));
  for (const m of out) {
    if (m.replyTo === null) continue;
    const ref = typeof m.replyTo === 'number' ? String(m.replyTo) : m.replyTo.replace(/^#/, '');
    if (/^\d+$/.test(ref)) {
      const n = Number(ref);
      if (n <= h.log.lines) m.parent = base.findNumber(n);
      else {
        const p = byLine.get(n);
        m.parent = p ? position.get(p)! : -1;
      }
    } else {
      const inBase = base.find(ref);
      if (inBase >= 0) m.parent = inBase;
      else {
        const p = legacyById.get(ref) ?? out.find((x) => x.id === ref);
        m.parent = p ? position.get(p)! : -1;
      }
    }
  }
  return out;
}

function currentSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return -1;
  }
}

function deltaMessage(
  fields: {
    number: number;
    time: string;
    from: string;
    target: string;
    text: string;
    replyTo: number | string | null;
    room: string | null;
    to: string | null;
  },
  line: string,
  seq: number,
): DeltaMessage {
  return {
    ...fields,
    id: hashId(`${fields.number}|${fields.time}|${fields.from}|${line.length}`),
    lastLine: fields.number,
    parent: -1,
    claimed: [],
    idFromBlock: false,
    seq,
  };
}

/** How the store reads a log line's target on a fresh load (see resolveLogTarget). */
function placeOfLogLine(
  layout: Layout,
  statusRooms: Set<string>,
  base: CachedCorpus,
  byLine: Map<number, DeltaMessage>,
  baseLines: number,
  raw: string,
  from: string,
  dm: boolean,
  replyTo: number | string | null,
): Place {
  const parentOf = (n: number): PlacedMessage | undefined => {
    if (n < 1 || n > baseLines) return byLine.get(n);
    const p = base.findNumber(n);
    return p >= 0 ? { room: base.room(p), target: base.target(p), from: base.from(p), to: base.to(p) } : undefined;
  };
  return resolveLogTarget(
    raw,
    from,
    dm,
    replyTo,
    parentOf,
    (name) => statusRooms.has(name.toLowerCase()) || fs.existsSync(layout.chatroom(name)),
  );
}

// ------------------------------------------------------------ writing

function writeSearchCache(
  layout: Layout,
  store: DirectoryStore,
  index: MessageSearchIndex,
  log: LogState,
  sources: Source[],
): void {
  const count = index.count;
  const all: StoredMessage[] = [];
  for (let i = 0; i < count; i++) all.push(index.stored(i));

  // Each transcript's state, with its blocks as the store read them (every block sits in one message's refs).
  const blocksBySource = new Map<string, TranscriptBlock[]>();
  for (const m of all) {
    for (const ref of m.refs) {
      const list = blocksBySource.get(ref.source);
      if (list) list.push(ref.block);
      else blocksBySource.set(ref.source, [ref.block]);
    }
  }
  const files: Record<string, FileState> = {};
  for (const s of sources) {
    const tail = readTail(s.file, s.stamp.size);
    const blocks = blocksBySource.get(s.key) ?? [];
    files[s.rel] = {
      ...s.stamp,
      tail: tail.toString('base64'),
      lines: store.sourceOf(s.key)?.lines ?? 0,
      blocks: blocks.length,
      digest: blocksDigest(blocks),
      clean: tail.toString('latin1').endsWith('---\n'),
    };
  }
  // What the delta needs to know to stay exact.
  let maxTime = '';
  let maxLogTime: string | null = null;
  let maxLegacyTime: string | null = null;
  let maxTrailingTime: string | null = null;
  let logCount = 0;
  let unresolvedFrom = 0;
  const unresolvedIds: string[] = [];
  const toNames = new Set<string>();
  let trailing = true;
  for (let i = count - 1; i >= 0; i--) {
    const m = all[i];
    if (m.time > maxTime) maxTime = m.time;
    if (m.number !== null) {
      trailing = false;
      logCount++;
      if (maxLogTime === null || m.time > maxLogTime) maxLogTime = m.time;
      if (m.to !== null) toNames.add(m.to);
    } else {
      if (maxLegacyTime === null || m.time > maxLegacyTime) maxLegacyTime = m.time;
      if (trailing && (maxTrailingTime === null || m.time > maxTrailingTime)) maxTrailingTime = m.time;
    }
    if (m.replyTo !== null && index.parent(i) < 0) {
      const ref = typeof m.replyTo === 'number' ? String(m.replyTo) : m.replyTo.replace(/^#/, '');
      if (/^\d+$/.test(ref)) {
        const n = Number(ref);
        if (n > store.lineCount && (unresolvedFrom === 0 || n < unresolvedFrom)) unresolvedFrom = n;
      } else unresolvedIds.push(ref);
    }
  }
  const postings = index.postingIndex;

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
  const lowerText: string[] = [];
  const lowerWho: string[] = [];
  const textBytes = new Uint32Array(count + 1);
  const textChars = new Uint32Array(count + 1);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const m = all[i];
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
    lowerText.push(m.text.toLowerCase());
    lowerWho.push(`${m.from} ${m.target}`.toLowerCase());
    times.push(m.time);
    const bytes = Buffer.from(m.text, 'utf8');
    textParts.push(bytes);
    offset += bytes.length;
    textBytes[i + 1] = offset;
    textChars[i + 1] = textChars[i] + m.text.length;
  }

  // Postings, in sorted term order.
  const terms = postings.vocab();
  const postStart = new Uint32Array(terms.length + 1);
  let postWords = 0;
  for (let k = 0; k < terms.length; k++) {
    postWords += postings.postings(k).length;
    postStart[k + 1] = postWords / 2;
  }
  const post = new Uint32Array(postWords);
  const postDf = new Uint32Array(terms.length * 3);
  for (let k = 0; k < terms.length; k++) {
    post.set(postings.postings(k), postStart[k] * 2);
    for (let f = 0; f < 3; f++) postDf[k * 3 + f] = postings.df(k, f);
  }
  // Lookups the delta needs without reading whole columns: id hashes sorted, positions by time.
  const idHash = Uint32Array.from(ids, idKey).sort();
  const timeOrder = Uint32Array.from({ length: count }, (_, i) => i).sort((a, b) =>
    times[a] < times[b] ? -1 : times[a] > times[b] ? 1 : a - b,
  );

  const sections: Array<[string, Buffer]> = [
    ['meta', typedBytes(meta)],
    ...stringColumn('ids', ids),
    ...stringColumn('times', times),
    // Exact queries search these whole (NUL-separated so no match spans two messages).
    ...stringColumn(
      'lowerText',
      lowerText.map((t) => `${t}\u0000`),
    ),
    ...stringColumn(
      'lowerWho',
      lowerWho.map((t) => `${t}\u0000`),
    ),
    ['textBytes', typedBytes(textBytes)],
    // Where each text starts in the whole text section decoded at once (UTF-16 units), for scans.
    ['textChars', typedBytes(textChars)],
    ['text', Buffer.concat(textParts)],
    ['vocab', Buffer.from(terms.join('\n'), 'utf8')],
    ['postStart', typedBytes(postStart)],
    ['postDf', typedBytes(postDf)],
    ['post', typedBytes(post)],
    ['idHash', typedBytes(idHash)],
    ['timeOrder', typedBytes(timeOrder)],
  ];
  const header: Header = {
    version: FORMAT_VERSION,
    log: { ...log, lines: store.lineCount },
    files,
    count,
    fieldLengthSums: postings.sums.slice(),
    strings,
    replyIds,
    sections: {},
    maxTime,
    maxLogTime,
    maxLegacyTime,
    maxTrailingTime,
    logCount,
    unresolvedFrom,
    unresolvedIds,
    toNames: [...toNames],
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
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* not there */
    }
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
  return [
    [`${name}Starts`, typedBytes(starts)],
    [name, Buffer.concat(parts)],
  ];
}

/** An id as a u32: 8-hex ids as their value, anything else hashed. */
function idKey(id: string): number {
  return /^[0-9a-f]{8}$/.test(id) ? parseInt(id, 16) : fnv(id, 0x811c9dc5);
}

function typedBytes(a: Int32Array | Uint32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

// ------------------------------------------------------------ reading

function openCache(layout: Layout): CachedCorpus | null {
  let fd: number;
  try {
    fd = fs.openSync(
      path.join(layout.dataDir, SEARCH_CACHE_NAME),
      fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0),
    );
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
    return new CachedCorpus(fd, header);
  } catch {
    fs.closeSync(fd);
    return null;
  }
}

class CachedCorpus implements SearchCorpus {
  count: number;
  readonly baseCount: number;
  /** The whole meta section once many rows were needed; single rows before that. */
  private meta: Int32Array | null = null;
  private metaRows = new Map<number, Int32Array>();
  private delta: DeltaMessage[] = [];
  private deltaPostings: PostingIndex | null = null;
  private base: PostingSource | null = null;
  private columns = new Map<string, { starts: Uint32Array; bytes: Buffer }>();
  private textStarts: Uint32Array | null = null;
  private textBuf: Buffer | null = null;
  private textCache = new Map<number, string>();

  constructor(
    private readonly fd: number,
    readonly header: Header,
  ) {
    this.count = header.count;
    this.baseCount = header.count;
  }

  /** Meta word k of base row i. */
  private m(i: number, k: number): number {
    if (this.meta) return this.meta[i * META + k];
    let row = this.metaRows.get(i);
    if (!row) {
      if (this.metaRows.size >= 256) {
        this.meta = new Int32Array(this.section('meta').buffer);
        this.metaRows.clear();
        return this.meta[i * META + k];
      }
      row = new Int32Array(this.section('meta', i * META * 4, (i + 1) * META * 4).buffer);
      this.metaRows.set(i, row);
    }
    return row[k];
  }

  private allMeta(): Int32Array {
    if (!this.meta) {
      this.meta = new Int32Array(this.section('meta').buffer);
      this.metaRows.clear();
    }
    return this.meta;
  }

  /** One u32 of a section. */
  private word(name: string, k: number): number {
    const b = this.section(name, k * 4, k * 4 + 4);
    return new Uint32Array(b.buffer, b.byteOffset, 1)[0];
  }

  /** The messages appended since the base, after it in corpus order. */
  setDelta(delta: DeltaMessage[]): void {
    this.delta = delta;
    this.deltaPostings = null;
    this.count = this.baseCount + delta.length;
  }

  private d(i: number): DeltaMessage | undefined {
    return i >= this.baseCount ? this.delta[i - this.baseCount] : undefined;
  }

  /** Base positions whose time is exactly `time` (binary search over the time order, a few small reads). */
  private positionsWithTime(time: string): number[] {
    const n = this.baseCount;
    const at = (k: number) => this.time(this.word('timeOrder', k));
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at(mid) < time) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let k = lo; k < n && at(k) === time; k++) out.push(this.word('timeOrder', k));
    return out;
  }

  /** A base message with this time, sender, target and text (the store would pair them). */
  hasShape(shape: Shape): boolean {
    if (shape.time > this.header.maxTime) return false;
    for (const p of this.positionsWithTime(shape.time)) {
      if (sameMessage({ time: shape.time, from: this.from(p), target: this.target(p), text: this.text(p) }, shape))
        return true;
    }
    return false;
  }

  /** Whether a base message may have this id (by its u32 key: a rare false yes only costs a rebuild). */
  hasId(id: string): boolean {
    const key = idKey(id);
    let lo = 0;
    let hi = this.baseCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.word('idHash', mid) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.baseCount && this.word('idHash', lo) === key;
  }

  /** The base message owning log line n, or -1. */
  findNumber(n: number): number {
    // Log messages keep their order in the corpus (legacy rows, number 0, sit between them).
    let lo = 0;
    let hi = this.baseCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      let k = mid;
      while (k < hi && this.m(k, 0) === 0) k++;
      if (k === hi) hi = mid;
      else if (this.m(k, 1) < n) lo = k + 1;
      else hi = mid;
    }
    for (let k = lo; k < this.baseCount; k++) {
      const first = this.m(k, 0);
      if (first === 0) continue;
      return first <= n && this.m(k, 1) >= n ? k : -1;
    }
    return -1;
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      /* closed */
    }
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
    const dm = this.d(i);
    if (dm) return dm.text;
    if (this.textAll !== null) return this.textAll.slice(this.textChars![i], this.textChars![i + 1]);
    const hit = this.textCache.get(i);
    if (hit !== undefined) return hit;
    if (!this.textStarts && this.textCache.size >= 256) this.textStarts = this.u32('textBytes');
    let start: number;
    let end: number;
    if (this.textStarts) {
      start = this.textStarts[i];
      end = this.textStarts[i + 1];
    } else {
      const se = this.section('textBytes', i * 4, i * 4 + 8);
      const pair = new Uint32Array(se.buffer, se.byteOffset, 2);
      start = pair[0];
      end = pair[1];
    }
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

  /** Exact queries: byte search over the lower-cased columns, then the delta's texts. */
  findSubstring(needle: string): number[] | null {
    if (needle.length === 0 || needle.includes('\u0000')) return null;
    const bytes = Buffer.from(needle, 'utf8');
    const hit = new Uint8Array(this.count);
    for (const name of ['lowerText', 'lowerWho']) {
      const raw = this.section(name);
      const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
      let starts: Uint32Array | null = null;
      for (let at = buf.indexOf(bytes); at !== -1;) {
        starts ??= this.u32(`${name}Starts`);
        let lo = 0;
        let hi = this.baseCount - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (starts[mid] <= at) lo = mid;
          else hi = mid - 1;
        }
        hit[lo] = 1;
        at = buf.indexOf(bytes, starts[lo + 1]);
      }
    }
    this.delta.forEach((m, k) => {
      if (m.text.toLowerCase().includes(needle) || `${m.from} ${m.target}`.toLowerCase().includes(needle))
        hit[this.baseCount + k] = 1;
    });
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) if (hit[i] === 1) out.push(i);
    return out;
  }

  /** Exact and regex queries read every text: load them in one read. */
  prepareScan(): void {
    if (this.textAll !== null) return;
    const bytes = this.section('text');
    this.textAll = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
    this.textChars = this.u32('textChars');
    this.allMeta();
  }

  private textAll: string | null = null;
  private textChars: Uint32Array | null = null;
  private whoByPair = new Map<number, string>();

  who(i: number): string {
    if (i >= this.baseCount) return `${this.from(i)} ${this.target(i)}`;
    const key = (this.m(i, 2) + 1) * 2 ** 26 + (this.m(i, 3) + 1);
    let who = this.whoByPair.get(key);
    if (who === undefined) {
      who = `${this.from(i)} ${this.target(i)}`;
      this.whoByPair.set(key, who);
    }
    return who;
  }

  from(i: number): string {
    return this.d(i)?.from ?? this.string(this.m(i, 2)) ?? '';
  }
  target(i: number): string {
    return this.d(i)?.target ?? this.string(this.m(i, 3)) ?? '';
  }
  room(i: number): string | null {
    const dm = this.d(i);
    return dm ? dm.room : this.string(this.m(i, 4));
  }
  to(i: number): string | null {
    const dm = this.d(i);
    return dm ? dm.to : this.string(this.m(i, 5));
  }
  parent(i: number): number {
    return this.d(i)?.parent ?? this.m(i, 6);
  }

  private loadColumn(name: string): { starts: Uint32Array; bytes: Buffer } {
    let col = this.columns.get(name);
    if (!col) {
      const bytes = this.section(name);
      col = { starts: this.u32(`${name}Starts`), bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) };
      this.columns.set(name, col);
    }
    return col;
  }

  private columnReads = new Map<string, number>();

  /** One value of a string column: a small read each, or the whole column once many were needed. */
  private column(name: string, i: number): string {
    const reads = this.columnReads.get(name) ?? 0;
    if (this.columns.has(name) || reads >= 256) {
      const col = this.loadColumn(name);
      return col.bytes.toString('utf8', col.starts[i], col.starts[i + 1]);
    }
    this.columnReads.set(name, reads + 1);
    const se = this.section(`${name}Starts`, i * 4, i * 4 + 8);
    const starts = new Uint32Array(se.buffer, se.byteOffset, 2);
    const bytes = this.section(name, starts[0], starts[1]);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  }

  time(i: number): string {
    return this.d(i)?.time ?? this.column('times', i);
  }

  private id(i: number): string {
    return this.d(i)?.id ?? this.column('ids', i);
  }

  find(ref: MessageRef): number {
    const text = typeof ref === 'number' ? String(ref) : ref.replace(/^#/, '');
    if (/^\d+$/.test(text)) {
      const n = Number(text);
      const inBase = n <= this.header.log.lines ? this.findNumber(n) : -1;
      if (inBase >= 0) return inBase;
      const k = this.delta.findIndex((m) => m.number !== null && m.number <= n && (m.lastLine ?? m.number) >= n);
      return k < 0 ? -1 : this.baseCount + k;
    }
    for (let i = 0; i < this.count; i++)
      if ((i < this.baseCount ? this.m(i, 0) === 0 : this.d(i)!.number === null) && this.id(i) === text) return i;
    for (let i = 0; i < this.count; i++) if (this.id(i) === text) return i;
    return -1;
  }

  message(i: number): Message {
    const dm = this.d(i);
    if (dm)
      return messageFromStored({
        number: dm.number,
        id: dm.id,
        time: dm.time,
        from: dm.from,
        target: dm.target,
        text: dm.text,
        replyTo: dm.replyTo,
      });
    const reply = this.m(i, 7);
    const number = this.m(i, 0);
    return messageFromStored({
      number: number === 0 ? null : number,
      id: this.id(i),
      time: this.time(i),
      from: this.from(i),
      target: this.target(i),
      text: this.text(i),
      replyTo: reply > 0 ? reply : reply === -1 ? (this.header.replyIds[i] ?? null) : null,
    });
  }

  /** The delta's postings, documents numbered after the base's. */
  private deltaIndex(): PostingIndex {
    if (this.deltaPostings) return this.deltaPostings;
    const index = new PostingIndex(this.baseCount);
    this.delta.forEach((m, k) => index.add({ id: this.baseCount + k, text: m.text, from: m.from, room: m.room ?? '' }));
    this.deltaPostings = index;
    return index;
  }

  /** The base's postings, read from the file as a query reaches them. */
  private baseSource(): PostingSource {
    if (this.base) return this.base;
    const vocab = this.lines('vocab');
    const postStart = this.u32('postStart');
    const postDf = this.u32('postDf');
    const base: PostingSource = {
      vocab: () => vocab,
      size: (k: number) => postStart[k + 1] - postStart[k],
      df: (k: number, field: number) => postDf[k * 3 + field],
      postings: (k: number) => {
        const bytes = this.section('post', postStart[k] * 8, postStart[k + 1] * 8);
        return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      },
    };
    this.base = base;
    return base;
  }

  ranked(query: string): RankedHits {
    const sources: PostingSource[] = [this.baseSource()];
    const sums = this.header.fieldLengthSums.slice();
    if (this.delta.length > 0) {
      const delta = this.deltaIndex();
      sources.push(delta);
      for (let f = 0; f < sums.length; f++) sums[f] += delta.sums[f];
    }
    return rankedSearch(
      sources,
      query,
      this.count,
      sums.map((s) => (this.count > 0 ? s / this.count : 0)),
    );
  }
}
