/**
 * The library API: one object per (directory, instance) that reads through a
 * DirectoryStore and writes every file the older tools read, under one lock.
 * The CLI and the extension are thin shells over this class.
 */
import * as path from 'path';
import { CoordError } from './common/errors';
import { Chatroom, describeRef, InstanceStatus, Message, MessageRef, Notifications } from './common/messageTypes';
import {
  assertInstanceId,
  assertRoomName,
  isValidInstanceId,
  isValidRoomName,
  listChoices,
  stripSigil,
  trimName,
  requireIdentity,
} from './common/names';
import { MAX_MESSAGE_BYTES } from './common/text';
import { formatTimestamp } from './common/time';
import { assertCoordinationDir, resolveDirectory } from './disk/directory';
import { readTextIfExists, writeAtomic } from './disk/fsutil';
import { Layout } from './disk/layout';
import { ActionEntry, lastActions, parseActionLog } from './formats/actionLog';
import { ChatroomStatusEntry } from './formats/chatroomStatus';
import { formatLogLine } from './formats/messagesLog';
import { formatInstanceStatusFile, upsertStatusTxt } from './formats/statuses';
import { knownInstances } from './read/instances';
import { findLogMessage } from './read/logLookup';
import { roomsWithLogEvidence, roomsWithoutLog, roomWithDescription } from './read/roomLookup';
import { bareNameRule, readStatusEntries } from './read/rooms';
import { DirectoryStore, StoredMessage, toMessage } from './read/store';
import type { MessageStore, ReadView } from './read/messageStore';
import { watchDirectory } from './disk/directoryWatch';
import { runSearch, runSearchFirst, SearchOptions } from './search/searchEngine';
import { searchIndexFor } from './search/memoryIndex';
import { CachedCorpus } from './search/indexReader';
import { loadAndPersist, openSummary } from './search/persistedIndex';
import { summaryRoomMessages, summaryThread, summaryTranscriptLines, summaryUnread } from './search/summaryReads';
import { sourceFromKey } from './read/sources';
import { newMessageId, OutgoingMessage, transcriptCopies } from './write/messageWrites';
import { advancePositions, appendReadMarks, markInboxBlocksRead } from './write/readMarkWrites';
import { writeNewRoom, writeRoomStatus } from './write/roomWrites';
import { initDirectory } from './write/initDirectory';
import { WriteSession } from './write/writeSession';
import { mentionsInstance } from './common/mentions';
import { encodeAttention, messageFromStored, SendOptions } from './formats/attentionTags';
import { AckRecord, parseAcks } from './formats/acksFile';
import { AckResult, AckWrite, planAcks } from './attention/ackWrites';
import { ClaimBook, ClaimBookOptions } from './claims/claimBook';
import { formatHuman, HUMAN_ALIAS, HumanEntry, parseHumans } from './formats/humansFile';
import { appendWhole, fileStamp } from './disk/fsutil';
import { AckReport, ackReport } from './attention/ackLedger';
import { DEFAULT_STUCK_AFTER_MS, findStuckAgents, latestActivity, StuckAgent } from './attention/stuckAgents';
import { needsYou, QueueEntry } from './attention/needsYou';
import { roomDigest, RoomDigest } from './attention/roomDigest';
import { coordClock } from './common/clock';
import { type DeliveryState, readDelivery, writeDelivery } from './formats/deliveryCursor';

export { mentionsInstance };
export type { AckResult };

export interface OpenOptions {
  /** The coordination directory; default $COORDINATION_DIR or the nearest `coordination/`. */
  dir?: string;
  /** Who acts; default $CLAUDE_INSTANCE_ID. Needed for writes and for unread state. */
  instance?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Clock for timestamps (tests). */
  now?: () => Date;
  /**
   * Answer reads from the directory's persisted summary while nothing is
   * loaded, reading only what each answer needs (one-shot processes such as
   * the CLI); a long-lived reader that refreshes anyway leaves it off.
   */
  fromSummary?: boolean;
}

export interface SystemStatus {
  instance: string | null;
  totalMessages: number;
  unread: number;
  mentions: number;
  activeChatrooms: number;
  closedChatrooms: number;
  instances: string[];
  recentActivity: ActionEntry[];
}

export interface SystemSummary {
  instance: string | null;
  totalMessages: number;
  unread: number;
  activeChatrooms: number;
  statuses: Record<string, InstanceStatus>;
  recentActivity: ActionEntry[];
}

export interface Conversation {
  peer: string;
  messages: number;
  unread: number;
  last: Message | null;
}

export interface MarkReadResult {
  marked: MessageRef[];
  alreadyRead: number;
}

const MAX_FIELD_LENGTH = 2000;
const ALERT_RE = /\b(urgent|alerts?)\b|system:/i;

/** Alerts, as the older tools count them: urgent, alert, system:. */
export function isAlert(text: string): boolean {
  return ALERT_RE.test(text);
}

export function openCoordination(options: OpenOptions = {}): Coordination {
  const env = options.env ?? process.env;
  const dir = assertCoordinationDir(resolveDirectory({ dir: options.dir, env, cwd: options.cwd }));
  const instance = options.instance ?? (env.CLAUDE_INSTANCE_ID || undefined);
  if (instance !== undefined) assertInstanceId(instance, 'instance id (--as / CLAUDE_INSTANCE_ID)');
  return new Coordination(
    dir,
    instance ?? null,
    options.now ?? coordClock(env),
    undefined,
    options.fromSummary ?? false,
  );
}

/** Creates a coordination directory (or completes one) and opens it. */
export function initCoordination(
  dir: string,
  options: Omit<OpenOptions, 'dir'> = {},
): { coordination: Coordination; created: boolean } {
  const now = options.now ?? coordClock(options.env ?? process.env);
  const { created } = initDirectory(path.resolve(options.cwd ?? process.cwd(), dir), formatTimestamp(now()));
  return {
    coordination: openCoordination({ ...options, dir: path.resolve(options.cwd ?? process.cwd(), dir) }),
    created,
  };
}

/**
 * The operations over one coordination. The rules (visibility, unread,
 * mentions, threads, search, validation) live here and read a MessageStore;
 * the directory's writes are the protected persist* methods, which another
 * backend (src/core/nats) overrides while keeping every rule.
 */
export class Coordination {
  readonly layout: Layout;
  private readonly store: DirectoryStore;
  /** What the rules read: the directory store, or another backend's replica. */
  private readonly reader: MessageStore;
  private readonly writes: WriteSession;
  protected loaded = false;
  private wroteSinceRefresh = false;
  private summaryWanted = false;
  private attentionStamp = '';
  private attentionVersion = 0;
  private ackRecords: AckRecord[] = [];
  private humanEntries: HumanEntry[] = [];
  private activityCache: { stamp: string; map: Map<string, string> } | null = null;
  private viewCache: {
    version: number;
    all: StoredMessage[];
    messages: Message[];
    back: Map<Message, StoredMessage>;
  } | null = null;

  constructor(
    readonly dir: string,
    readonly instance: string | null,
    private readonly now: () => Date,
    reader?: MessageStore,
    private readonly fromSummary = false,
  ) {
    this.layout = new Layout(dir);
    this.store = new DirectoryStore(dir);
    this.reader = reader ?? this.store;
    this.writes = new WriteSession(
      this.layout,
      () => this.timestamp(),
      () => (this.wroteSinceRefresh = true),
    );
  }

  /** Which backend stands behind the operations (see backend/coordinationBackend.ts). */
  get backend(): 'directory' | 'nats' {
    return 'directory';
  }

  /** Calls `listener` after another process changed the directory (fs.watch, debounced, then refresh()). */
  onChange(listener: () => void): () => void {
    return watchDirectory(this.layout, () => this.refresh(), listener);
  }

  /** Nothing to release for a directory. */
  async close(): Promise<void> {}

  /**
   * Writes the summary (the persisted index) that a read looked for and did
   * not find. Called once a command has succeeded: a refused one leaves no file.
   */
  persistCaches(): void {
    if (!this.summaryWanted) return;
    this.summaryWanted = false;
    loadAndPersist(this.layout, () => {
      this.refresh();
      return this.store;
    });
  }

  // ------------------------------------------------------------ reading

  /** Re-reads what changed on disk; returns true when anything did. */
  refresh(): boolean {
    this.loaded = true;
    this.wroteSinceRefresh = false;
    const changed = this.reader.refresh();
    const stamp = this.attentionStampNow();
    if (stamp === this.attentionStamp) return changed;
    this.attentionStamp = stamp;
    this.attentionVersion++;
    this.ackRecords = this.storedAcks();
    this.humanEntries = this.humans();
    return true;
  }

  /** Increases whenever the loaded state changes. */
  get version(): number {
    return this.reader.version + this.attentionVersion;
  }

  /** The store, refreshed first when nothing is loaded yet or this object wrote since. */
  protected get state(): MessageStore {
    if (!this.loaded || this.wroteSinceRefresh) this.refresh();
    return this.reader;
  }

  /**
   * Runs `answer` on the summary when this object reads from it and has
   * loaded nothing; undefined otherwise. A missing or stale summary is
   * rebuilt from a full load (which then answers).
   */
  private viaSummary<T>(answer: (c: CachedCorpus) => T | undefined): T | undefined {
    if (!this.fromSummary || this.loaded) return undefined;
    const corpus = openSummary(this.layout);
    if (!corpus) {
      // Answered by a full load now; the summary is written when the command has succeeded (persistCaches).
      this.summaryWanted = true;
      return undefined;
    }
    try {
      return answer(corpus);
    } finally {
      corpus.close();
    }
  }

  /** Every chatroom under the room rule, keyed by lower-cased name. */
  private roomsKnown(): Map<string, Chatroom> {
    return this.viaSummary((c) => roomsWithLogEvidence(this.layout, c.logRooms())) ?? this.state.chatrooms();
  }

  private totalMessages(): number {
    return this.viaSummary((c) => c.count) ?? this.state.allMessages().length;
  }

  messages(): Message[] {
    return this.state.allMessages().map(toMessage);
  }

  /** Log messages numbered above `after`, then the legacy (unnumbered) ones: cheap right after an append. */
  messagesAfter(after: number): Message[] {
    const store = this.state;
    const out: Message[] = [];
    let last: StoredMessage | undefined;
    for (let n = Math.max(1, after + 1); n <= store.lineCount; n++) {
      const m = store.messageByRef(n);
      if (m && m !== last && m.number !== null && m.number > after) out.push(toMessage(m));
      last = m;
    }
    for (const m of store.allMessages()) if (m.number === null) out.push(toMessage(m));
    return out;
  }

  /** Physical lines in data/messages.log as loaded: the next message's number is this plus one. */
  get lineCount(): number {
    return this.state.lineCount;
  }

  getMessage(ref: MessageRef): Message {
    return toMessage(this.requireMessage(ref));
  }

  listChatrooms(): Chatroom[] {
    return [...this.roomsKnown().values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  getChatroom(name: string): Chatroom {
    const room = this.roomsKnown().get(stripSigil(name, '#').toLowerCase());
    if (!room) throw this.unknownRoom(stripSigil(name, '#'), this.listChatrooms());
    return room;
  }

  checkChatroom(name: string, opts: { limit?: number } = {}): Message[] {
    const room = this.getChatroom(name);
    const lower = room.name.toLowerCase();
    const fast = this.viaSummary((c) => summaryRoomMessages(c, lower, opts.limit));
    if (fast) return fast;
    const list = this.state.allMessages().filter((m) => m.room !== null && m.room.toLowerCase() === lower);
    return lastN(list, opts.limit).map(toMessage);
  }

  /** Direct messages (@-messages and DMs) involving this instance, optionally with one peer. */
  checkDm(peer?: string, opts: { limit?: number } = {}): Message[] {
    const me = this.requireInstance();
    const other = peer === undefined ? undefined : assertInstanceId(stripSigil(peer, '@'), 'instance');
    const list = this.state.allMessages().filter((m) => m.room === null && isBetween(m, me, other));
    return lastN(list, opts.limit).map(toMessage);
  }

  conversations(): Conversation[] {
    const me = this.requireInstance();
    const reads = this.readState();
    const byPeer = new Map<string, Conversation>();
    for (const m of this.state.allMessages()) {
      if (m.room !== null || !isBetween(m, me)) continue;
      const peer = m.from === me ? (m.to ?? '') : m.from;
      const c = byPeer.get(peer) ?? { peer, messages: 0, unread: 0, last: null };
      c.messages++;
      if (!reads.isRead(m)) c.unread++;
      c.last = toMessage(m);
      byPeer.set(peer, c);
    }
    return [...byPeer.values()].sort((a, b) => a.peer.localeCompare(b.peer));
  }

  /** A message and every reply below it, depth first in time order. */
  thread(ref: MessageRef): Message[] {
    const fast = this.viaSummary((c) => summaryThread(c, ref) ?? undefined);
    if (fast) return fast;
    const root = this.requireMessage(ref);
    const children = new Map<string, StoredMessage[]>();
    for (const m of this.state.allMessages()) {
      if (m.replyTo === null) continue;
      const parent = this.state.messageByRef(m.replyTo);
      if (!parent) continue;
      const list = children.get(parent.id + ':' + parent.number) ?? [];
      list.push(m);
      children.set(parent.id + ':' + parent.number, list);
    }
    const out: StoredMessage[] = [];
    const walk = (m: StoredMessage) => {
      out.push(m);
      for (const c of children.get(m.id + ':' + m.number) ?? []) walk(c);
    };
    walk(root);
    return out.map(toMessage);
  }

  /** Whether one message is visible to this instance (open room, or addressed to or from it). */
  isVisible(m: Message): boolean {
    const stored = this.requireMessage(m.number ?? m.id);
    return this.visible(stored, this.state.chatrooms());
  }

  private visible(m: Pick<StoredMessage, 'from' | 'room' | 'to'>, rooms: Map<string, Chatroom>): boolean {
    return this.visibleTo(m, rooms, this.instance);
  }

  private visibleTo(
    m: Pick<StoredMessage, 'from' | 'room' | 'to'>,
    rooms: Map<string, Chatroom>,
    who: string | null,
  ): boolean {
    if (m.room !== null) return rooms.get(m.room.toLowerCase())?.status !== 'closed';
    return who !== null && (m.to === who || m.from === who);
  }

  protected readState(): ReadView {
    return this.state.readState(this.requireInstance());
  }

  /** Unread messages this instance can see, oldest first. Its own messages never count. */
  checkUnread(opts: { room?: string; limit?: number } = {}): Message[] {
    return lastN(this.unreadStored(opts.room), opts.limit).map(toMessage);
  }

  protected unreadStored(room?: string): StoredMessage[] {
    const me = this.requireInstance();
    const rooms = this.roomsKnown();
    const roomLower = room === undefined ? undefined : this.getChatroom(room).name.toLowerCase();
    const shown = (m: Pick<StoredMessage, 'from' | 'room' | 'to'>) =>
      m.from !== me && this.visible(m, rooms) && (roomLower === undefined || m.room?.toLowerCase() === roomLower);
    const fast = this.viaSummary((c) => summaryUnread(this.layout, c, me, shown));
    if (fast) return fast;
    const reads = this.readState();
    return this.state.allMessages().filter((m) => shown(m) && !reads.isRead(m));
  }

  /** Unread counts per room ("#name") and per DM peer ("@id"). */
  unreadCounts(): { total: number; mentions: number; byTarget: Record<string, number> } {
    const me = this.requireInstance();
    const byTarget: Record<string, number> = {};
    let mentions = 0;
    const unread = this.unreadStored();
    for (const m of unread) {
      const key = m.room !== null ? `#${m.room}` : `@${m.from === me ? m.to : m.from}`;
      byTarget[key] = (byTarget[key] ?? 0) + 1;
      if (mentionsInstance(m.text, me)) mentions++;
    }
    return { total: unread.length, mentions, byTarget };
  }

  checkNotifications(): Notifications {
    const me = this.requireInstance();
    const unread = this.unreadStored();
    return {
      mentions: unread.filter((m) => mentionsInstance(m.text, me)).map(toMessage),
      alerts: unread.filter((m) => isAlert(m.text)).map(toMessage),
    };
  }

  checkInbox(): { unread: number; directMessages: Message[]; mentions: Message[] } {
    const me = this.requireInstance();
    const unread = this.unreadStored();
    return {
      unread: unread.length,
      directMessages: unread.filter((m) => m.room === null).map(toMessage),
      mentions: unread.filter((m) => m.room !== null && mentionsInstance(m.text, me)).map(toMessage),
    };
  }

  search(query: string, opts: SearchOptions = {}): Message[] {
    // The index lives as long as the store; only messages added since the last search are indexed.
    return runSearch(searchIndexFor(this.state), query, opts);
  }

  /**
   * What a search box shows: the first `max` messages of search()'s answer
   * that this instance may see (as isVisible decides), and how many it may
   * see in all. Ranked answers order only those `max` (a query matching
   * nearly every message costs about what one with few matches does).
   */
  searchBest(query: string, opts: SearchOptions, max: number): { total: number; messages: Message[] } {
    const index = searchIndexFor(this.state);
    // visibleTo's rule over the index's place numbers: open rooms, and what was sent by or to me.
    const places = index.places();
    const closed = new Set<number>();
    for (const [name, room] of this.state.chatrooms()) if (room.status === 'closed') closed.add(index.placeId(name));
    const me = this.instance === null ? -1 : index.placeId(this.instance);
    const keep = (i: number) => {
      const room = places.room[i];
      if (room >= 0) return !closed.has(room);
      return me >= 0 && (places.to[i] === me || places.from[i] === me);
    };
    const { total, positions } = runSearchFirst(index, query, opts, max, keep);
    return { total, messages: positions.map((i) => index.message(i)) };
  }

  /** Builds (or brings up to date) the search index now, e.g. off the extension's activation path. */
  warmSearchIndex(): void {
    searchIndexFor(this.state);
  }

  statuses(): Record<string, InstanceStatus> {
    return Object.fromEntries([...this.state.statuses()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Instances that have used a coordination tool here (they have read marks or a status), and DM peers. */
  knownInstances(): string[] {
    return knownInstances(this.layout, this.instance);
  }

  actionLog(opts: { limit?: number } = {}): ActionEntry[] {
    if (opts.limit !== undefined && opts.limit > 0) return lastActions(this.layout.actionLog, opts.limit);
    return parseActionLog(readTextIfExists(this.layout.actionLog));
  }

  systemStatus(): SystemStatus {
    const rooms = this.listChatrooms();
    const counts = this.instance ? this.unreadCounts() : { total: 0, mentions: 0 };
    return {
      instance: this.instance,
      totalMessages: this.totalMessages(),
      unread: counts.total,
      mentions: counts.mentions,
      activeChatrooms: rooms.filter((r) => r.status === 'open').length,
      closedChatrooms: rooms.filter((r) => r.status === 'closed').length,
      instances: this.knownInstances(),
      recentActivity: this.actionLog({ limit: 10 }),
    };
  }

  systemSummary(): SystemSummary {
    return {
      instance: this.instance,
      totalMessages: this.totalMessages(),
      unread: this.instance ? this.unreadCounts().total : 0,
      activeChatrooms: this.listChatrooms().filter((r) => r.status === 'open').length,
      statuses: this.statuses(),
      recentActivity: this.actionLog({ limit: 20 }),
    };
  }

  // ------------------------------------------------------------ writing

  /** Sends to "#room" or "@instance" (a bare name is a room if one exists, else an instance). */
  async send(target: string, text: string, options: SendOptions = {}): Promise<Message> {
    const me = this.requireInstance();
    checkText(text);
    const resolved = this.resolveTarget(target);
    const stored = encodeAttention(text, options);
    return this.writeMessage({ from: me, target: resolved, dm: false, text: stored, replyTo: null });
  }

  async sendDm(peer: string, text: string, options: SendOptions = {}): Promise<Message> {
    const me = this.requireInstance();
    checkText(text);
    const to = this.requireKnownInstance(stripSigil(peer.trim(), '@'));
    if (to === me)
      throw new CoordError(
        'invalid-input',
        `you are ${me}: a direct message needs another instance (${listChoices(
          this.knownInstances().filter((i) => i !== me),
          '@',
        )})`,
      );
    return this.writeMessage({
      from: me,
      target: `@${to}`,
      dm: true,
      text: encodeAttention(text, options),
      replyTo: null,
    });
  }

  /** Replies in the parent's own room or conversation, threaded under it. */
  async reply(ref: MessageRef, text: string, options: SendOptions = {}): Promise<Message> {
    const me = this.requireInstance();
    checkText(text);
    const parent = this.findParent(ref);
    let target: string;
    if (parent.room !== null) {
      target = `#${parent.room}`;
      this.requireOpenRoom(parent.room);
    } else {
      if (parent.from !== me && parent.to !== me) {
        throw new CoordError(
          'invalid-input',
          `message ${describeRef(ref)} is a direct message between ${parent.from} and ${parent.to}; ` +
            `you (${me}) can only reply to your own conversations`,
        );
      }
      const other = parent.from === me ? parent.to : parent.from;
      if (!other || !isValidInstanceId(other))
        throw new CoordError('invalid-input', `message ${describeRef(ref)} has no valid recipient to reply to`);
      target = `@${other}`;
    }
    const replyTo = parent.number ?? parent.id;
    return this.writeMessage({
      from: me,
      target,
      dm: parent.dm,
      text: encodeAttention(text, options),
      replyTo,
      replyToSender: parent.from,
    });
  }

  /**
   * Marks messages read: numbers, 8-hex ids, or every unread message this
   * instance can see ('all'). Python sees the marks (read-status/<id>.txt),
   * bash sees inbox STATUS lines and, for 'all', transcript positions.
   */
  async markRead(refs: MessageRef[] | 'all'): Promise<MarkReadResult> {
    const me = this.requireInstance();
    // Marking all needs the unread messages and the transcripts' lengths: the summary has both.
    const lines = refs === 'all' ? this.viaSummary((c) => summaryTranscriptLines(this.layout, c)) : undefined;
    if (!lines) this.refresh();
    const targets: StoredMessage[] = refs === 'all' ? this.unreadStored() : refs.map((r) => this.requireMessage(r));
    const unique = [...new Set(targets)];
    const reads = lines ? null : this.readState();
    const fresh = reads ? unique.filter((m) => !reads.isRead(m)) : unique;
    const time = this.timestamp();
    const summary = refs === 'all' ? `All ${fresh.length} messages marked as read` : describeMarked(fresh);
    await this.persistReadMarks(
      me,
      fresh,
      time,
      refs === 'all',
      { action: refs === 'all' ? 'MARK_READ_ALL' : 'MARK_READ', details: summary },
      lines,
    );
    return { marked: fresh.map((m) => m.number ?? m.id), alreadyRead: unique.length - fresh.length };
  }

  /** Python's marks, the read receipts, bash's inbox STATUS lines and (for 'all') positions, under the lock. */
  protected persistReadMarks(
    me: string,
    fresh: StoredMessage[],
    time: string,
    all: boolean,
    action: ActionRecord,
    lines?: TranscriptLines,
  ): Promise<void> {
    return this.writes.locked(() => {
      this.writes.registerSelf(me);
      appendReadMarks(this.layout, me, fresh, time);
      markInboxBlocksRead(this.layout, sourceFromKey, me, fresh);
      if (all) advancePositions(this.layout, lines ?? this.store.transcriptLines(), me);
      this.writes.logAction(me, action.action, action.details);
    });
  }

  async createChatroom(name: string, description = ''): Promise<Chatroom> {
    const me = this.requireInstance();
    const room = assertRoomName(stripSigil(trimName(name), '#'));
    checkField(description, 'description');
    const time = this.timestamp();
    const entry: ChatroomStatusEntry = {
      name: room,
      status: 'open',
      creator: me,
      created: time,
      modified: time,
      reason: '',
    };
    return this.persistNewRoom(entry, description.trim(), {
      action: 'CHATROOM_CREATED',
      details: `Created chatroom '${room}' with description: ${description.trim()}`,
    });
  }

  /** The status-file line and the transcript's SYSTEM lines, unless the name is taken (checked under the lock). */
  protected persistNewRoom(entry: ChatroomStatusEntry, description: string, action: ActionRecord): Promise<Chatroom> {
    return this.writes.locked(() => {
      const { room: existing } = this.lookupRoom(entry.name);
      if (existing) throw roomExistsError(existing);
      this.writes.registerSelf(entry.creator);
      writeNewRoom(this.layout, entry, description);
      this.writes.logAction(entry.creator, action.action, action.details);
      return { ...entry, description };
    });
  }

  async closeChatroom(name: string, reason = ''): Promise<Chatroom> {
    return this.setRoomStatus(name, 'closed', reason);
  }

  async reopenChatroom(name: string, reason = ''): Promise<Chatroom> {
    return this.setRoomStatus(name, 'open', reason);
  }

  async updateStatus(text: string): Promise<InstanceStatus> {
    const me = this.requireInstance();
    if (!text.trim())
      throw new CoordError(
        'invalid-input',
        'status text is empty; say what you are working on, e.g. coord update-status "reviewing #12"',
      );
    checkField(text, 'status');
    const status = { instance: me, text: text.trim().replace(/\s*[\r\n]+\s*/g, ' '), updated: this.timestamp() };
    await this.persistStatus(status, { action: 'UPDATE_STATUS', details: `Status updated to: ${status.text}` });
    return { text: status.text, updated: status.updated };
  }

  /** status_<id>.txt for Python, status.txt for bash, under the lock. */
  protected persistStatus(
    status: { instance: string; text: string; updated: string },
    action: ActionRecord,
  ): Promise<void> {
    return this.writes.locked(() => {
      this.writes.registerSelf(status.instance);
      writeAtomic(this.layout.instanceStatus(status.instance), formatInstanceStatusFile(status));
      writeAtomic(this.layout.statusTxt, upsertStatusTxt(readTextIfExists(this.layout.statusTxt), status));
      this.writes.logAction(status.instance, action.action, action.details);
    });
  }

  // ------------------------------------------------------------ attention (see attention/)

  /** The registered humans, in the order they registered. */
  humans(): HumanEntry[] {
    return parseHumans(readTextIfExists(this.layout.humansFile));
  }

  /** Every acknowledgement as stored now. */
  protected storedAcks(): AckRecord[] {
    return parseAcks(readTextIfExists(this.layout.acksFile));
  }

  /** Changes whenever the acknowledgements or the humans do. */
  protected attentionStampNow(): string {
    return fileStamp(this.layout.acksFile) + ';' + fileStamp(this.layout.humansFile);
  }

  /** Registers a human (default: this identity) so agents can reach it as `@human` or by id. */
  async registerHuman(id?: string): Promise<{ human: HumanEntry; created: boolean }> {
    const who = assertInstanceId(id === undefined ? this.requireInstance() : stripSigil(id.trim(), '@'), 'human id');
    return this.persistHuman({ id: who, since: this.timestamp() }, this.instance ?? who, {
      action: 'REGISTER_HUMAN',
      details: `Registered ${who} as a human`,
    });
  }

  /** Appends the human unless already registered (checked under the lock). */
  protected persistHuman(
    human: HumanEntry,
    actor: string,
    action: ActionRecord,
  ): Promise<{ human: HumanEntry; created: boolean }> {
    return this.writes.locked(() => {
      const existing = this.humans().find((h) => h.id === human.id);
      if (existing) return { human: existing, created: false };
      this.writes.registerSelf(human.id);
      appendWhole(this.layout.humansFile, formatHuman(human));
      this.writes.logAction(actor, action.action, action.details);
      return { human, created: true };
    });
  }

  /** Acknowledges messages (an ack is also a read). Acking twice is harmless; your own messages cannot be acked. */
  async ack(refs: MessageRef[]): Promise<AckResult> {
    const me = this.requireInstance();
    if (refs.length === 0) throw new CoordError('usage', 'ack needs message numbers, e.g. coord ack 12 14');
    this.refresh();
    const rooms = this.state.chatrooms();
    const targets = [...new Set(refs.map((r) => this.requireMessage(r)))];
    for (const m of targets) {
      if (m.from === me)
        throw new CoordError(
          'invalid-input',
          `message ${describeRef(m.number ?? m.id)} is your own; ` +
            'acknowledgements come from the ones it was sent to (see coord acks)',
        );
      if (!this.visibleTo(m, rooms, me))
        throw new CoordError(
          'invalid-input',
          `message ${describeRef(m.number ?? m.id)} is not one you can see ` +
            "(a closed room, or another pair's conversation); nothing was acknowledged",
        );
    }
    const result = await this.persistAcks(me, (current) => planAcks(current, targets, me, this.timestamp()));
    await this.markRead(targets.map((m) => m.number ?? m.id));
    return result;
  }

  /** Appends the acks `plan` decides from the current records, under the lock. */
  protected persistAcks(me: string, plan: (current: AckRecord[]) => AckWrite): Promise<AckResult> {
    return this.writes.locked(() => {
      const { lines, action, result } = plan(this.storedAcks());
      this.writes.registerSelf(me);
      if (lines !== '') appendWhole(this.layout.acksFile, lines);
      if (action) this.writes.logAction(me, action.action, action.details);
      return result;
    });
  }

  /** What this instance's hooks and waits have handed over (live/delivery.ts); null before the first. */
  async deliveryState(): Promise<DeliveryState | null> {
    return readDelivery(this.layout, this.requireInstance());
  }

  async saveDeliveryState(state: DeliveryState): Promise<void> {
    writeDelivery(this.layout, this.requireInstance(), state);
  }

  /** The file claims of this coordination (data/claims.json), as this instance. */
  claimBook(options: Omit<ClaimBookOptions, 'store'> = {}): ClaimBook {
    return new ClaimBook(this.dir, this.instance, options);
  }

  /** What I still owe (acks asked of me) and what others owe me, with ages. */
  acks(opts: { pendingOnly?: boolean } = {}): AckReport {
    const me = this.requireInstance();
    const view = this.attentionView();
    return ackReport({
      me,
      messages: view.messages,
      acks: this.ackRecords,
      known: this.knownInstances(),
      humans: this.humanEntries.map((h) => h.id),
      visible: (m) => this.visibleTo(view.stored(m), view.rooms, me),
      now: this.now(),
      pendingOnly: !!opts.pendingOnly,
    });
  }

  /** Agents with unread messages addressed to them and no activity for `stuckAfterMs` (humans are not agents). */
  stuckAgents(opts: { stuckAfterMs?: number } = {}): StuckAgent[] {
    const view = this.attentionView();
    const humans = this.humanEntries.map((h) => h.id);
    const activity = this.lastActivity(view.messages);
    return findStuckAgents({
      agents: this.knownInstances().filter((id) => !humans.includes(id)),
      humans,
      messages: view.messages,
      isRead: (m, who) => this.state.readState(who).isRead(view.stored(m)),
      visibleTo: (m, who) => this.visibleTo(view.stored(m), view.rooms, who),
      lastActivity: activity,
      now: this.now(),
      stuckAfterMs: opts.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS,
    });
  }

  /** What is waiting on this identity (see attention/needsYou.ts); `extra` adds other features' entries. */
  needsYou(opts: { stuckAfterMs?: number; extra?: QueueEntry[] } = {}): QueueEntry[] {
    const me = this.requireInstance();
    const view = this.attentionView();
    const reads = this.readState();
    return needsYou({
      me,
      humans: this.humanEntries.map((h) => h.id),
      known: this.knownInstances(),
      messages: view.messages,
      acks: this.ackRecords,
      isRead: (m) => reads.isRead(view.stored(m)),
      visible: (m) => this.visibleTo(view.stored(m), view.rooms, me),
      stuck: this.stuckAgents(opts),
      extra: opts.extra,
    });
  }

  /** "Since you last looked" for a room: a digest of its messages this identity has not read. */
  roomDigest(room: string): RoomDigest {
    const fresh = this.checkUnread({ room });
    return roomDigest(fresh, this.checkChatroom(room));
  }

  /** Each id's latest activity: a message, a logged action, a status. Cached while nothing changed. */
  private lastActivity(messages: Message[]): Map<string, string> {
    const stamp = `${this.version};${fileStamp(this.layout.actionLog)}`;
    if (this.activityCache?.stamp === stamp) return this.activityCache.map;
    const map = latestActivity([
      ...this.actionLog().map((a) => ({ id: a.instance, time: a.time })),
      ...messages.map((m) => ({ id: m.from, time: m.time })),
      ...Object.entries(this.statuses()).map(([id, st]) => ({ id, time: st.updated })),
    ]);
    this.activityCache = { stamp, map };
    return map;
  }

  /** Every message as the public shape, with the stored one behind each (for read state and visibility). */
  private attentionView(): {
    messages: Message[];
    stored: (m: Message) => StoredMessage;
    rooms: Map<string, Chatroom>;
  } {
    const all = this.state.allMessages();
    if (this.viewCache?.version !== this.version || this.viewCache.all !== all) {
      const messages = all.map(toMessage);
      const back = new Map<Message, StoredMessage>(messages.map((m, i) => [m, all[i]]));
      this.viewCache = { version: this.version, all, messages, back };
    }
    const { messages, back } = this.viewCache;
    return {
      messages,
      stored: (m) => back.get(m) ?? this.requireMessage(m.number ?? m.id),
      rooms: this.state.chatrooms(),
    };
  }

  private theHuman(): string {
    const humans = this.humans().map((h) => h.id);
    if (humans.length === 1) return humans[0];
    if (humans.length === 0)
      throw new CoordError(
        'not-found',
        'no human is registered here, so @human reaches no one; ' +
          "a person registers with 'coord register-human ID' or the extension's coordination.humanId setting",
      );
    throw new CoordError(
      'invalid-input',
      `@human is ambiguous: the humans are ${listChoices(humans, '@')}; address one of them`,
    );
  }

  // ------------------------------------------------------------ internals

  protected timestamp(): string {
    return formatTimestamp(this.now());
  }

  protected requireInstance(): string {
    return requireIdentity(this.instance);
  }

  protected requireMessage(ref: MessageRef): StoredMessage {
    const m = this.state.messageByRef(ref);
    if (!m) {
      const count = this.state.lineCount;
      const range = count > 0 ? `numbers run from 1 to ${count}` : 'the log has no numbered messages yet';
      throw new CoordError(
        'not-found',
        `no message ${describeRef(ref)}: ${range}; ` +
          'legacy messages are referred to by their 8-hex id (see check-chatroom)',
      );
    }
    return m;
  }

  protected resolveTarget(raw: string): string {
    const target = raw.trim();
    if (target === '' || target === '#' || target === '@') {
      throw new CoordError(
        'invalid-input',
        `empty target: send to #room or @instance (rooms: ${listChoices(
          this.lookupRoom('').rooms.map((r) => r.name),
          '#',
        )})`,
      );
    }
    if (target.startsWith('@')) return `@${this.requireKnownInstance(target.slice(1))}`;
    if (target.startsWith('#')) return `#${this.requireOpenRoom(target.slice(1)).name}`;
    const { room, rooms } = this.lookupRoom(target);
    if (room) return `#${this.requireOpenRoom(target).name}`;
    if (this.knownInstances().includes(target) || target === HUMAN_ALIAS)
      return `@${this.requireKnownInstance(target)}`;
    throw new CoordError(
      'not-found',
      `unknown target '${target}': use #room (${listChoices(
        rooms.filter((r) => r.status === 'open').map((r) => r.name),
        '#',
      )}) or @instance (${listChoices(this.knownInstances(), '@')})`,
    );
  }

  /**
   * A room by name under the room rule, and every room (for error messages).
   * The status file and the transcripts answer most lookups; only a name they
   * do not know needs the store, which reads the log for rooms the older tools
   * wrote to without creating them.
   */
  protected lookupRoom(name: string): { room: Chatroom | undefined; rooms: Chatroom[] } {
    const lower = name.toLowerCase();
    const light = roomsWithoutLog(this.layout);
    const hit = light.get(lower);
    if (hit) return { room: hit, rooms: [...light.values()] };
    this.refresh();
    const all = this.store.chatrooms();
    return { room: all.get(lower), rooms: [...all.values()] };
  }

  protected requireOpenRoom(name: string): Chatroom {
    if (!isValidRoomName(name)) assertRoomName(name);
    const { room, rooms } = this.lookupRoom(name);
    if (!room) throw this.unknownRoom(name, rooms);
    if (room.status === 'closed') {
      const open = listChoices(
        rooms.filter((r) => r.status === 'open').map((r) => r.name),
        '#',
      );
      throw new CoordError(
        'closed',
        `chatroom #${room.name} is closed${room.reason ? ` (${room.reason})` : ''}; ` +
          `reopen it with 'coord reopen-chatroom ${room.name} REASON' or pick an open room: ${open}`,
      );
    }
    return room;
  }

  protected unknownRoom(name: string, rooms: Chatroom[]): CoordError {
    return new CoordError(
      'not-found',
      `unknown chatroom '${name}': open rooms are ${listChoices(
        rooms.filter((r) => r.status === 'open').map((r) => r.name),
        '#',
      )}; create one with 'coord create-chatroom ${isValidRoomName(name) ? name : 'NAME'} DESCRIPTION'`,
    );
  }

  protected requireKnownInstance(raw: string): string {
    const known = this.knownInstances();
    const id = raw === HUMAN_ALIAS && !known.includes(HUMAN_ALIAS) ? this.theHuman() : raw;
    assertInstanceId(id, 'recipient');
    if (!known.includes(id)) {
      throw new CoordError(
        'not-found',
        `unknown instance '${id}': known instances are ${listChoices(known, '@')} ` +
          '(an instance becomes known once it runs coord or coordination.py as itself)',
      );
    }
    return id;
  }

  private async setRoomStatus(name: string, status: 'open' | 'closed', reason: string): Promise<Chatroom> {
    const me = this.requireInstance();
    const roomName = stripSigil(trimName(name), '#');
    assertRoomName(roomName);
    checkField(reason, 'reason');
    return this.persistRoomStatus(me, roomName, status, reason.trim(), this.timestamp());
  }

  /** Rewrites the room's status line and adds the transcript's SYSTEM lines, under the lock. */
  protected persistRoomStatus(
    me: string,
    roomName: string,
    status: 'open' | 'closed',
    reason: string,
    time: string,
  ): Promise<Chatroom> {
    return this.writes.locked(() => {
      const { room, rooms } = this.lookupRoom(roomName);
      if (!room) throw this.unknownRoom(roomName, rooms);
      const { action } = roomStatusChange(room, status, reason, time);
      this.writes.registerSelf(me);
      writeRoomStatus(this.layout, room, { status, reason, by: me, time });
      this.writes.logAction(me, action.action, action.details);
      return roomWithDescription(this.layout, room.name)!;
    });
  }

  /** Finds a parent without loading the whole log when it is referred to by number. */
  protected findParent(ref: MessageRef): StoredMessage {
    const asNumber = typeof ref === 'number' ? ref : /^#?\d+$/.test(ref) ? Number(ref.replace('#', '')) : null;
    if (asNumber === null || this.loaded) return this.requireMessage(ref);
    const found = findLogMessage(this.layout, asNumber, bareNameRule(this.layout, readStatusEntries(this.layout)));
    return found ? { ...found, seq: 0, refs: [] } : this.requireMessage(ref);
  }

  protected async writeMessage(input: OutgoingMessage): Promise<Message> {
    const time = this.timestamp();
    const id = newMessageId();
    const line = formatLogLine({ ...input, time });
    const action = input.replyTo !== null ? 'REPLY_MESSAGE' : input.dm ? 'SEND_DM' : 'SEND_MESSAGE';
    const details =
      input.replyTo !== null
        ? `Replied to message #${input.replyTo} from ${input.replyToSender ?? ''} | To: ${input.target} | ID: ${id}`
        : `To: ${input.dm ? input.target.slice(1) : input.target} | ID: ${id}`;
    return this.persistMessage({ ...input, time, id, line, action, details });
  }

  /** Appends the log line (its number is the line's), the transcript copies and the action, under the lock. */
  protected persistMessage(w: MessageWrite): Promise<Message> {
    return this.writes.locked(() => {
      // Checked again under the lock: a room may have closed since.
      if (w.target.startsWith('#')) this.requireOpenRoom(w.target.slice(1));
      this.writes.registerSelf(w.from);
      const copies = [
        ...transcriptCopies(this.layout, w, w.time, w.id),
        this.writes.actionLine(w.from, w.action, w.details),
      ];
      const number = this.writes.writeMessage(w.line, copies);
      return writtenMessage(w, number);
    });
  }
}

// ---------------------------------------------------------------- helpers

/** Each transcript's length in lines, for bash's positions file. */
type TranscriptLines = ReturnType<DirectoryStore['transcriptLines']>;

/** An action-log entry a write records. */
export interface ActionRecord {
  action: string;
  details: string;
}

/** A message ready to persist: its time, id, log line and the action-log entry. */
export interface MessageWrite extends OutgoingMessage {
  time: string;
  id: string;
  line: string;
  action: string;
  details: string;
}

/** The message a backend stored, as the operations return it. */
export function writtenMessage(w: MessageWrite, number: number): Message {
  return messageFromStored({
    number,
    id: w.id,
    time: w.time,
    from: w.from,
    target: w.target,
    text: w.text,
    replyTo: w.replyTo,
  });
}

/** Room names are unique regardless of case. */
export function roomExistsError(existing: Chatroom): CoordError {
  return new CoordError(
    'conflict',
    `chatroom '${existing.name}' already exists (names are unique regardless of case); ` +
      `pick another name or use #${existing.name}`,
  );
}

/** Closing or reopening a room: the new entry and the action-log line, or a conflict when nothing changes. */
export function roomStatusChange(
  room: Chatroom,
  status: 'open' | 'closed',
  reason: string,
  time: string,
): { updated: ChatroomStatusEntry; action: ActionRecord } {
  if (room.status === status) {
    const verb = status === 'closed' ? 'close' : 'reopen';
    throw new CoordError('conflict', `chatroom #${room.name} is already ${status}; nothing to ${verb}`);
  }
  const updated: ChatroomStatusEntry = {
    name: room.name,
    status,
    creator: room.creator,
    created: room.created,
    modified: time,
    reason: status === 'closed' ? reason : '',
  };
  const action = {
    action: status === 'closed' ? 'CHATROOM_CLOSED' : 'CHATROOM_REOPENED',
    details: `${status === 'closed' ? 'Closed' : 'Reopened'} chatroom '${room.name}' - Reason: ${reason}`,
  };
  return { updated, action };
}

function lastN<T>(list: T[], limit?: number): T[] {
  return limit !== undefined && limit > 0 && list.length > limit ? list.slice(list.length - limit) : list;
}

function isBetween(m: StoredMessage, me: string, other?: string): boolean {
  const involved = m.from === me || m.to === me;
  if (!involved) return false;
  if (other === undefined) return true;
  return m.from === other || m.to === other;
}

function checkText(text: string): void {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new CoordError(
      'invalid-input',
      'message text is empty; give the text as the last argument (quote it), or pipe it with --stdin',
    );
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new CoordError(
      'invalid-input',
      `message is ${bytes} bytes; the limit is ${MAX_MESSAGE_BYTES} (64 KiB): split it or attach a file path instead`,
    );
  }
}

function checkField(text: string, what: string): void {
  if (text.length > MAX_FIELD_LENGTH)
    throw new CoordError('invalid-input', `${what} is ${text.length} characters; keep it under ${MAX_FIELD_LENGTH}`);
}

function describeMarked(messages: StoredMessage[]): string {
  if (messages.length === 0) return 'No new messages marked as read';
  if (messages.length === 1) return `Message ${messages[0].number ?? messages[0].id} marked as read`;
  return `${messages.length} messages marked as read: ${messages
    .slice(0, 20)
    .map((m) => m.number ?? m.id)
    .join(', ')}${messages.length > 20 ? ', …' : ''}`;
}
