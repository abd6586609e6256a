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
import * as fs from 'fs';
import * as path from 'path';
import { Chatroom, InstanceStatus } from '../common/messageTypes';
import { timestampToMillis } from '../common/time';
import { Layout } from '../disk/layout';
import {
  fileStamp,
  fileTail,
  listFiles,
  lstatIfExists,
  openIfExists,
  readRange,
  readTextIfExists,
} from '../disk/fsutil';
import { countLines, decodeLines, totalLines } from '../disk/lines';
import { ChatroomStatusEntry } from '../formats/chatroomStatus';
import { parseInstanceStatusFile, parseStatusTxt } from '../formats/statuses';
import { TranscriptEvent } from '../formats/transcript';
import { attachBlock, BlockMatcher } from './blockMatching';
import { continueLogMessage, LogMessageFields, orphanLogLine, readLogLine } from './logMessages';
import { ByTime } from './messagesByTime';
import { ReadState } from './readState';
import type { SourceKind } from './sources';
import { bareNameRule, readStatusEntries, roomsFrom } from './rooms';
import { discoverSources, readSourceText, SourceFile } from './sources';
import { StoredMessage } from './storedMessage';

export type { StoredMessage } from './storedMessage';
export { toMessage } from './storedMessage';

interface SourceState extends SourceFile {
  size: number;
  mtimeMs: number;
  tail: string;
  lines: number;
  events: TranscriptEvent[];
  claimed: StoredMessage[];
  legacy: StoredMessage[];
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
  private logByTime = new ByTime<StoredMessage>();
  /** Rooms named by log lines ("-> #x:"), in order of first use. */
  private logRooms = new Map<string, { name: string; time: string }>();

  private sources = new Map<string, SourceState>();
  private legacyById = new Map<string, StoredMessage>();
  private legacyByTime = new ByTime<StoredMessage>();
  /** The legacy set changed since allMessages() last sorted; log appends alone keep the order. */
  private legacyDirty = true;
  private sortedLogCount = 0;
  private readStates = new Map<string, { stamp: string; state: ReadState }>();

  private statusEntries: ChatroomStatusEntry[] = [];
  /** Whether a bare log target names a room (see bareNameRule). */
  private isRoomName: (name: string) => boolean;
  private fileStamps = new Map<string, string>();
  private statusCache: Map<string, InstanceStatus> | null = null;
  private roomCache: Map<string, Chatroom> | null = null;
  private sortedCache: StoredMessage[] | null = null;
  /** Bumped whenever anything visible changed. */
  version = 0;

  constructor(root: string) {
    this.layout = new Layout(root);
    this.isRoomName = bareNameRule(this.layout, []);
  }

  /** Brings the store up to date with the disk; returns true when anything changed. */
  refresh(): boolean {
    const before = this.version;
    // Rooms first: a log line naming a bare room resolves against them.
    if (this.changedSince('status', this.layout.chatroomStatus)) {
      this.statusEntries = readStatusEntries(this.layout);
      this.isRoomName = bareNameRule(this.layout, this.statusEntries);
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
    const fd = openIfExists(this.layout.messagesLog);
    if (fd === null) {
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
        !editedInPlace && size >= this.logParsedBytes && fileTail(fd, this.logParsedBytes) === this.logTail;
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
      this.logTail = fileTail(fd, size);
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
    const buf = readRange(fd, start, end);
    const { lines, rest } = decodeLines(buf, this.logEndsWithCR && start === this.logParsedBytes);
    for (const line of lines) this.addLogLine(line);
    if (rest !== '') {
      const lastStart = end - Buffer.byteLength(rest, 'utf8');
      const ownerTextLength = this.logMessages[this.logMessages.length - 1]?.text.length ?? 0;
      const created = this.addLogLine(rest);
      this.logPartial = { startByte: lastStart, created, ownerTextLength };
    }
    this.logEndsWithCR = buf.length > 0 ? buf[buf.length - 1] === 0x0d : this.logEndsWithCR;
  }

  /** Adds one physical line; returns true when it started a new message. */
  private addLogLine(line: string): boolean {
    const number = this.lineOwner.length + 1;
    const fields = readLogLine(line, number, (n) => this.messageByNumber(n), this.isRoomName);
    const owner = this.logMessages[this.logMessages.length - 1];
    if (!fields && owner) {
      continueLogMessage(owner, line, number);
      this.lineOwner.push(this.logMessages.length - 1);
      // Its transcript block, read before, holds the whole text: it may pair only now.
      if (this.legacyByTime.size > 0 && owner.refs.length === 0) this.absorbLegacy(owner);
      return false;
    }
    this.pushLogMessage(fields ?? orphanLogLine(line, number));
    return true;
  }

  private pushLogMessage(fields: LogMessageFields): void {
    const message: StoredMessage = { ...fields, seq: this.seq++, refs: [] };
    this.lineOwner.push(this.logMessages.length);
    this.logMessages.push(message);
    if (message.room !== null && message.room !== '') {
      const lower = message.room.toLowerCase();
      if (!this.logRooms.has(lower)) this.logRooms.set(lower, { name: message.room, time: message.time });
    }
    this.logByTime.add(message);
    if (this.legacyByTime.size > 0) this.absorbLegacy(message);
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

  private refreshSources(): void {
    const seen = new Set<string>();
    for (const found of discoverSources(this.layout)) {
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
    const st = lstatIfExists(source.file);
    if (!st?.isFile()) return;
    if (st.size === source.size && st.mtimeMs === source.mtimeMs) return;
    const fd = openIfExists(source.file);
    if (fd === null) return;
    try {
      const appendOnly =
        source.size >= 0 &&
        source.kind !== 'pythonDm' &&
        st.size > source.size &&
        fileTail(fd, source.size) === source.tail &&
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
      source.tail = fileTail(fd, st.size);
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
    const { blocks, events } = readSourceText(source, text, source.lines);
    source.events.push(...events);
    const matcher: BlockMatcher<StoredMessage> = {
      logMessage: (shape) => this.logByTime.find(shape, (m) => !m.refs.some((r) => r.source === source.key)),
      idFromBlock: (m) => m.refs.some((r) => r.block.id),
      claim: (m, log, block) => {
        m.refs.push({ source: source.key, block });
        if (log) source.claimed.push(m);
        else source.legacy.push(m);
      },
      legacyById: this.legacyById,
      addLegacy: (fields) => {
        const legacy: StoredMessage = { ...fields, seq: this.seq++, refs: [] };
        this.addLegacy(legacy);
        return legacy;
      },
    };
    for (const block of blocks) attachBlock(matcher, source.key, block);
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

  /** Every chatroom (see roomsFrom, the room rule), keyed by lower-cased name. */
  chatrooms(): Map<string, Chatroom> {
    if (this.roomCache) return this.roomCache;
    const transcripts = [...this.sources.values()].filter((s) => s.kind === 'room');
    this.roomCache = roomsFrom({
      statusEntries: this.statusEntries,
      transcripts,
      logRooms: this.logRooms.values(),
    });
    return this.roomCache;
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

/** A message by number, `#N`, or 8-hex id; an 8-digit string is an id only when no message has that number. */
export function lookupMessageRef<M>(
  ref: number | string,
  byNumber: (n: number) => M | undefined,
  byId: (id: string) => M | undefined,
): M | undefined {
  if (typeof ref === 'number') return byNumber(ref);
  const text = ref.replace(/^#/, '');
  if (/^\d+$/.test(text)) {
    const found = byNumber(Number(text));
    if (found || ref.startsWith('#') || text.length !== 8) return found;
  }
  return byId(text);
}
