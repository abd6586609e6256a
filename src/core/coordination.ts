/**
 * The library API: one object per (directory, instance) that reads through a
 * DirectoryStore and writes every file the older tools read, under one lock.
 * The CLI and the extension are thin shells over this class.
 */
import * as path from 'path';
import { CoordError } from './common/errors';
import { Chatroom, InstanceStatus, Message, MessageRef, Notifications } from './common/messageTypes';
import {
  assertInstanceId,
  assertRoomName,
  isValidInstanceId,
  isValidRoomName,
  listChoices,
  stripSigil,
  trimName,
} from './common/names';
import { MAX_MESSAGE_BYTES } from './common/text';
import { formatTimestamp } from './common/time';
import { assertCoordinationDir, resolveDirectory } from './disk/directory';
import { readTextIfExists, writeAtomic } from './disk/fsutil';
import { Layout } from './disk/layout';
import { ActionEntry, parseActionLog } from './formats/actionLog';
import { ChatroomStatusEntry } from './formats/chatroomStatus';
import { formatLogLine } from './formats/messagesLog';
import { formatInstanceStatusFile, upsertStatusTxt } from './formats/statuses';
import { knownInstances } from './read/instances';
import { findLogMessage } from './read/logLookup';
import { ReadState } from './read/readState';
import { roomsWithoutLog, roomWithDescription } from './read/roomLookup';
import { bareNameRule, readStatusEntries } from './read/rooms';
import { DirectoryStore, StoredMessage, toMessage } from './read/store';
import { runSearch, SearchOptions } from './search/searchEngine';
import { searchIndexFor } from './search/memoryIndex';
import { newMessageId, OutgoingMessage, transcriptCopies } from './write/messageWrites';
import { advancePositions, appendReadMarks, markInboxBlocksRead } from './write/readMarkWrites';
import { writeNewRoom, writeRoomStatus } from './write/roomWrites';
import { initDirectory } from './write/initDirectory';
import { WriteSession } from './write/writeSession';

export interface OpenOptions {
  /** The coordination directory; default $COORDINATION_DIR or the nearest `coordination/`. */
  dir?: string;
  /** Who acts; default $CLAUDE_INSTANCE_ID. Needed for writes and for unread state. */
  instance?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Clock for timestamps (tests). */
  now?: () => Date;
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
  return new Coordination(dir, instance ?? null, options.now ?? (() => new Date()));
}

/** Creates a coordination directory (or completes one) and opens it. */
export function initCoordination(
  dir: string,
  options: Omit<OpenOptions, 'dir'> = {},
): { coordination: Coordination; created: boolean } {
  const now = options.now ?? (() => new Date());
  const { created } = initDirectory(path.resolve(options.cwd ?? process.cwd(), dir), formatTimestamp(now()));
  return {
    coordination: openCoordination({ ...options, dir: path.resolve(options.cwd ?? process.cwd(), dir) }),
    created,
  };
}

export class Coordination {
  readonly layout: Layout;
  private readonly store: DirectoryStore;
  private readonly writes: WriteSession;
  private loaded = false;
  private wroteSinceRefresh = false;

  constructor(
    readonly dir: string,
    readonly instance: string | null,
    private readonly now: () => Date,
  ) {
    this.layout = new Layout(dir);
    this.store = new DirectoryStore(dir);
    this.writes = new WriteSession(
      this.layout,
      () => this.timestamp(),
      () => (this.wroteSinceRefresh = true),
    );
  }

  // ------------------------------------------------------------ reading

  /** Re-reads what changed on disk; returns true when anything did. */
  refresh(): boolean {
    this.loaded = true;
    this.wroteSinceRefresh = false;
    return this.store.refresh();
  }

  /** Increases whenever the loaded state changes. */
  get version(): number {
    return this.store.version;
  }

  /** The store, refreshed first when nothing is loaded yet or this object wrote since. */
  private get state(): DirectoryStore {
    if (!this.loaded || this.wroteSinceRefresh) this.refresh();
    return this.store;
  }

  messages(): Message[] {
    return this.state.allMessages().map(toMessage);
  }

  getMessage(ref: MessageRef): Message {
    return toMessage(this.requireMessage(ref));
  }

  listChatrooms(): Chatroom[] {
    return [...this.state.chatrooms().values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  getChatroom(name: string): Chatroom {
    const room = this.state.chatrooms().get(stripSigil(name, '#').toLowerCase());
    if (!room) throw this.unknownRoom(stripSigil(name, '#'), this.listChatrooms());
    return room;
  }

  checkChatroom(name: string, opts: { limit?: number } = {}): Message[] {
    const room = this.getChatroom(name);
    const lower = room.name.toLowerCase();
    const list = this.state.allMessages().filter((m) => m.room !== null && m.room.toLowerCase() === lower);
    return lastN(list, opts.limit).map(toMessage);
  }

  /** Direct messages (@-messages and DMs) involving this instance, optionally with one peer. */
  checkDm(peer?: string, opts: { limit?: number } = {}): Message[] {
    const me = this.requireInstance();
    const other = peer === undefined ? undefined : stripSigil(peer, '@');
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

  private visible(m: StoredMessage, rooms: Map<string, Chatroom>): boolean {
    if (m.room !== null) return rooms.get(m.room.toLowerCase())?.status !== 'closed';
    return this.instance !== null && (m.to === this.instance || m.from === this.instance);
  }

  private readState(): ReadState {
    return this.state.readState(this.requireInstance());
  }

  /** Unread messages this instance can see, oldest first. Its own messages never count. */
  checkUnread(opts: { room?: string; limit?: number } = {}): Message[] {
    return lastN(this.unreadStored(opts.room), opts.limit).map(toMessage);
  }

  private unreadStored(room?: string): StoredMessage[] {
    const me = this.requireInstance();
    const rooms = this.state.chatrooms();
    const reads = this.readState();
    const roomLower = room === undefined ? undefined : this.getChatroom(room).name.toLowerCase();
    return this.state
      .allMessages()
      .filter(
        (m) =>
          m.from !== me &&
          this.visible(m, rooms) &&
          (roomLower === undefined || m.room?.toLowerCase() === roomLower) &&
          !reads.isRead(m),
      );
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
    return lastN(parseActionLog(readTextIfExists(this.layout.actionLog)), opts.limit);
  }

  systemStatus(): SystemStatus {
    const rooms = this.listChatrooms();
    const counts = this.instance ? this.unreadCounts() : { total: 0, mentions: 0 };
    return {
      instance: this.instance,
      totalMessages: this.state.allMessages().length,
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
      totalMessages: this.state.allMessages().length,
      unread: this.instance ? this.unreadCounts().total : 0,
      activeChatrooms: this.listChatrooms().filter((r) => r.status === 'open').length,
      statuses: this.statuses(),
      recentActivity: this.actionLog({ limit: 20 }),
    };
  }

  // ------------------------------------------------------------ writing

  /** Sends to "#room" or "@instance" (a bare name is a room if one exists, else an instance). */
  async send(target: string, text: string): Promise<Message> {
    const me = this.requireInstance();
    checkText(text);
    const resolved = this.resolveTarget(target);
    return this.writeMessage({ from: me, target: resolved, dm: false, text, replyTo: null });
  }

  async sendDm(peer: string, text: string): Promise<Message> {
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
    return this.writeMessage({ from: me, target: `@${to}`, dm: true, text, replyTo: null });
  }

  /** Replies in the parent's own room or conversation, threaded under it. */
  async reply(ref: MessageRef, text: string): Promise<Message> {
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
    return this.writeMessage({ from: me, target, dm: parent.dm, text, replyTo, replyToSender: parent.from });
  }

  /**
   * Marks messages read: numbers, 8-hex ids, or every unread message this
   * instance can see ('all'). Python sees the marks (read-status/<id>.txt),
   * bash sees inbox STATUS lines and, for 'all', transcript positions.
   */
  async markRead(refs: MessageRef[] | 'all'): Promise<MarkReadResult> {
    const me = this.requireInstance();
    this.refresh();
    const reads = this.readState();
    const targets: StoredMessage[] = refs === 'all' ? this.unreadStored() : refs.map((r) => this.requireMessage(r));
    const unique = [...new Set(targets)];
    const fresh = unique.filter((m) => !reads.isRead(m));
    const time = this.timestamp();
    return this.writes.locked(() => {
      this.writes.registerSelf(me);
      appendReadMarks(this.layout, me, fresh, time);
      markInboxBlocksRead(this.layout, (key) => this.store.sourceKind(key), me, fresh);
      if (refs === 'all') advancePositions(this.layout, this.store.transcriptLines(), me);
      const summary = refs === 'all' ? `All ${fresh.length} messages marked as read` : describeMarked(fresh);
      this.writes.logAction(me, refs === 'all' ? 'MARK_READ_ALL' : 'MARK_READ', summary);
      return { marked: fresh.map((m) => m.number ?? m.id), alreadyRead: unique.length - fresh.length };
    });
  }

  async createChatroom(name: string, description = ''): Promise<Chatroom> {
    const me = this.requireInstance();
    const room = assertRoomName(stripSigil(trimName(name), '#'));
    checkField(description, 'description');
    const time = this.timestamp();
    return this.writes.locked(() => {
      const { room: existing } = this.lookupRoom(room);
      if (existing) {
        throw new CoordError(
          'conflict',
          `chatroom '${existing.name}' already exists (names are unique regardless of case); ` +
            `pick another name or use #${existing.name}`,
        );
      }
      this.writes.registerSelf(me);
      const entry: ChatroomStatusEntry = {
        name: room,
        status: 'open',
        creator: me,
        created: time,
        modified: time,
        reason: '',
      };
      writeNewRoom(this.layout, entry, description.trim());
      this.writes.logAction(
        me,
        'CHATROOM_CREATED',
        `Created chatroom '${room}' with description: ${description.trim()}`,
      );
      return { ...entry, description: description.trim() };
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
    return this.writes.locked(() => {
      this.writes.registerSelf(me);
      writeAtomic(this.layout.instanceStatus(me), formatInstanceStatusFile(status));
      writeAtomic(this.layout.statusTxt, upsertStatusTxt(readTextIfExists(this.layout.statusTxt), status));
      this.writes.logAction(me, 'UPDATE_STATUS', `Status updated to: ${status.text}`);
      return { text: status.text, updated: status.updated };
    });
  }

  // ------------------------------------------------------------ internals

  private timestamp(): string {
    return formatTimestamp(this.now());
  }

  private requireInstance(): string {
    if (this.instance === null) {
      throw new CoordError(
        'no-identity',
        'no identity: pass --as ID or set CLAUDE_INSTANCE_ID (e.g. export CLAUDE_INSTANCE_ID=instance-1)',
      );
    }
    return this.instance;
  }

  private requireMessage(ref: MessageRef): StoredMessage {
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

  private resolveTarget(raw: string): string {
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
    if (this.knownInstances().includes(target)) return `@${target}`;
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
  private lookupRoom(name: string): { room: Chatroom | undefined; rooms: Chatroom[] } {
    const lower = name.toLowerCase();
    const light = roomsWithoutLog(this.layout);
    const hit = light.get(lower);
    if (hit) return { room: hit, rooms: [...light.values()] };
    this.refresh();
    const all = this.store.chatrooms();
    return { room: all.get(lower), rooms: [...all.values()] };
  }

  private requireOpenRoom(name: string): Chatroom {
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

  private unknownRoom(name: string, rooms: Chatroom[]): CoordError {
    return new CoordError(
      'not-found',
      `unknown chatroom '${name}': open rooms are ${listChoices(
        rooms.filter((r) => r.status === 'open').map((r) => r.name),
        '#',
      )}; create one with 'coord create-chatroom ${isValidRoomName(name) ? name : 'NAME'} DESCRIPTION'`,
    );
  }

  private requireKnownInstance(id: string): string {
    assertInstanceId(id, 'recipient');
    const known = this.knownInstances();
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
    const time = this.timestamp();
    const verb = status === 'closed' ? 'close' : 'reopen';
    return this.writes.locked(() => {
      const { room, rooms } = this.lookupRoom(roomName);
      if (!room) throw this.unknownRoom(roomName, rooms);
      if (room.status === status) {
        throw new CoordError(
          'conflict',
          `chatroom #${room.name} is already ${status === 'open' ? 'open' : 'closed'}; nothing to ${verb}`,
        );
      }
      this.writes.registerSelf(me);
      writeRoomStatus(this.layout, room, { status, reason: reason.trim(), by: me, time });
      this.writes.logAction(
        me,
        status === 'closed' ? 'CHATROOM_CLOSED' : 'CHATROOM_REOPENED',
        `${status === 'closed' ? 'Closed' : 'Reopened'} chatroom '${room.name}' - Reason: ${reason.trim()}`,
      );
      return roomWithDescription(this.layout, room.name)!;
    });
  }

  /** Finds a parent without loading the whole log when it is referred to by number. */
  private findParent(ref: MessageRef): StoredMessage {
    const asNumber = typeof ref === 'number' ? ref : /^#?\d+$/.test(ref) ? Number(ref.replace('#', '')) : null;
    if (asNumber === null || this.loaded) return this.requireMessage(ref);
    const found = findLogMessage(this.layout, asNumber, bareNameRule(this.layout, readStatusEntries(this.layout)));
    return found ? { ...found, seq: 0, refs: [] } : this.requireMessage(ref);
  }

  private async writeMessage(input: OutgoingMessage): Promise<Message> {
    const time = this.timestamp();
    const id = newMessageId();
    const line = formatLogLine({ ...input, time });
    return this.writes.locked(() => {
      // Checked again under the lock: a room may have closed since.
      if (input.target.startsWith('#')) this.requireOpenRoom(input.target.slice(1));
      this.writes.registerSelf(input.from);
      const action = input.replyTo !== null ? 'REPLY_MESSAGE' : input.dm ? 'SEND_DM' : 'SEND_MESSAGE';
      const details =
        input.replyTo !== null
          ? `Replied to message #${input.replyTo} from ${input.replyToSender ?? ''} | To: ${input.target} | ID: ${id}`
          : `To: ${input.dm ? input.target.slice(1) : input.target} | ID: ${id}`;
      const copies = [
        ...transcriptCopies(this.layout, input, time, id),
        this.writes.actionLine(input.from, action, details),
      ];
      const number = this.writes.writeMessage(line, copies);
      return { number, id, time, from: input.from, target: input.target, text: input.text, replyTo: input.replyTo };
    });
  }
}

// ---------------------------------------------------------------- helpers

function lastN<T>(list: T[], limit?: number): T[] {
  return limit !== undefined && limit > 0 && list.length > limit ? list.slice(list.length - limit) : list;
}

function isBetween(m: StoredMessage, me: string, other?: string): boolean {
  const involved = m.from === me || m.to === me;
  if (!involved) return false;
  if (other === undefined) return true;
  return m.from === other || m.to === other;
}

const mentionPatterns = new Map<string, RegExp>();

/** True when the text @-mentions the instance (or @all). */
export function mentionsInstance(text: string, instance: string): boolean {
  if (!text.includes('@')) return false;
  let re = mentionPatterns.get(instance);
  if (!re) {
    const escaped = instance.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    re = new RegExp(`(^|[^A-Za-z0-9._-])@(${escaped}(?![A-Za-z0-9_-])|all\\b)`);
    mentionPatterns.set(instance, re);
  }
  return re.test(text);
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

function describeRef(ref: MessageRef): string {
  return typeof ref === 'number' ? `#${ref}` : /^#?\d+$/.test(ref) ? `#${ref.replace('#', '')}` : `'${ref}'`;
}

function describeMarked(messages: StoredMessage[]): string {
  if (messages.length === 0) return 'No new messages marked as read';
  if (messages.length === 1) return `Message ${messages[0].number ?? messages[0].id} marked as read`;
  return `${messages.length} messages marked as read: ${messages
    .slice(0, 20)
    .map((m) => m.number ?? m.id)
    .join(', ')}${messages.length > 20 ? ', …' : ''}`;
}
