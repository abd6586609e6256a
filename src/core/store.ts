/**
 * The read side: everything in a coordination directory, loaded once and then
 * kept current by reading only what changed (new bytes appended to the log or
 * a transcript; a whole file only when it was rewritten).
 *
 * Messages come from data/messages.log (numbered by physical line) and from
 * the transcripts (room files, inboxes, DM files). A transcript block with the
 * same time, sender, target and text as a log line is that message (it lends
 * the message its 8-hex id and read hints); one with no log line is a legacy
 * message of its own, numbered null.
 */
import {
  blockId,
  comparableBody,
  hashId,
  MessageShape,
  resolveLogTarget,
  sameMessage,
  splitDmPair,
  splitReplyPrefix,
} from './messageIdentity';
import * as fs from 'fs';
import * as path from 'path';
import { Layout } from './layout';
import { Chatroom, InstanceStatus, Message } from './model';
import { parseLogLine } from './formats/messagesLog';
import { parseTranscript, TranscriptBlock, TranscriptEvent } from './formats/transcript';
import { parsePythonDm } from './formats/pythonDm';
import { ChatroomStatusEntry, parseChatroomStatusFile } from './formats/chatroomStatus';
import { parseInstanceStatusFile, parseStatusTxt } from './formats/statuses';
import { parseDmReads, parsePositions, parseReadMarks, positionsByKey, ReadMarks } from './formats/readMarks';
import { isValidRoomName } from './names';
import { fileStamp, listFiles, readRange, readTextIfExists } from './fsutil';
import { countLines, totalLines } from './lines';
import { timestampToMillis } from './time';

interface TranscriptRef {
  /** Key of the source file (see SourceState.key). */
  source: string;
  block: TranscriptBlock;
}

export interface StoredMessage extends Message {
  seq: number;
  /** Written as a direct message (DM: line or a DM file) rather than an @-message. */
  dm: boolean;
  /** The room for "#room" targets. */
  room: string | null;
  /** The recipient for "@id" targets. */
  to: string | null;
  /** Physical lines owned in the log (continuation lines included). */
  lastLine: number | null;
  refs: TranscriptRef[];
}

type SourceKind = 'room' | 'inbox' | 'bashDm' | 'pythonDm';

interface SourceState {
  key: string;
  kind: SourceKind;
  file: string;
  /** Room name, inbox owner, or the DM pair `a_b`. */
  name: string;
  size: number;
  mtimeMs: number;
  tail: string;
  lines: number;
  events: TranscriptEvent[];
  claimed: StoredMessage[];
  legacy: StoredMessage[];
}

const TAIL_BYTES = 64;

/**
 * A multimap keyed by timestamp: few messages share a second, so lookups stay
 * cheap. A second that fills up (a burst, or a generated log) gets its own
 * index by sender, target and text, so matching never turns quadratic.
 */
class ByTime {
  private map = new Map<string, TimeBucket>();
  get size(): number {
    return this.map.size;
  }
  add(m: StoredMessage): void {
    let bucket = this.map.get(m.time);
    if (!bucket) this.map.set(m.time, (bucket = { list: [], byShape: null }));
    bucket.list.push(m);
    if (bucket.byShape) addShape(bucket.byShape, m);
    else if (bucket.list.length > BUSY_SECOND) {
      bucket.byShape = new Map();
      for (const x of bucket.list) addShape(bucket.byShape, x);
    }
  }
  remove(m: StoredMessage): void {
    const bucket = this.map.get(m.time);
    if (!bucket) return;
    const i = bucket.list.indexOf(m);
    if (i >= 0) bucket.list.splice(i, 1);
    if (bucket.byShape) {
      const list = bucket.byShape.get(shapeKey(m));
      const j = list ? list.indexOf(m) : -1;
      if (list && j >= 0) list.splice(j, 1);
    }
    if (bucket.list.length === 0) this.map.delete(m.time);
  }
  find(shape: MessageShape, accept: (m: StoredMessage) => boolean = () => true): StoredMessage | undefined {
    const bucket = this.map.get(shape.time);
    if (!bucket) return undefined;
    const candidates = bucket.byShape ? (bucket.byShape.get(shapeKey(shape)) ?? []) : bucket.list;
    return candidates.find((m) => sameMessage(m, shape) && accept(m));
  }
  clear(): void {
    this.map.clear();
  }
}

const BUSY_SECOND = 32;

interface TimeBucket {
  list: StoredMessage[];
  byShape: Map<string, StoredMessage[]> | null;
}

function shapeKey(m: MessageShape): string {
  return `${m.from}\u0000${m.target}\u0000${comparableBody(m.text)}`;
}

function addShape(index: Map<string, StoredMessage[]>, m: StoredMessage): void {
  const key = shapeKey(m);
  const list = index.get(key);
  if (list) list.push(m);
  else index.set(key, [m]);
}

export class DirectoryStore {
  readonly layout: Layout;
  private seq = 0;

  // messages.log
  private logMessages: StoredMessage[] = [];
  /** lineOwner[line - 1] = index into logMessages of the message owning that line. */
  private lineOwner: number[] = [];
  private logParsedBytes = 0;
  private logEndsWithCR = false;
  private logMtimeMs = 0;
  private logTail = '';
  /** A last line without its terminator, parsed provisionally and redone on the next refresh. */
  private logPartial: { startByte: number; created: boolean; ownerTextLength: number } | null = null;
  private logByTime = new ByTime();
  /** Rooms named by log lines ("-> #x:"), in order of first use. */
  private logRooms = new Map<string, { name: string; time: string }>();

  private sources = new Map<string, SourceState>();
  private legacyById = new Map<string, StoredMessage>();
  private legacyByTime = new ByTime();
  /** The legacy set changed since allMessages() last sorted; log appends alone keep the order. */
  private legacyDirty = true;
  private sortedLogCount = 0;
  private readStates = new Map<string, { stamp: string; state: ReadState }>();

  private statusEntries: ChatroomStatusEntry[] = [];
  private fileStamps = new Map<string, string>();
  private statusCache: Map<string, InstanceStatus> | null = null;
  private roomCache: Map<string, Chatroom> | null = null;
  private sortedCache: StoredMessage[] | null = null;
  /** Bumped whenever anything visible changed. */
  version = 0;

  constructor(root: string) {
    this.layout = new Layout(root);
  }

  /** Brings the store up to date with the disk; returns true when anything changed. */
  refresh(): boolean {
    const before = this.version;
    // Rooms first: a log line naming a bare room resolves against them.
    if (this.changedSince('status', this.layout.chatroomStatus)) {
      this.statusEntries = parseChatroomStatusFile(readTextIfExists(this.layout.chatroomStatus)).flatMap((l) =>
        l.kind === 'entry' ? [l.entry] : [],
      );
      this.touchVersion();
    }
    this.refreshLog();
    this.refreshSources();
    if (this.statusFilesChanged()) {
      this.statusCache = null;
      this.version++;
    }
    // Read marks change unread counts without touching any message.
    if (this.readMarksChanged()) this.version++;
    return this.version !== before;
  }

  private touchVersion(): void {
    this.version++;
    this.roomCache = null;
  }

  private changedSince(key: string, file: string): boolean {
    const stamp = fileStamp(file);
    if (this.fileStamps.get(key) === stamp) return false;
    this.fileStamps.set(key, stamp);
    return true;
  }

  private readMarksChanged(): boolean {
    const names = listFiles(this.layout.readStatusDir);
    let changed = this.fileStamps.get('read-status:list') !== names.join('/');
    this.fileStamps.set('read-status:list', names.join('/'));
    for (const name of names)
      changed = this.changedSince(`read:${name}`, path.join(this.layout.readStatusDir, name)) || changed;
    return changed;
  }

  private statusFilesChanged(): boolean {
    let changed = this.changedSince('status.txt', this.layout.statusTxt);
    for (const name of listFiles(this.layout.dataDir)) {
      if (name.startsWith('status_'))
        changed = this.changedSince(`status:${name}`, path.join(this.layout.dataDir, name)) || changed;
    }
    return changed;
  }

  // ---------------------------------------------------------------- the log

  private refreshLog(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.layout.messagesLog, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    } catch {
      if (this.logParsedBytes > 0 || this.logMessages.length > 0) this.resetLog();
      return;
    }
    try {
      const st = fs.fstatSync(fd);
      const size = st.size;
      const resumeAt = this.logPartial ? this.logPartial.startByte : this.logParsedBytes;
      // Appends change the size; a modification time that moved while the size
      // stayed the same means an edit in place somewhere: read it all again.
      const editedInPlace = size === this.logParsedBytes && st.mtimeMs !== this.logMtimeMs && this.logParsedBytes > 0;
      const intact =
        !editedInPlace &&
        size >= this.logParsedBytes &&
        readRange(fd, Math.max(0, this.logParsedBytes - TAIL_BYTES), this.logParsedBytes).toString('base64') ===
          this.logTail;
      if (!intact) {
        this.resetLog();
        this.parseLogFrom(fd, 0, size);
      } else if (size > resumeAt || (this.logPartial && size !== this.logParsedBytes)) {
        this.dropPartialLine();
        this.parseLogFrom(fd, resumeAt, size);
      } else {
        this.logMtimeMs = st.mtimeMs;
        return;
      }
      this.logParsedBytes = size;
      this.logMtimeMs = st.mtimeMs;
      this.logTail = readRange(fd, Math.max(0, size - TAIL_BYTES), size).toString('base64');
      this.touchVersion();
    } finally {
      fs.closeSync(fd);
    }
  }

  private resetLog(): void {
    for (const m of this.logMessages) this.forgetLogMessage(m);
    this.logMessages = [];
    this.lineOwner = [];
    this.logByTime.clear();
    this.logRooms.clear();
    this.legacyDirty = true;
    this.logParsedBytes = 0;
    this.logEndsWithCR = false;
    this.logTail = '';
    this.logPartial = null;
    // Transcripts must be matched again against the new log.
    for (const source of this.sources.values()) source.size = -1;
    this.touchVersion();
  }

  private forgetLogMessage(m: StoredMessage): void {
    for (const ref of m.refs) {
      const source = this.sources.get(ref.source);
      if (source) source.size = -1;
    }
  }

  private dropPartialLine(): void {
    if (!this.logPartial) return;
    const line = this.lineOwner.length;
    this.lineOwner.pop();
    if (this.logPartial.created) {
      const m = this.logMessages.pop()!;
      this.logByTime.remove(m);
      this.forgetLogMessage(m);
      this.legacyDirty = true;
    } else {
      const owner = this.logMessages[this.logMessages.length - 1];
      if (owner) {
        owner.lastLine = line - 1;
        owner.text = owner.text.slice(0, this.logPartial.ownerTextLength);
      }
    }
    this.logPartial = null;
  }

  private parseLogFrom(fd: number, start: number, end: number): void {
    let buf = readRange(fd, start, end);
    if (this.logEndsWithCR && start === this.logParsedBytes && buf[0] === 0x0a) buf = buf.subarray(1);
    const text = buf.toString('utf8');
    const lines = text.split(/\r\n|\r|\n/);
    const last = lines.pop()!;
    for (const line of lines) this.addLogLine(line);
    if (last !== '') {
      const lastStart = end - Buffer.byteLength(last, 'utf8');
      const ownerTextLength = this.logMessages[this.logMessages.length - 1]?.text.length ?? 0;
      const created = this.addLogLine(last);
      this.logPartial = { startByte: lastStart, created, ownerTextLength };
    }
    this.logEndsWithCR = buf.length > 0 ? buf[buf.length - 1] === 0x0d : this.logEndsWithCR;
  }

  /** Adds one physical line; returns true when it started a new message. */
  private addLogLine(line: string): boolean {
    const number = this.lineOwner.length + 1;
    const parsed = parseLogLine(line);
    if (!parsed) {
      const ownerIndex = this.logMessages.length - 1;
      if (ownerIndex >= 0) {
        const owner = this.logMessages[ownerIndex];
        owner.text += '\n' + line;
        owner.lastLine = number;
        this.lineOwner.push(ownerIndex);
        return false;
      }
      // A continuation with nothing above it still owns its number.
      this.pushLogMessage(
        { number, time: '', from: '', target: '', text: line, replyTo: null, dm: false, room: null, to: null },
        line,
      );
      return true;
    }
    const { target, room, to } = resolveLogTarget(
      parsed.rawTarget,
      parsed.from,
      parsed.dm,
      parsed.replyTo,
      (n) => this.messageByNumber(n),
      (name) => this.isKnownRoomName(name),
    );
    this.pushLogMessage(
      {
        number,
        time: parsed.time,
        from: parsed.from,
        target,
        text: parsed.text,
        replyTo: parsed.replyTo,
        dm: parsed.dm,
        room,
        to,
      },
      line,
    );
    return true;
  }

  private pushLogMessage(fields: Omit<StoredMessage, 'seq' | 'id' | 'lastLine' | 'refs'>, line: string): void {
    const message: StoredMessage = {
      number: fields.number,
      id: hashId(`${fields.number}|${fields.time}|${fields.from}|${line.length}`),
      time: fields.time,
      from: fields.from,
      target: fields.target,
      text: fields.text,
      replyTo: fields.replyTo,
      seq: this.seq++,
      dm: fields.dm,
      room: fields.room,
      to: fields.to,
      lastLine: fields.number,
      refs: [],
    };
    this.lineOwner.push(this.logMessages.length);
    this.logMessages.push(message);
    if (message.room !== null && message.room !== '') {
      const lower = message.room.toLowerCase();
      if (!this.logRooms.has(lower)) this.logRooms.set(lower, { name: message.room, time: message.time });
    }
    this.logByTime.add(message);
    if (this.legacyByTime.size > 0) this.absorbLegacy(message);
  }

  private isKnownRoomName(name: string): boolean {
    const lower = name.toLowerCase();
    if (this.statusEntries.some((e) => e.name.toLowerCase() === lower)) return true;
    return fs.existsSync(this.layout.chatroom(name));
  }

  /** A log line that arrives after its transcript block takes the legacy message's place. */
  private absorbLegacy(m: StoredMessage): void {
    const legacy = this.legacyByTime.find(m);
    if (!legacy) return;
    this.legacyByTime.remove(legacy);
    if (this.legacyById.get(legacy.id) === legacy) this.legacyById.delete(legacy.id);
    for (const ref of legacy.refs) {
      const source = this.sources.get(ref.source);
      if (!source) continue;
      source.legacy = source.legacy.filter((l) => l !== legacy);
      source.claimed.push(m);
    }
    m.refs.push(...legacy.refs);
    const withId = legacy.refs.find((r) => r.block.id);
    if (withId) m.id = withId.block.id!;
    this.legacyDirty = true;
  }

  private addLegacy(legacy: StoredMessage): void {
    this.legacyByTime.add(legacy);
    this.legacyDirty = true;
  }

  private removeLegacy(legacy: StoredMessage): void {
    this.legacyByTime.remove(legacy);
    if (this.legacyById.get(legacy.id) === legacy) this.legacyById.delete(legacy.id);
    this.legacyDirty = true;
  }

  // ---------------------------------------------------------- transcripts

  private discoverSources(): Array<Pick<SourceState, 'key' | 'kind' | 'file' | 'name'>> {
    const found: Array<Pick<SourceState, 'key' | 'kind' | 'file' | 'name'>> = [];
    for (const name of listFiles(this.layout.chatroomsDir)) {
      const room = name.slice(0, -4);
      found.push({ key: `room:${room}`, kind: 'room', file: path.join(this.layout.chatroomsDir, name), name: room });
    }
    for (const name of listFiles(this.layout.inboxesDir)) {
      const owner = name.slice(0, -4);
      found.push({ key: `inbox:${owner}`, kind: 'inbox', file: path.join(this.layout.inboxesDir, name), name: owner });
    }
    for (const name of listFiles(this.layout.dmsDir)) {
      const base = name.slice(0, -4);
      const kind: SourceKind = base.startsWith('dm_') ? 'pythonDm' : 'bashDm';
      found.push({
        key: `${kind}:${base}`,
        kind,
        file: path.join(this.layout.dmsDir, name),
        name: kind === 'pythonDm' ? base.slice(3) : base,
      });
    }
    return found;
  }

  private refreshSources(): void {
    const seen = new Set<string>();
    for (const found of this.discoverSources()) {
      seen.add(found.key);
      let source = this.sources.get(found.key);
      if (!source) {
        source = { ...found, size: -1, mtimeMs: -1, tail: '', lines: 0, events: [], claimed: [], legacy: [] };
        this.sources.set(found.key, source);
      }
      this.refreshSource(source);
    }
    for (const [key, source] of this.sources) {
      if (!seen.has(key)) {
        this.unloadSource(source);
        this.sources.delete(key);
        this.touchVersion();
      }
    }
  }

  private refreshSource(source: SourceState): void {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(source.file);
    } catch {
      return;
    }
    if (!st.isFile()) return;
    if (st.size === source.size && st.mtimeMs === source.mtimeMs) return;
    const fd = fs.openSync(source.file, 'r');
    try {
      const appendOnly =
        source.size >= 0 &&
        source.kind !== 'pythonDm' &&
        st.size > source.size &&
        readRange(fd, Math.max(0, source.size - TAIL_BYTES), source.size).toString('base64') === source.tail &&
        readRange(fd, source.size - 4, source.size)
          .toString('latin1')
          .endsWith('---\n');
      const start = appendOnly ? source.size : 0;
      if (!appendOnly) {
        this.unloadSource(source);
        source.lines = 0;
      }
      const bytes = readRange(fd, start, st.size);
      this.loadSourceText(source, bytes.toString('utf8'));
      source.lines += totalLines(countLines(bytes));
      source.size = st.size;
      source.mtimeMs = st.mtimeMs;
      source.tail = readRange(fd, Math.max(0, st.size - TAIL_BYTES), st.size).toString('base64');
      this.touchVersion();
    } finally {
      fs.closeSync(fd);
    }
  }

  private unloadSource(source: SourceState): void {
    for (const m of source.claimed) m.refs = m.refs.filter((r) => r.source !== source.key);
    for (const m of source.legacy) {
      m.refs = m.refs.filter((r) => r.source !== source.key);
      if (m.refs.length === 0) this.removeLegacy(m);
    }
    source.claimed = [];
    source.legacy = [];
    source.events = [];
  }

  private loadSourceText(source: SourceState, text: string): void {
    if (source.kind === 'pythonDm') {
      const lines = parsePythonDm(text);
      const pair = splitDmPair(
        source.name,
        lines.map((l) => l.from),
      );
      for (const line of lines) {
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
        this.attachBlock(source, block, `@${to}`, true);
      }
      return;
    }
    const items = parseTranscript(text, source.lines);
    for (const item of items) {
      if (item.kind === 'system') {
        source.events.push(item);
        continue;
      }
      if (source.kind === 'room') this.attachBlock(source, item, `#${source.name}`, false);
      else if (source.kind === 'inbox') this.attachBlock(source, item, `@${source.name}`, false);
      else {
        const to = item.to ?? splitDmPair(source.name, [item.from]).find((p) => p !== item.from) ?? '';
        this.attachBlock(source, item, `@${to}`, true);
      }
    }
  }

  private attachBlock(source: SourceState, block: TranscriptBlock, target: string, dm: boolean): void {
    const ref: TranscriptRef = { source: source.key, block };
    const { text, replyTo } = splitReplyPrefix(block.text);
    const shape: MessageShape = { time: block.time, from: block.from, target, text };
    const match = this.logByTime.find(shape, (m) => !m.refs.some((r) => r.source === source.key));
    if (match) {
      if (block.id && !match.refs.some((r) => r.block.id)) match.id = block.id;
      match.refs.push(ref);
      source.claimed.push(match);
      return;
    }
    const existing = block.id ? this.legacyById.get(block.id) : undefined;
    if (existing && sameMessage(existing, shape)) {
      existing.refs.push(ref);
      source.legacy.push(existing);
      return;
    }
    const room = target.startsWith('#') ? target.slice(1) : null;
    const legacy: StoredMessage = {
      number: null,
      id: blockId(source.key, block),
      time: block.time,
      from: block.from,
      target,
      text,
      replyTo,
      seq: this.seq++,
      dm,
      room,
      to: room === null ? target.slice(1) : null,
      lastLine: null,
      refs: [ref],
    };
    source.legacy.push(legacy);
    if (block.id && !this.legacyById.has(block.id)) this.legacyById.set(block.id, legacy);
    this.addLegacy(legacy);
  }

  // -------------------------------------------------------------- queries

  messageByNumber(number: number): StoredMessage | undefined {
    const index = this.lineOwner[number - 1];
    return index === undefined ? undefined : this.logMessages[index];
  }

  get lineCount(): number {
    return this.lineOwner.length;
  }

  /**
   * A message by number, `#N`, or 8-hex id. An 8-digit string is an id only
   * when no message has that number (legacy ids can be all digits).
   */
  messageByRef(ref: number | string): StoredMessage | undefined {
    return lookupMessageRef(
      ref,
      (n) => this.messageByNumber(n),
      (id) => this.legacyById.get(id) ?? this.allMessages().find((m) => m.id === id),
    );
  }

  /**
   * Every message: log messages in number order, legacy ones merged in by
   * time (timestamps compare as strings). Appends to the log extend the
   * cached order; only a change to the legacy set re-sorts.
   */
  allMessages(): StoredMessage[] {
    if (this.sortedCache && !this.legacyDirty) {
      if (this.sortedLogCount < this.logMessages.length) {
        for (let i = this.sortedLogCount; i < this.logMessages.length; i++) this.sortedCache.push(this.logMessages[i]);
        this.sortedLogCount = this.logMessages.length;
      }
      return this.sortedCache;
    }
    const legacy = new Set<StoredMessage>();
    for (const source of this.sources.values()) for (const m of source.legacy) legacy.add(m);
    const sortedLegacy = [...legacy].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.seq - b.seq));
    const out: StoredMessage[] = [];
    let j = 0;
    for (const m of this.logMessages) {
      while (j < sortedLegacy.length && sortedLegacy[j].time < m.time) out.push(sortedLegacy[j++]);
      out.push(m);
    }
    while (j < sortedLegacy.length) out.push(sortedLegacy[j++]);
    this.sortedCache = out;
    this.sortedLogCount = this.logMessages.length;
    this.legacyDirty = false;
    return out;
  }

  roomEvents(room: string): TranscriptEvent[] {
    return this.sources.get(`room:${room}`)?.events ?? [];
  }

  /** Lines in each transcript, for writing bash read positions. */
  transcriptLines(): Array<{ kind: 'chatroom' | 'dm'; name: string; lines: number }> {
    const out: Array<{ kind: 'chatroom' | 'dm'; name: string; lines: number }> = [];
    for (const s of this.sources.values()) {
      if (s.kind === 'room') out.push({ kind: 'chatroom', name: s.name, lines: s.lines });
      if (s.kind === 'bashDm') out.push({ kind: 'dm', name: s.name, lines: s.lines });
    }
    return out;
  }

  sourceKind(key: string): { kind: SourceKind; name: string } | undefined {
    const s = this.sources.get(key);
    return s ? { kind: s.kind, name: s.name } : undefined;
  }

  /** Every chatroom: status-file lines, transcripts, and rooms the log names. */
  chatrooms(): Map<string, Chatroom> {
    if (this.roomCache) return this.roomCache;
    const rooms = new Map<string, Chatroom>();
    const put = (room: Chatroom) => {
      const lower = room.name.toLowerCase();
      if (!rooms.has(lower)) rooms.set(lower, room);
    };
    for (const e of this.statusEntries) {
      if (!isValidRoomName(e.name)) continue;
      const events = this.roomEvents(e.name);
      const createdEvent = events.find((ev) => ev.type === 'created');
      put({
        name: e.name,
        status: e.status,
        creator: e.creator,
        created: e.created || createdEvent?.time || '',
        modified: e.modified,
        reason: e.reason,
        description: events.find((ev) => ev.type === 'description')?.value ?? '',
      });
    }
    // A status line is authoritative; a room known only from its transcript takes its state from its SYSTEM lines.
    for (const source of this.sources.values()) {
      if (source.kind === 'room' && !rooms.has(source.name.toLowerCase()))
        put(roomFromEvents(source.name, source.events));
    }
    for (const [lower, r] of this.logRooms) {
      if (!rooms.has(lower) && isValidRoomName(r.name))
        put({
          name: r.name,
          status: 'open',
          creator: '',
          created: r.time,
          modified: r.time,
          reason: '',
          description: '',
        });
    }
    this.roomCache = rooms;
    return rooms;
  }

  statuses(): Map<string, InstanceStatus> {
    if (this.statusCache) return this.statusCache;
    const map = new Map<string, InstanceStatus>();
    const offer = (instance: string, text: string, updated: string) => {
      const current = map.get(instance);
      if (!current || (timestampToMillis(updated) || 0) >= (timestampToMillis(current.updated) || 0))
        map.set(instance, { text, updated });
    };
    for (const e of parseStatusTxt(readTextIfExists(this.layout.statusTxt))) offer(e.instance, e.text, e.updated);
    for (const name of listFiles(this.layout.dataDir)) {
      const m = /^status_(.+)\.txt$/.exec(name);
      if (!m) continue;
      const e = parseInstanceStatusFile(m[1], readTextIfExists(path.join(this.layout.dataDir, name)));
      if (e) offer(e.instance, e.text, e.updated);
    }
    this.statusCache = map;
    return map;
  }

  /** Read marks of one instance from every place that records them. */
  readState(instance: string): ReadState {
    const files = [this.layout.readMarks(instance), this.layout.positions(instance)];
    for (const name of listFiles(this.layout.readStatusDir))
      if (name.startsWith('dm_') && name.endsWith('_reads.txt')) files.push(path.join(this.layout.readStatusDir, name));
    const stamp = files.map(fileStamp).join(';');
    const cached = this.readStates.get(instance);
    if (cached && cached.stamp === stamp) return cached.state;
    const state = new ReadState(this, instance);
    this.readStates.set(instance, { stamp, state });
    return state;
  }

  sourceOf(key: string): SourceState | undefined {
    return this.sources.get(key);
  }
}

/** Whether a message counts as read for one instance: any record that says so wins. */
export class ReadState {
  readonly marks: ReadMarks;
  private positions: Map<string, number>;
  private dmReceipts: Map<string, string[]> = new Map();

  constructor(
    private store: DirectoryStore,
    readonly instance: string,
  ) {
    const layout = store.layout;
    this.marks = parseReadMarks(readTextIfExists(layout.readMarks(instance)));
    this.positions = positionsByKey(parsePositions(readTextIfExists(layout.positions(instance))));
    for (const name of listFiles(layout.readStatusDir)) {
      const m = /^dm_(.+)_reads\.txt$/.exec(name);
      if (!m) continue;
      const prefixes = parseDmReads(readTextIfExists(path.join(layout.readStatusDir, name)))
        .filter((r) => r.reader === instance)
        .map((r) => r.idPrefix);
      this.dmReceipts.set(m[1], prefixes);
    }
  }

  isRead(m: StoredMessage): boolean {
    if (m.from === this.instance) return true;
    if (m.number !== null && markCovers(this.marks.numbers.get(m.number), m.time)) return true;
    if (this.marks.ids.has(m.id)) return true;
    for (const ref of m.refs) if (this.refSaysRead(ref)) return true;
    return false;
  }

  private refSaysRead(ref: TranscriptRef): boolean {
    const source = this.store.sourceKind(ref.source);
    if (!source) return false;
    const status = ref.block.status;
    if (source.kind === 'inbox' && source.name === this.instance && status === 'read') return true;
    if (source.kind === 'bashDm' && status === `read by ${this.instance}`) return true;
    const positionKey =
      source.kind === 'room' ? `chatroom:${source.name}` : source.kind === 'bashDm' ? `dm:${source.name}` : null;
    if (positionKey) {
      const pos = this.positions.get(positionKey);
      if (pos !== undefined && ref.block.lastLine <= pos) return true;
    }
    if (source.kind === 'bashDm' && ref.block.id) {
      const prefixes = this.dmReceipts.get(source.name) ?? [];
      if (prefixes.some((p) => ref.block.id!.startsWith(p))) return true;
    }
    return false;
  }
}

/**
 * A mark made before the message was written belongs to an older log that
 * was since replaced (the legacy sample's marks point at a log that is gone).
 */
function markCovers(markTime: string | undefined, messageTime: string): boolean {
  if (markTime === undefined) return false;
  if (markTime === '' || messageTime === '') return true;
  return markTime >= messageTime;
}

/** A message by number, `#N`, or 8-hex id; an 8-digit string is an id only when no message has that number. */
export function lookupMessageRef(
  ref: number | string,
  byNumber: (n: number) => StoredMessage | undefined,
  byId: (id: string) => StoredMessage | undefined,
): StoredMessage | undefined {
  if (typeof ref === 'number') return byNumber(ref);
  const text = ref.replace(/^#/, '');
  if (/^\d+$/.test(text)) {
    const found = byNumber(Number(text));
    if (found || ref.startsWith('#') || text.length !== 8) return found;
  }
  return byId(text);
}

export function toMessage(m: StoredMessage): Message {
  return { number: m.number, id: m.id, time: m.time, from: m.from, target: m.target, text: m.text, replyTo: m.replyTo };
}

export function roomFromEvents(name: string, events: TranscriptEvent[]): Chatroom {
  const created = events.find((e) => e.type === 'created');
  const room: Chatroom = {
    name,
    status: 'open',
    creator: created?.value ?? '',
    created: created?.time ?? '',
    modified: created?.time ?? '',
    reason: '',
    description: events.find((e) => e.type === 'description')?.value ?? '',
  };
  applyTranscriptState(room, events);
  return room;
}

/** The last close or reopen in a transcript sets the room's state. */
function applyTranscriptState(room: Chatroom, events: TranscriptEvent[]): void {
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.type !== 'closed' && e.type !== 'reopened') continue;
    room.status = e.type === 'closed' ? 'closed' : 'open';
    room.modified = e.time;
    const reason =
      events[i + 1]?.type === (e.type === 'closed' ? 'closure-reason' : 'reopen-reason') ? events[i + 1].value : '';
    room.reason = e.type === 'closed' ? reason : '';
  }
}
