/**
 * The library API: one object per (directory, instance) that reads through a
 * DirectoryStore and writes every file the older tools read, under one lock.
 * The CLI and the extension are thin shells over this class.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CoordError } from './errors';
import { Layout } from './layout';
import { Chatroom, InstanceStatus, Message, MessageRef, Notifications } from './model';
import { DirectoryStore, StoredMessage, roomFromEvents, toMessage } from './store';
import type { MessageStore, ReadView } from './backend/messageStore';
import { withLock as withDirectoryLock } from './lock';
import { appendWhole, ensureDir, fileStamp, listFiles, readTextIfExists, touch, writeAtomic } from './fsutil';
import { scanLog, readLogLines } from './logIndex';
import { formatLogLine, parseLogLine } from './formats/messagesLog';
import { resolveLogTarget } from './messageIdentity';
import { formatBlock, formatSystemLine, parseTranscript } from './formats/transcript';
import { formatPythonDmLine } from './formats/pythonDm';
import {
  CHATROOM_STATUS_HEADER,
  ChatroomStatusEntry,
  formatChatroomStatusFile,
  formatChatroomStatusLine,
  parseChatroomStatusFile,
} from './formats/chatroomStatus';
import { formatInstanceStatusFile, parseInstanceStatusFile, parseStatusTxt, upsertStatusTxt } from './formats/statuses';
import { formatReadMark, upsertPosition } from './formats/readMarks';
import { ActionEntry, formatActionLine, parseActionLog } from './formats/actionLog';
import {
  assertInstanceId,
  assertRoomName,
  dmPair,
  isValidInstanceId,
  isValidRoomName,
  listChoices,
  stripSigil,
} from './names';
import { formatTimestamp } from './time';
import { MAX_MESSAGE_BYTES } from './text';
import { assertCoordinationDir, initDirectory, resolveDirectory } from './directory';
import { runSearch, SearchOptions } from './search';
import { searchIndexFor } from './searchIndex';

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
  protected loaded = false;
  private wroteSinceRefresh = false;
  private registered: string | null = null;

  constructor(
    readonly dir: string,
    readonly instance: string | null,
    private readonly now: () => Date,
    reader?: MessageStore,
  ) {
    this.layout = new Layout(dir);
    this.store = new DirectoryStore(dir);
    this.reader = reader ?? this.store;
  }

  /** Which backend stands behind the operations (see backend/coordinationBackend.ts). */
  get backend(): 'directory' | 'nats' {
    return 'directory';
  }

  /** Change events: the directory has none of its own (callers watch its files and call refresh()). */
  onChange(_listener: () => void): () => void {
    return () => undefined;
  }

  /** Nothing to release for a directory. */
  async close(): Promise<void> {}

  // ------------------------------------------------------------ reading

  /** Re-reads what changed on disk; returns true when anything did. */
  refresh(): boolean {
    this.loaded = true;
    this.wroteSinceRefresh = false;
    return this.reader.refresh();
  }

  /** Increases whenever the loaded state changes. */
  get version(): number {
    return this.reader.version;
  }

  /** The store, refreshed first when nothing is loaded yet or this object wrote since. */
  protected get state(): MessageStore {
    if (!this.loaded || this.wroteSinceRefresh) this.refresh();
    return this.reader;
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

  protected readState(): ReadView {
    return this.state.readState(this.requireInstance());
  }

  /** Unread messages this instance can see, oldest first. Its own messages never count. */
  checkUnread(opts: { room?: string; limit?: number } = {}): Message[] {
    return lastN(this.unreadStored(opts.room), opts.limit).map(toMessage);
  }

  protected unreadStored(room?: string): StoredMessage[] {
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
          `message ${describeRef(ref)} is a direct message between ${parent.from} and ${parent.to}; you (${me}) can only reply to your own conversations`,
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
    const summary = refs === 'all' ? `All ${fresh.length} messages marked as read` : describeMarked(fresh);
    await this.persistReadMarks(me, fresh, time, refs === 'all', {
      action: refs === 'all' ? 'MARK_READ_ALL' : 'MARK_READ',
      details: summary,
    });
    return { marked: fresh.map((m) => m.number ?? m.id), alreadyRead: unique.length - fresh.length };
  }

  /** Python's marks, the read receipts, bash's inbox STATUS lines and (for 'all') positions. */
  protected persistReadMarks(
    me: string,
    fresh: StoredMessage[],
    time: string,
    all: boolean,
    action: { action: string; details: string },
  ): Promise<void> {
    return this.locked(() => {
      this.registerSelf(me);
      let marks = '';
      let receipts = '';
      for (const m of fresh) {
        if (m.number === null) {
          marks += formatReadMark(m.id, time);
          continue;
        }
        for (let line = m.number; line <= (m.lastLine ?? m.number); line++) {
          marks += formatReadMark(line, time);
          receipts += `[${time}] READ-RECEIPT: ${me} read message ${line}\n`;
        }
      }
      if (marks) appendWhole(this.layout.readMarks(me), marks);
      if (receipts) appendWhole(this.layout.readReceipts, receipts);
      this.markInboxBlocksRead(me, fresh);
      if (all) this.advancePositions(me);
      this.logAction(me, action.action, action.details);
    });
  }

  async createChatroom(name: string, description = ''): Promise<Chatroom> {
    const me = this.requireInstance();
    const room = assertRoomName(stripSigil(name.trim(), '#'));
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

  /** Adds the status-file line and the transcript's SYSTEM lines, unless the name is taken (checked under the lock). */
  protected persistNewRoom(
    entry: ChatroomStatusEntry,
    description: string,
    action: { action: string; details: string },
  ): Promise<Chatroom> {
    const { name: room, creator: me, created: time } = entry;
    return this.locked(() => {
      const existing = loadRoomsLight(this.layout).find((r) => r.name.toLowerCase() === room.toLowerCase());
      if (existing) throw roomExistsError(existing);
      this.registerSelf(me);
      const current = readTextIfExists(this.layout.chatroomStatus);
      const head = current === '' ? CHATROOM_STATUS_HEADER : current.endsWith('\n') ? '' : '\n';
      appendWhole(this.layout.chatroomStatus, `${head}${formatChatroomStatusLine(entry)}\n`);
      let transcript = formatSystemLine(time, `Chatroom '${room}' created by ${me}`);
      if (description) transcript += formatSystemLine(time, `Description: ${description}`);
      appendWhole(this.layout.chatroom(room), transcript);
      this.logAction(me, action.action, action.details);
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
    action: { action: string; details: string },
  ): Promise<void> {
    return this.locked(() => {
      this.registerSelf(status.instance);
      writeAtomic(this.layout.instanceStatus(status.instance), formatInstanceStatusFile(status));
      writeAtomic(this.layout.statusTxt, upsertStatusTxt(readTextIfExists(this.layout.statusTxt), status));
      this.logAction(status.instance, action.action, action.details);
    });
  }

  // ------------------------------------------------------------ internals

  /** Every write runs here: under the directory lock, and later reads see it. */
  private async locked<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      return await withDirectoryLock(this.layout.lockTarget, fn);
    } finally {
      this.wroteSinceRefresh = true;
    }
  }

  protected timestamp(): string {
    return formatTimestamp(this.now());
  }

  protected requireInstance(): string {
    if (this.instance === null) {
      throw new CoordError(
        'no-identity',
        'no identity: pass --as ID or set CLAUDE_INSTANCE_ID (e.g. export CLAUDE_INSTANCE_ID=instance-1)',
      );
    }
    return this.instance;
  }

  protected requireMessage(ref: MessageRef): StoredMessage {
    const m = this.state.messageByRef(ref);
    if (!m) {
      const count = this.state.lineCount;
      const range = count > 0 ? `numbers run from 1 to ${count}` : 'the log has no numbered messages yet';
      throw new CoordError(
        'not-found',
        `no message ${describeRef(ref)}: ${range}; legacy messages are referred to by their 8-hex id (see check-chatroom)`,
      );
    }
    return m;
  }

  /** Every room, as writes check them: the directory reads them without the log. */
  protected currentRooms(): Chatroom[] {
    return loadRoomsLight(this.layout);
  }

  protected resolveTarget(raw: string): string {
    const target = raw.trim();
    if (target === '' || target === '#' || target === '@') {
      throw new CoordError(
        'invalid-input',
        `empty target: send to #room or @instance (rooms: ${listChoices(
          this.currentRooms().map((r) => r.name),
          '#',
        )})`,
      );
    }
    if (target.startsWith('@')) return `@${this.requireKnownInstance(target.slice(1))}`;
    if (target.startsWith('#')) return `#${this.requireOpenRoom(target.slice(1)).name}`;
    const rooms = this.currentRooms();
    if (rooms.some((r) => r.name.toLowerCase() === target.toLowerCase()))
      return `#${this.requireOpenRoom(target).name}`;
    if (this.knownInstances().includes(target)) return `@${target}`;
    throw new CoordError(
      'not-found',
      `unknown target '${target}': use #room (${listChoices(
        rooms.filter((r) => r.status === 'open').map((r) => r.name),
        '#',
      )}) or @instance (${listChoices(this.knownInstances(), '@')})`,
    );
  }

  protected requireOpenRoom(name: string): Chatroom {
    if (!isValidRoomName(name)) assertRoomName(name);
    const rooms = this.currentRooms();
    const room = rooms.find((r) => r.name.toLowerCase() === name.toLowerCase());
    if (!room) throw this.unknownRoom(name, rooms);
    if (room.status === 'closed') {
      throw new CoordError(
        'closed',
        `chatroom #${room.name} is closed${room.reason ? ` (${room.reason})` : ''}; reopen it with 'coord reopen-chatroom ${room.name} REASON' or pick an open room: ${listChoices(
          rooms.filter((r) => r.status === 'open').map((r) => r.name),
          '#',
        )}`,
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

  protected requireKnownInstance(id: string): string {
    assertInstanceId(id, 'recipient');
    const known = this.knownInstances();
    if (!known.includes(id)) {
      throw new CoordError(
        'not-found',
        `unknown instance '${id}': known instances are ${listChoices(known, '@')} (an instance becomes known once it runs coord or coordination.py as itself)`,
      );
    }
    return id;
  }

  private async setRoomStatus(name: string, status: 'open' | 'closed', reason: string): Promise<Chatroom> {
    const me = this.requireInstance();
    const roomName = stripSigil(name.trim(), '#');
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
    return this.locked(() => {
      const rooms = loadRoomsLight(this.layout);
      const room = rooms.find((r) => r.name.toLowerCase() === roomName.toLowerCase());
      if (!room) throw this.unknownRoom(roomName, rooms);
      const { updated, action } = roomStatusChange(room, status, reason, time);
      this.registerSelf(me);
      const lines = parseChatroomStatusFile(readTextIfExists(this.layout.chatroomStatus));
      let replaced = false;
      const next = lines.flatMap((l) => {
        if (l.kind !== 'entry' || l.entry.name.toLowerCase() !== room.name.toLowerCase()) return [l];
        if (replaced) return [];
        replaced = true;
        return [{ kind: 'entry' as const, entry: updated }];
      });
      if (!replaced) next.push({ kind: 'entry', entry: updated });
      if (next.length === 0 || next[0].kind === 'entry')
        next.unshift(...parseChatroomStatusFile(CHATROOM_STATUS_HEADER));
      writeAtomic(this.layout.chatroomStatus, formatChatroomStatusFile(next));
      const [event, reasonLabel] = status === 'closed' ? ['closed', 'Closure reason'] : ['reopened', 'Reopen reason'];
      let transcript = formatSystemLine(time, `Chatroom ${event} by ${me}`);
      if (reason) transcript += formatSystemLine(time, `${reasonLabel}: ${reason}`);
      appendWhole(this.layout.chatroom(room.name), transcript);
      this.logAction(me, action.action, action.details);
      return { ...updated, description: room.description };
    });
  }

  /** Finds a parent without loading the whole log when it is referred to by number. */
  protected findParent(ref: MessageRef): StoredMessage {
    const asNumber = typeof ref === 'number' ? ref : /^#?\d+$/.test(ref) ? Number(ref.replace('#', '')) : null;
    if (asNumber === null || this.loaded) return this.requireMessage(ref);
    const found = findLogMessageLight(this.layout, asNumber, this.knownRoomNames());
    if (!found) return this.requireMessage(ref);
    return found;
  }

  private knownRoomNames(): Set<string> {
    return new Set(loadRoomsLight(this.layout).map((r) => r.name));
  }

  protected async writeMessage(input: MessageInput): Promise<Message> {
    const time = this.timestamp();
    const id = newMessageId();
    const line = formatLogLine({
      time,
      from: input.from,
      target: input.target,
      dm: input.dm,
      text: input.text,
      replyTo: input.replyTo,
      replyToSender: input.replyToSender,
    });
    const action = input.replyTo !== null ? 'REPLY_MESSAGE' : input.dm ? 'SEND_DM' : 'SEND_MESSAGE';
    const details =
      input.replyTo !== null
        ? `Replied to message #${input.replyTo} from ${input.replyToSender ?? ''} | To: ${input.target} | ID: ${id}`
        : `To: ${input.dm ? input.target.slice(1) : input.target} | ID: ${id}`;
    return this.persistMessage({ ...input, time, id, line, action, details });
  }

  /** Appends the log line (its number is the line's), the transcript copies and the action, under the lock. */
  protected persistMessage(w: MessageWrite): Promise<Message> {
    return this.locked(() => {
      // Checked again under the lock: a room may have closed since.
      if (w.target.startsWith('#')) this.requireOpenRoom(w.target.slice(1));
      this.registerSelf(w.from);
      const number = appendLogLine(this.layout, w.line);
      this.writeTranscriptCopies(w, w.time, w.id);
      this.logAction(w.from, w.action, w.details);
      return { number, id: w.id, time: w.time, from: w.from, target: w.target, text: w.text, replyTo: w.replyTo };
    });
  }

  /** The bash tools read transcripts, the Python tool its DM files: keep both current. */
  private writeTranscriptCopies(
    input: {
      from: string;
      target: string;
      dm: boolean;
      text: string;
      replyTo: number | string | null;
      replyToSender?: string;
    },
    time: string,
    id: string,
  ): void {
    const shown =
      input.replyTo !== null ? `${replyPrefix(input.replyTo, input.replyToSender)}${input.text}` : input.text;
    if (input.target.startsWith('#')) {
      appendWhole(
        this.layout.chatroom(input.target.slice(1)),
        formatBlock({ time, from: input.from, id, text: shown }),
      );
      return;
    }
    const to = input.target.slice(1);
    if (input.dm) {
      ensureDir(this.layout.dmsDir);
      appendWhole(this.layout.pythonDm(input.from, to), formatPythonDmLine(time, input.from, shown));
      const [a, b] = dmPair(input.from, to);
      appendWhole(
        path.join(this.layout.dmsDir, `${a}_${b}.txt`),
        formatBlock({ time, from: input.from, to, id, text: shown, status: `unread by ${to}` }),
      );
    } else {
      ensureDir(this.layout.inboxesDir);
      appendWhole(this.layout.inbox(to), formatBlock({ time, from: input.from, id, text: shown, status: 'unread' }));
    }
  }

  /** Like the Python tool: an instance that writes has its read-status file (and so is known). */
  private registerSelf(me: string): void {
    if (this.registered === me && fs.existsSync(this.layout.readMarks(me))) return;
    this.registered = me;
    for (const dir of this.layout.allDirs) if (!fs.existsSync(dir)) ensureDir(dir);
    touch(this.layout.readMarks(me));
  }

  private logAction(me: string, action: string, details: string): void {
    appendWhole(this.layout.actionLog, formatActionLine({ time: this.timestamp(), instance: me, action, details }));
  }

  private markInboxBlocksRead(me: string, messages: StoredMessage[]): void {
    const inboxFile = this.layout.inbox(me);
    const lines = new Set<number>();
    for (const m of messages) {
      for (const ref of m.refs) {
        const source = this.store.sourceKind(ref.source);
        if (source?.kind === 'inbox' && source.name === me && ref.block.status === 'unread') {
          for (let l = ref.block.firstLine; l <= ref.block.lastLine; l++) lines.add(l);
        }
      }
    }
    if (lines.size === 0) return;
    const text = readTextIfExists(inboxFile);
    const physical = text.split('\n');
    const updated = physical.map((line, i) => (lines.has(i + 1) && line === 'STATUS: unread' ? 'STATUS: read' : line));
    writeAtomic(inboxFile, updated.join('\n'));
  }

  private advancePositions(me: string): void {
    let text = readTextIfExists(this.layout.positions(me));
    const before = text;
    for (const t of this.store.transcriptLines()) {
      if (t.kind === 'dm' && !t.name.split('_').includes(me)) continue;
      text = upsertPosition(text, { kind: t.kind, name: t.name, lines: t.lines });
    }
    if (text !== before) writeAtomic(this.layout.positions(me), text);
  }
}

// ---------------------------------------------------------------- helpers

/** A message about to be written, before the backend gives it its number. */
export interface MessageInput {
  from: string;
  target: string;
  dm: boolean;
  text: string;
  replyTo: number | string | null;
  replyToSender?: string;
}

/** A message ready to persist: its time, id, log line and the action-log entry. */
export interface MessageWrite extends MessageInput {
  time: string;
  id: string;
  line: string;
  action: string;
  details: string;
}

/** Room names are unique regardless of case. */
export function roomExistsError(existing: Chatroom): CoordError {
  return new CoordError(
    'conflict',
    `chatroom '${existing.name}' already exists (names are unique regardless of case); pick another name or use #${existing.name}`,
  );
}

/** Closing or reopening a room: the new entry and the action-log line, or a conflict when nothing changes. */
export function roomStatusChange(
  room: Chatroom,
  status: 'open' | 'closed',
  reason: string,
  time: string,
): { updated: ChatroomStatusEntry; action: { action: string; details: string } } {
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

/**
 * An 8-hex id like the older tools' (uuid4()[:8]). Math.random is enough for
 * a display id and spares every CLI start the cost of loading node:crypto.
 */
function newMessageId(): string {
  return Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');
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

function replyPrefix(replyTo: number | string, sender?: string): string {
  const from = sender ? ` from ${sender}` : '';
  return typeof replyTo === 'number' ? `[REPLY to msg #${replyTo}${from}] ` : `[REPLY to ID ${replyTo}${from}] `;
}

/** Appends one log line under the held lock and returns its number. */
function appendLogLine(layout: Layout, line: string): number {
  const before = scanLog(layout.messagesLog, layout.logCheckpoint, true);
  // A torn last line (a crashed writer) keeps its number; ours starts on a line of its own.
  const prefix = before.count.partial ? '\n' : '';
  const data = Buffer.from(`${prefix}${line}\n`, 'utf8');
  appendWhole(layout.messagesLog, data, false);
  const expected = before.lines + 1;
  let size = -1;
  try {
    size = fs.statSync(layout.messagesLog).size;
  } catch {
    /* checked below */
  }
  if (size === before.size + data.length) return expected;
  // Another tool (which does not lock) wrote at the same moment: find our line.
  const after = scanLog(layout.messagesLog, layout.logCheckpoint, false);
  const candidates = readLogLines(layout.messagesLog, after.marks, before.lines + 1, after.lines);
  const index = candidates.indexOf(line);
  return index >= 0 ? before.lines + 1 + index : expected;
}

/** Rooms from the status file and the room transcripts, without reading the log. */
/**
 * Rooms from the status file and the room transcripts, without reading the
 * log. Cached per directory while the status file, the chatrooms/ listing and
 * the transcripts that decide a room's state (those without a status line)
 * are unchanged: a stat each instead of a parse on every send.
 */
export function loadRoomsLight(layout: Layout): Chatroom[] {
  const cached = roomCache.get(layout.root);
  if (cached && cached.stamp === roomStamp(layout, cached.transcriptOnly)) return cached.rooms;
  const rooms = new Map<string, Chatroom>();
  for (const l of parseChatroomStatusFile(readTextIfExists(layout.chatroomStatus))) {
    if (l.kind !== 'entry' || !isValidRoomName(l.entry.name) || rooms.has(l.entry.name.toLowerCase())) continue;
    rooms.set(l.entry.name.toLowerCase(), { ...l.entry, description: '' });
  }
  const transcriptOnly: string[] = [];
  for (const name of listFiles(layout.chatroomsDir)) {
    const room = name.slice(0, -4);
    if (!isValidRoomName(room) || rooms.has(room.toLowerCase())) continue;
    const events = parseTranscript(readTextIfExists(layout.chatroom(room))).flatMap((i) =>
      i.kind === 'system' ? [i] : [],
    );
    rooms.set(room.toLowerCase(), roomFromEvents(room, events));
    transcriptOnly.push(room);
  }
  const list = [...rooms.values()];
  roomCache.set(layout.root, { stamp: roomStamp(layout, transcriptOnly), transcriptOnly, rooms: list });
  return list;
}

const roomCache = new Map<string, { stamp: string; transcriptOnly: string[]; rooms: Chatroom[] }>();

function roomStamp(layout: Layout, transcriptOnly: string[]): string {
  return [layout.chatroomStatus, layout.chatroomsDir, ...transcriptOnly.map((r) => layout.chatroom(r))]
    .map(fileStamp)
    .join(';');
}

export function knownInstances(layout: Layout, self: string | null): string[] {
  const ids = new Set<string>();
  for (const name of listFiles(layout.readStatusDir)) {
    const m = /^(.+?)(_positions)?\.txt$/.exec(name);
    if (m && !name.startsWith('dm_') && isValidInstanceId(m[1])) ids.add(m[1]);
  }
  for (const e of parseStatusTxt(readTextIfExists(layout.statusTxt)))
    if (isValidInstanceId(e.instance)) ids.add(e.instance);
  for (const name of listFiles(layout.dataDir)) {
    const m = /^status_(.+)\.txt$/.exec(name);
    if (m && isValidInstanceId(m[1]) && parseInstanceStatusFile(m[1], '[x] y') !== null) ids.add(m[1]);
  }
  if (self) ids.add(self);
  return [...ids].sort();
}

/** Reads message `number` (and a Python reply's parent, if it needs one) straight from the log. */
function findLogMessageLight(layout: Layout, number: number, rooms: Set<string>): StoredMessage | null {
  const scan = scanLog(layout.messagesLog, layout.logCheckpoint, false);
  if (number < 1 || number > scan.lines) return null;
  const from = Math.max(1, number - 200);
  const lines = readLogLines(layout.messagesLog, scan.marks, from, number);
  for (let i = lines.length - 1; i >= 0; i--) {
    const parsed = parseLogLine(lines[i]);
    if (!parsed) continue; // a continuation line: its message starts above
    const ownNumber = from + i;
    const parentOf = (n: number) => (n < ownNumber ? (findLogMessageLight(layout, n, rooms) ?? undefined) : undefined);
    const place = resolveLogTarget(parsed.rawTarget, parsed.from, parsed.dm, parsed.replyTo, parentOf, (name) =>
      rooms.has(name),
    );
    return {
      number: ownNumber,
      id: '',
      time: parsed.time,
      from: parsed.from,
      text: parsed.text,
      replyTo: parsed.replyTo,
      seq: 0,
      dm: parsed.dm,
      ...place,
      lastLine: number,
      refs: [],
    };
  }
  return null;
}
