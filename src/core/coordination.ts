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
import { detachedString, MAX_MESSAGE_BYTES } from './common/text';
import { formatTimestamp } from './common/time';
import { assertCoordinationDir, resolveDirectory } from './disk/directory';
import { readTextIfExists, writeAtomic } from './disk/fsutil';
import { Layout } from './disk/layout';
import { ActionEntry, lastActions, parseActionLog } from './formats/actionLog';
import { ActionLogActivity } from './attention/actionActivity';
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
import { CachedCorpus, openCache } from './search/indexReader';
import { saveReadMarkTables } from './read/readMarkTable';
import { saveRestamped } from './search/restampedFiles';
import {
  advanceSummary,
  BuiltSummary,
  buildSummary,
  FOLLOWER_DELTA_LIMITS,
  openSummary,
} from './search/persistedIndex';
import { directoryStamp } from './disk/directoryStamp';
import { SummaryView } from './attention/summaryView';
import {
  summaryAlerts,
  summaryMentioning,
  summaryReadTargets,
  summaryRoomMessages,
  summaryRoomRows,
  summaryRoomSlice,
  summaryThread,
  summaryTranscriptLines,
  summaryUnreadRows,
} from './search/summaryReads';
import { sourceFromKey } from './read/sources';
import { newMessageId, OutgoingMessage, transcriptCopies } from './write/messageWrites';
import { planReadMarks, ReadTargets, readTargetsOf, writeReadMarks } from './write/readMarkWrites';
import { writeNewRoom, writeRoomStatus } from './write/roomWrites';
import { initDirectory } from './write/initDirectory';
import { WriteSession } from './write/writeSession';
import { isAlert, mentionsInstance } from './common/mentions';
import { encodeAttention, messageFromStored, SendOptions } from './formats/attentionTags';
import { AckRecord, parseAcks } from './formats/acksFile';
import { AckResult, AckWrite, planAcks } from './attention/ackWrites';
import { ClaimBook, ClaimBookOptions } from './claims/claimBook';
import { formatHuman, HUMAN_ALIAS, HumanEntry, parseHumans } from './formats/humansFile';
import { appendWhole, fileStamp } from './disk/fsutil';
import { AckReport, ackReport } from './attention/ackLedger';
import { DEFAULT_STUCK_AFTER_MS, findStuckAgents, latestActivity, StuckAgent } from './attention/stuckAgents';
import { MessageList, needsYou, needsYouNewest, NeedsYouInput, NewestQueue, QueueEntry } from './attention/needsYou';
import { refFinder, roomDigest, RoomDigest } from './attention/roomDigest';
import { coordClock } from './common/clock';
import { type DeliveryState, readDelivery, writeDelivery } from './formats/deliveryCursor';

export { isAlert, mentionsInstance };
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
  /**
   * A long-lived reader that follows the directory from its summary (the
   * extension): refresh() only notes whether any file changed, each state's
   * answers come from the summary and are kept until the next change, and
   * the whole directory is loaded only for what the summary cannot answer.
   * Implies fromSummary.
   */
  follow?: boolean;
  /** Called once when the whole directory is loaded after all (follow mode), with how long it took. */
  onStoreLoad?: (ms: number) => void;
  /**
   * Follow mode: asked to rebuild the summary in another process when the
   * files grew past what its delta holds (at a million messages a build takes
   * seconds and hundreds of MB); until the new one is in place, answers come
   * from the old base with a longer delta. Without it, the follower rebuilds
   * in its own process. When it returns a promise (settled once the rebuild
   * ended), files grown past even the longer delta are not rebuilt here
   * either: the last answers stand until the new summary is in place.
   */
  rebuildSummary?: () => void | Promise<unknown>;
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

/** What needsYou() and needsYouNewest() take (see Coordination.needsYou). */
export interface NeedsYouOptions {
  stuckAfterMs?: number;
  extra?: QueueEntry[];
  oldestWaitingOnly?: boolean;
}

/** Which unread messages: those of one room, or the direct messages from one peer (all without either). */
export interface UnreadScope {
  room?: string;
  peer?: string;
}

export interface Conversation {
  peer: string;
  messages: number;
  unread: number;
  last: Message | null;
}

export interface Inbox {
  unread: number;
  directTotal: number;
  mentionTotal: number;
  directMessages: Message[];
  mentions: Message[];
}

export interface MarkReadResult {
  marked: MessageRef[];
  alreadyRead: number;
}

const MAX_FIELD_LENGTH = 2000;

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
    (options.fromSummary ?? false) || (options.follow ?? false),
    options.follow ? { onStoreLoad: options.onStoreLoad, rebuildSummary: options.rebuildSummary } : undefined,
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
  /**
   * One-shot reads (the CLI): the summary opened once and brought up to the files as stamped, and a
   * rebuilt one that is put in place only when the command has succeeded.
   */
  private oneShot: { stamp: string; corpus: CachedCorpus; built: BuiltSummary | null } | null = null;
  private attentionStamp = '';
  private attentionVersion = 0;
  private ackRecords: AckRecord[] = [];
  private humanEntries: HumanEntry[] = [];
  private activityCache: { stamp: string; map: Map<string, string> } | null = null;
  private actionActivity: ActionLogActivity;
  private viewCache: {
    version: number;
    all: StoredMessage[];
    messages: Message[];
    back: Map<Message, StoredMessage>;
  } | null = null;
  /** Follow mode: the summary of the directory as last stamped, and a count of the states seen. */
  private followed: {
    stamp: string;
    index: string;
    view: SummaryView;
    base: Map<string, unknown>;
    /** Answers kept while the files are past even the longer delta and another process rebuilds the summary. */
    held?: boolean;
  } | null = null;
  /** A rebuild asked of another process that has not ended yet (rebuildSummary returned a promise). */
  private rebuildPending = false;
  /** The summary file (its stamp) whose rebuild the follower asked another process for. */
  private rebuildAskedFor: string | null = null;
  private summaryVersion = 0;
  /** The summary's base that new ids are checked against, and the stamp of its file. */
  private idSummary: { stamp: string; corpus: CachedCorpus | null } | null = null;

  constructor(
    readonly dir: string,
    readonly instance: string | null,
    private readonly now: () => Date,
    reader?: MessageStore,
    private readonly fromSummary = false,
    private readonly follow?: Pick<OpenOptions, 'onStoreLoad' | 'rebuildSummary'>,
  ) {
    this.layout = new Layout(dir);
    this.actionActivity = new ActionLogActivity(this.layout.actionLog);
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

  /** Releases the summary a follower holds open. */
  async close(): Promise<void> {
    this.followed?.view.close();
    this.followed = null;
    this.closeOneShot();
    this.idSummary?.corpus?.close();
    this.idSummary = null;
  }

  /**
   * Writes the caches reads found worth keeping: the summary (the persisted
   * index) a read looked for, did not find and built; what its delta learned
   * of rewritten transcripts (restampedFiles.ts); the read marks parsed
   * (readMarkTable.ts). Called once a command has succeeded: a refused one
   * leaves no file.
   */
  persistCaches(): void {
    saveReadMarkTables();
    const held = this.oneShot;
    if (!held) return;
    if (held.built) {
      held.built.install();
      held.built.discard();
      held.built = null;
    }
    saveRestamped(this.layout, held.corpus);
  }

  private closeOneShot(): void {
    this.oneShot?.built?.discard();
    this.oneShot?.corpus.close();
    this.oneShot = null;
  }

  // ------------------------------------------------------------ reading

  /**
   * Re-reads what changed on disk; returns true when anything did. A follower
   * (follow mode) that has not loaded the store only looks at the files'
   * stamps and moves to the summary's new state.
   */
  refresh(): boolean {
    if (this.follow && !this.loaded) {
      this.wroteSinceRefresh = false;
      const before = this.summaryVersion;
      if (this.summaryView() === null) return this.loadStore();
      return this.refreshAttention(this.summaryVersion !== before);
    }
    return this.loadStore();
  }

  /** Whether the whole directory is loaded (a follower answers from its summary until something needs it). */
  get storeLoaded(): boolean {
    return this.loaded;
  }

  /** Loads the directory through the store (the first time: all of it), and the acks and humans. */
  private loadStore(): boolean {
    const first = !this.loaded;
    const started = Date.now();
    this.loaded = true;
    this.wroteSinceRefresh = false;
    this.followed?.view.close();
    this.followed = null;
    const changed = this.reader.refresh();
    if (first && this.follow) this.follow.onStoreLoad?.(Date.now() - started);
    return this.refreshAttention(changed);
  }

  private refreshAttention(changed: boolean): boolean {
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
    return this.reader.version + this.attentionVersion + this.summaryVersion;
  }

  /** The store, refreshed first when nothing is loaded yet or this object wrote since. */
  protected get state(): MessageStore {
    if (!this.loaded || this.wroteSinceRefresh) this.loadStore();
    return this.reader;
  }

  /**
   * Follow mode: the summary for the files as they are now, opened again when
   * any file changed; a missing or stale one is rebuilt first. Null when none
   * can be had (a directory we cannot write to): then the store answers.
   */
  private summaryView(): SummaryView | null {
    const stamp = directoryStamp(this.layout);
    if (this.followed?.stamp === stamp) return this.followed.view;
    const previous = this.followed;
    if (previous && this.holdWhileRebuilt(previous)) return previous.view;
    this.followed = null;
    // The same base as before: only what was appended since is read again, and what the base's rows said
    // (columns read, texts scanned, Needs You's facts) is kept. A follower that has rebuilds made elsewhere keeps it
    // even when the file was rewritten since (its own rebuild, or a reader's): opening another base means
    // working out every answer again, so it happens only when this one can no longer be brought forward.
    let index = fileStamp(this.layout.searchIndex);
    const keep = previous !== null && (previous.index === index || this.follow?.rebuildSummary !== undefined);
    let corpus = keep ? this.advanceFollowed(previous.view.corpus, previous.index) : null;
    if (!corpus && previous && this.follow?.rebuildSummary) {
      this.askForRebuild(previous.index);
      const held = { ...previous, stamp: '', held: true };
      if (this.holdWhileRebuilt(held)) {
        this.followed = held;
        return previous.view;
      }
    }
    let base = corpus && previous ? previous.base : new Map<string, unknown>();
    if (corpus && previous) index = previous.index;
    else {
      previous?.view.close();
      corpus = this.openFollowedSummary();
      if (!corpus) return null;
      index = fileStamp(this.layout.searchIndex);
      base = new Map();
    }
    const view = new SummaryView(this.layout, corpus, base, () => this.closedRoomsKey());
    this.followed = { stamp, index, base, view };
    this.summaryVersion++;
    return this.followed.view;
  }

  /**
   * The followed summary brought up to the files; past its delta's limits,
   * with a longer delta while another process rebuilds it (asked once per
   * summary file), when the caller gave a way to ask.
   */
  private advanceFollowed(corpus: CachedCorpus, index: string): CachedCorpus | null {
    const advanced = advanceSummary(this.layout, corpus);
    if (advanced || !this.follow?.rebuildSummary) return advanced;
    const longer = advanceSummary(this.layout, corpus, FOLLOWER_DELTA_LIMITS);
    if (longer) this.askForRebuild(index);
    return longer;
  }

  /** The summary on disk opened for following; past its delta, with a longer one while it is rebuilt elsewhere. */
  private openFollowedSummary(): CachedCorpus | null {
    const opened = openSummary(this.layout);
    if (opened || !this.follow?.rebuildSummary) return opened ?? this.buildFollowedSummary();
    const longer = openSummary(this.layout, FOLLOWER_DELTA_LIMITS);
    if (!longer) return this.buildFollowedSummary();
    this.askForRebuild(fileStamp(this.layout.searchIndex));
    return longer;
  }

  /** Asks (once per summary file held) for the summary to be rebuilt in another process. */
  private askForRebuild(index: string): void {
    if (this.rebuildAskedFor === index) return;
    this.rebuildAskedFor = index;
    const asked = this.follow?.rebuildSummary?.();
    if (typeof asked?.then !== 'function') return;
    this.rebuildPending = true;
    const ended = () => {
      if (this.rebuildAskedFor === index) this.rebuildPending = false;
    };
    asked.then(ended, ended);
  }

  /**
   * Whether held answers still stand: the files are past even the longer
   * delta (building here would block this process for seconds at a million
   * messages), the rebuild asked for has not ended, and its summary is not in
   * place yet. Reading the delta again meanwhile is skipped too.
   */
  private holdWhileRebuilt(followed: NonNullable<Coordination['followed']>): boolean {
    return followed.held === true && this.rebuildPending && fileStamp(this.layout.searchIndex) === followed.index;
  }

  /**
   * Builds the directory's summary (and search index) from the files now and
   * puts it in place: what a follower asks another process to do. The number
   * of messages it holds.
   */
  rebuildSummary(): number {
    const built = buildSummary(this.layout);
    try {
      if (!built?.install()) {
        built?.discard();
        throw new CoordError('io', `${this.dir} kept changing while its summary was built; run the command again`);
      }
      return built.corpus.count;
    } finally {
      built?.corpus.close();
    }
  }

  /** A new summary, installed beside the data and answering; null when it could not be installed (files moved). */
  private buildFollowedSummary(): CachedCorpus | null {
    const built = buildSummary(this.layout);
    if (!built) return null;
    if (built.install()) return built.corpus;
    built.discard();
    built.corpus.close();
    return null;
  }

  /** Runs `answer` on the follower's summary while the store is not loaded; undefined otherwise. */
  private viaSummaryView<T>(answer: (v: SummaryView) => T): T | undefined {
    if (!this.follow || this.loaded) return undefined;
    const view = this.summaryView();
    return view ? answer(view) : undefined;
  }

  /**
   * Runs `answer` on the summary when this object reads from it and has
   * loaded nothing; undefined otherwise (also when no summary can be had, in
   * a directory we cannot write to: then the store answers).
   */
  private viaSummary<T>(answer: (c: CachedCorpus) => T | undefined): T | undefined {
    if (!this.fromSummary || this.loaded) return undefined;
    if (this.follow) return this.viaSummaryView((v) => answer(v.corpus));
    const corpus = this.oneShotSummary();
    return corpus ? answer(corpus) : undefined;
  }

  /**
   * The summary for the files as they are now: the one already open when no
   * file changed, or brought forward when they only grew; else opened again,
   * or built from the files when missing or stale.
   */
  private oneShotSummary(): CachedCorpus | null {
    const stamp = directoryStamp(this.layout);
    const held = this.oneShot;
    if (held && (held.stamp === stamp || advanceSummary(this.layout, held.corpus))) {
      held.stamp = stamp;
      return held.corpus;
    }
    this.closeOneShot();
    const opened = openSummary(this.layout);
    const built = opened ? null : buildSummary(this.layout);
    const corpus = opened ?? built?.corpus;
    if (!corpus) return null;
    this.oneShot = { stamp, corpus, built };
    return corpus;
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

  /** The last `count` messages, oldest first (the end of messages()). */
  lastMessages(count: number): Message[] {
    const fast = this.viaSummaryView((v) => {
      const rows: Message[] = [];
      for (let i = Math.max(0, v.corpus.count - count); i < v.corpus.count; i++) rows.push(v.message(i));
      return rows;
    });
    return fast ?? lastN(this.state.allMessages(), count).map(toMessage);
  }

  /** Messages whose text contains `needle` (as written, attention tags included), in order. */
  messagesContaining(needle: string): Message[] {
    const fast = this.viaSummaryView((v) => v.rowsContaining(needle).map((i) => v.message(i)));
    return (
      fast ??
      this.state
        .allMessages()
        .filter((m) => m.text.includes(needle))
        .map(toMessage)
    );
  }

  /** Log messages numbered above `after`, then the legacy (unnumbered) ones: cheap right after an append. */
  messagesAfter(after: number): Message[] {
    const fast = this.viaSummaryView((v) => {
      const c = v.corpus;
      const numbered: number[] = [];
      const legacy: number[] = [];
      for (let i = 0; i < c.count; i++) {
        const n = c.number(i);
        if (n === null) legacy.push(i);
        else if (n > after) numbered.push(i);
      }
      return [...numbered, ...legacy].map((i) => v.message(i));
    });
    if (fast) return fast;
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
    return this.viaSummaryView((v) => summaryLineCount(v.corpus)) ?? this.state.lineCount;
  }

  getMessage(ref: MessageRef): Message {
    const fast = this.viaSummaryView((v) => v.message(requireRow(v, ref)));
    return fast ?? toMessage(this.requireMessage(ref));
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

  /**
   * A room's messages as `slice(start)` of checkChatroom() would give them
   * (a negative start counts from the end), and how many the room holds:
   * a page of a long room without the rest of it.
   */
  chatroomSlice(name: string, start: number): { total: number; messages: Message[] } {
    const lower = this.getChatroom(name).name.toLowerCase();
    const fast = this.viaSummary((c) => summaryRoomSlice(c, lower, start));
    if (fast) return fast;
    const list = this.state.allMessages().filter((m) => m.room !== null && m.room.toLowerCase() === lower);
    return { total: list.length, messages: list.slice(start).map(toMessage) };
  }

  /** The same for the direct messages with one peer (checkDm(peer)). */
  dmSlice(peer: string, start: number): { total: number; messages: Message[] } {
    const me = this.requireInstance();
    const other = assertInstanceId(stripSigil(peer, '@'), 'instance');
    const fast = this.viaSummaryView((v) => {
      const c = v.corpus;
      const rows: number[] = [];
      for (let i = 0; i < c.count; i++)
        if (c.room(i) === null && isBetween({ from: c.from(i), to: c.to(i) }, me, other)) rows.push(i);
      return { total: rows.length, messages: rows.slice(start).map((i) => c.message(i)) };
    });
    if (fast) return fast;
    const list = this.state.allMessages().filter((m) => m.room === null && isBetween(m, me, other));
    return { total: list.length, messages: list.slice(start).map(toMessage) };
  }

  /** Direct messages (@-messages and DMs) involving this instance, optionally with one peer. */
  checkDm(peer?: string, opts: { limit?: number } = {}): Message[] {
    const me = this.requireInstance();
    const other = peer === undefined ? undefined : assertInstanceId(stripSigil(peer, '@'), 'instance');
    const fast = this.viaSummaryView((v) => {
      const c = v.corpus;
      const want = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Infinity;
      const rows: number[] = [];
      for (let i = c.count - 1; i >= 0 && rows.length < want; i--)
        if (c.room(i) === null && isBetween({ from: c.from(i), to: c.to(i) }, me, other)) rows.push(i);
      return rows.reverse().map((i) => v.message(i));
    });
    if (fast) return fast;
    const list = this.state.allMessages().filter((m) => m.room === null && isBetween(m, me, other));
    return lastN(list, opts.limit).map(toMessage);
  }

  conversations(): Conversation[] {
    const me = this.requireInstance();
    const fast = this.viaSummaryView((v) => {
      const c = v.corpus;
      // A direct message involving me is visible to me: the visible unread rows say which are unread.
      const unread = v.unreadFlags(me, 'visible', this.unreadFilter());
      const byPeer = new Map<string, Conversation & { lastRow: number }>();
      for (let i = 0; i < c.count; i++) {
        if (c.room(i) !== null) continue;
        const from = c.from(i);
        const to = c.to(i);
        if (!isBetween({ from, to }, me)) continue;
        const peer = from === me ? (to ?? '') : from;
        let conv = byPeer.get(peer);
        if (!conv) byPeer.set(peer, (conv = { peer, messages: 0, unread: 0, last: null, lastRow: -1 }));
        conv.messages++;
        if (unread[i] === 1) conv.unread++;
        conv.lastRow = i;
      }
      return [...byPeer.values()]
        .map(({ lastRow, ...conv }) => ({ ...conv, last: v.message(lastRow) }))
        .sort((a, b) => a.peer.localeCompare(b.peer));
    });
    if (fast) return fast;
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
    const fast = this.viaSummaryView((v) => {
      const i = v.find(m.number ?? m.id);
      if (i < 0) return undefined;
      const c = v.corpus;
      return this.visible({ from: c.from(i), room: c.room(i), to: c.to(i) }, this.roomsKnown());
    });
    if (fast !== undefined) return fast;
    const stored = this.requireMessage(m.number ?? m.id);
    return this.visible(stored, this.state.chatrooms());
  }

  /** The closed rooms, as a key: all the visibility rule reads besides the message (see visibleTo). */
  private closedRoomsKey(): string {
    return [...this.roomsKnown().values()]
      .filter((r) => r.status === 'closed')
      .map((r) => r.name.toLowerCase())
      .sort()
      .join('/');
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
  checkUnread(opts: UnreadScope & { limit?: number } = {}): Message[] {
    return this.unreadPage(opts).messages;
  }

  /** The last `limit` unread messages (all without it) and how many there are in all. */
  unreadPage(opts: UnreadScope & { limit?: number } = {}): { total: number; messages: Message[] } {
    const fast = this.viaUnreadSummary(opts, (c, rows) => ({
      total: rows.length,
      messages: lastN(rows, opts.limit).map((i) => c.message(i)),
    }));
    if (fast) return fast;
    const unread = this.unreadStored(opts);
    return { total: unread.length, messages: lastN(unread, opts.limit).map(toMessage) };
  }

  /**
   * Every unread message, as checkUnread lists them, made one at a time while
   * they are iterated (a million of them are never all in memory at once).
   * Iterate it before the next call on this object.
   */
  eachUnread(opts: { room?: string } = {}): Iterable<Message> {
    const fast = this.viaUnreadSummary({ room: opts.room }, (c, rows) => mapEach(rows, (i) => c.message(i)));
    return fast ?? mapEach(this.unreadStored({ room: opts.room }), toMessage);
  }

  /**
   * Who sees what: a message from someone else, visible to this instance, in
   * `room` or (`peer`) a direct message from that peer when given.
   */
  private unreadFilter(scope: UnreadScope = {}): (m: Pick<StoredMessage, 'from' | 'room' | 'to'>) => boolean {
    const me = this.requireInstance();
    const rooms = this.roomsKnown();
    const roomLower = scope.room === undefined ? undefined : this.getChatroom(scope.room).name.toLowerCase();
    const peer = scope.peer === undefined ? undefined : assertInstanceId(stripSigil(scope.peer, '@'), 'instance');
    return (m) =>
      m.from !== me &&
      this.visible(m, rooms) &&
      (roomLower === undefined || m.room?.toLowerCase() === roomLower) &&
      (peer === undefined || (m.room === null && m.from === peer));
  }

  protected unreadStored(scope: UnreadScope = {}): StoredMessage[] {
    const shown = this.unreadFilter(scope);
    const reads = this.readState();
    return this.state.allMessages().filter((m) => shown(m) && !reads.isRead(m));
  }

  /**
   * Answers from the summary's unread rows (positions in it, oldest first)
   * when this object reads from the summary; undefined otherwise.
   */
  private viaUnreadSummary<T>(scope: UnreadScope, answer: (c: CachedCorpus, rows: number[]) => T): T | undefined {
    if (!this.fromSummary || this.loaded) return undefined;
    const me = this.requireInstance();
    const shown = this.unreadFilter(scope);
    // A follower keeps the unread rows of each state: the status bar, the tree and the inbox all ask.
    if (this.follow && scope.room === undefined && scope.peer === undefined)
      return this.viaSummaryView((v) => answer(v.corpus, v.unreadRows(me, 'visible', shown)));
    return this.viaSummary((c) => answer(c, summaryUnreadRows(this.layout, c, me, shown)));
  }

  /** Of the unread rows of `me`, those that mention it: kept with a follower's state (the status bar and tree ask). */
  private unreadMentions(c: CachedCorpus, rows: number[], me: string): number[] {
    const view = this.follow && !this.loaded ? this.followed : null;
    if (view?.view.corpus !== c) return summaryMentioning(c, rows, me);
    const known = view.view.memo(`unreadMentions:${me}`, () => new WeakMap<number[], number[]>());
    let found = known.get(rows);
    if (!found) known.set(rows, (found = summaryMentioning(c, rows, me)));
    return found;
  }

  /** Unread counts per room ("#name") and per DM peer ("@id"), and how many mention this instance. */
  unreadCounts(): { total: number; mentions: number; byTarget: Record<string, number> } {
    return this.countUnread(true);
  }

  /** Unread counts per room ("#name") and per DM peer ("@id") alone (no texts read). */
  unreadByTarget(): Record<string, number> {
    return this.countUnread(false).byTarget;
  }

  private countUnread(withMentions: boolean): { total: number; mentions: number; byTarget: Record<string, number> } {
    const me = this.requireInstance();
    const tally = targetTally(me);
    const fast = this.viaUnreadSummary({}, (c, rows) => {
      for (let k = 0; k < rows.length; k++) tally.add(c.room(rows[k]), c.from(rows[k]), c.to(rows[k]));
      const mentions = withMentions ? this.unreadMentions(c, rows, me).length : 0;
      return { total: rows.length, mentions, byTarget: tally.byTarget() };
    });
    if (fast) return fast;
    let mentions = 0;
    const unread = this.unreadStored();
    for (const m of unread) {
      tally.add(m.room, m.from, m.to);
      if (withMentions && mentionsInstance(m.text, me)) mentions++;
    }
    return { total: unread.length, mentions, byTarget: tally.byTarget() };
  }

  /** Unread messages that mention this instance (checkNotifications().mentions), counted as unreadByTarget() counts. */
  unreadMentionsByTarget(): Record<string, number> {
    const me = this.requireInstance();
    const tally = targetTally(me);
    const fast = this.viaUnreadSummary({}, (c, rows) => {
      for (const i of this.unreadMentions(c, rows, me)) tally.add(c.room(i), c.from(i), c.to(i));
      return tally.byTarget();
    });
    if (fast) return fast;
    for (const m of this.unreadStored()) if (mentionsInstance(m.text, me)) tally.add(m.room, m.from, m.to);
    return tally.byTarget();
  }

  /** Unread mentions of this instance and unread alerts (none looked for with `alerts: false`). */
  checkNotifications(opts: { alerts?: boolean } = {}): Notifications {
    const me = this.requireInstance();
    const alerts = opts.alerts !== false;
    const fast = this.viaUnreadSummary({}, (c, rows) => ({
      mentions: this.unreadMentions(c, rows, me).map((i) => c.message(i)),
      alerts: alerts ? summaryAlerts(c, rows).map((i) => c.message(i)) : [],
    }));
    if (fast) return fast;
    const unread = this.unreadStored();
    return {
      mentions: unread.filter((m) => mentionsInstance(m.text, me)).map(toMessage),
      alerts: alerts ? unread.filter((m) => isAlert(m.text)).map(toMessage) : [],
    };
  }

  /**
   * Unread direct messages (@-messages and DMs to this instance) and unread
   * mentions in rooms, with their totals: the last `limit` of each when given.
   */
  checkInbox(opts: { limit?: number } = {}): Inbox {
    const me = this.requireInstance();
    const fast = this.viaUnreadSummary({}, (c, rows) => {
      const direct = rows.filter((i) => c.room(i) === null);
      const mentions = this.unreadMentions(c, rows, me).filter((i) => c.room(i) !== null);
      return {
        unread: rows.length,
        directTotal: direct.length,
        mentionTotal: mentions.length,
        directMessages: lastN(direct, opts.limit).map((i) => c.message(i)),
        mentions: lastN(mentions, opts.limit).map((i) => c.message(i)),
      };
    });
    if (fast) return fast;
    const unread = this.unreadStored();
    const direct = unread.filter((m) => m.room === null);
    const mentions = unread.filter((m) => m.room !== null && mentionsInstance(m.text, me));
    return {
      unread: unread.length,
      directTotal: direct.length,
      mentionTotal: mentions.length,
      directMessages: lastN(direct, opts.limit).map(toMessage),
      mentions: lastN(mentions, opts.limit).map(toMessage),
    };
  }

  search(query: string, opts: SearchOptions = {}): Message[] {
    const fast = this.viaSummaryView((v) => runSearch(v.corpus, query, opts));
    if (fast) return fast;
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
    if (this.follow && !this.loaded) return;
    searchIndexFor(this.state);
  }

  statuses(): Record<string, InstanceStatus> {
    // The status files are read on their own: a follower need not load the messages for them.
    const map = this.viaSummaryView((v) => v.memo('statuses', () => new DirectoryStore(this.dir).statuses()));
    return Object.fromEntries([...(map ?? this.state.statuses())].sort(([a], [b]) => a.localeCompare(b)));
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
    const all = refs === 'all';
    // Marking all needs the unread messages and the transcripts' lengths: the summary has both.
    const fast = all
      ? this.viaUnreadSummary({}, (c, rows) => ({
          targets: summaryReadTargets(this.layout, c, me, rows, false),
          lines: summaryTranscriptLines(this.layout, c),
          alreadyRead: 0,
        }))
      : this.viaSummaryView((v) => {
          // A follower marks messages by their rows in the summary: unknown refs fail as the store's lookup does.
          const rows = refs.map((ref) => requireRow(v, ref));
          const unique = [...new Set(rows)];
          const unread = v.unreadFlags(me, 'all', () => true);
          const fresh = unique.filter((i) => unread[i] === 1);
          return {
            targets: summaryReadTargets(this.layout, v.corpus, me, fresh),
            lines: undefined,
            alreadyRead: unique.length - fresh.length,
          };
        });
    let targets: ReadTargets;
    let alreadyRead = 0;
    if (fast) {
      targets = fast.targets;
      alreadyRead = fast.alreadyRead;
    } else {
      this.refresh();
      const chosen = all ? this.unreadStored() : refs.map((r) => this.requireMessage(r));
      const unique = [...new Set(chosen)];
      const reads = this.readState();
      const fresh = unique.filter((m) => !reads.isRead(m));
      alreadyRead = unique.length - fresh.length;
      targets = readTargetsOf(fresh, sourceFromKey, me);
    }
    const time = this.timestamp();
    const summary = all ? `All ${targets.refs.length} messages marked as read` : describeMarked(targets.refs);
    await this.persistReadMarks(
      me,
      targets,
      time,
      all,
      { action: all ? 'MARK_READ_ALL' : 'MARK_READ', details: summary },
      fast?.lines,
    );
    return { marked: targets.refs, alreadyRead };
  }

  /** Python's marks, the read receipts, bash's inbox STATUS lines and (for 'all') positions, under the lock. */
  protected persistReadMarks(
    me: string,
    targets: ReadTargets,
    time: string,
    all: boolean,
    action: ActionRecord,
    lines?: TranscriptLines,
  ): Promise<void> {
    // Computed before the lock: under it only the writes (see readMarkWrites.ts).
    const plan = planReadMarks(me, targets, time, all ? (lines ?? this.store.transcriptLines()) : null);
    return this.writes.locked(() => {
      this.writes.registerSelf(me);
      writeReadMarks(this.layout, plan);
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
    // A follower finds the messages and who sees them in its summary; otherwise the store does.
    const fast = this.viaSummaryView((v) => {
      const rows = refs.map((ref) => requireRow(v, ref));
      const c = v.corpus;
      const rooms = this.roomsKnown();
      return [...new Set(rows)].map((i) => ({
        message: v.message(i),
        visible: this.visible({ from: c.from(i), room: c.room(i), to: c.to(i) }, rooms),
      }));
    });
    const targets =
      fast ??
      (() => {
        const rooms = this.state.chatrooms();
        const stored = [...new Set(refs.map((r) => this.requireMessage(r)))];
        return stored.map((m) => ({ message: m, visible: this.visibleTo(m, rooms, me) }));
      })();
    for (const { message: m, visible } of targets) {
      if (m.from === me)
        throw new CoordError(
          'invalid-input',
          `message ${describeRef(m.number ?? m.id)} is your own; ` +
            'acknowledgements come from the ones it was sent to (see coord acks)',
        );
      if (!visible)
        throw new CoordError(
          'invalid-input',
          `message ${describeRef(m.number ?? m.id)} is not one you can see ` +
            "(a closed room, or another pair's conversation); nothing was acknowledged",
        );
    }
    const messages = targets.map((t) => t.message);
    const result = await this.persistAcks(me, (current) => planAcks(current, messages, me, this.timestamp()));
    await this.markRead(messages.map((m) => m.number ?? m.id));
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
    const fast = this.viaSummaryView((v) => {
      this.refreshAttention(false);
      const input = v.ackInput(me, this.rowVisibility());
      return ackReport({
        me,
        messages: input.messages,
        acks: this.ackRecords,
        known: this.knownInstances(),
        humans: this.humanEntries.map((h) => h.id),
        visible: input.visible,
        now: this.now(),
        pendingOnly: !!opts.pendingOnly,
      });
    });
    if (fast) return fast;
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
    return this.stuckFrom(opts, false);
  }

  /** Stuck agents, each with every waiting message or (`oldestOnly`) the oldest and their number. */
  private stuckFrom(opts: { stuckAfterMs?: number }, oldestOnly: boolean): StuckAgent[] {
    const oldest = (list: StuckAgent[]) =>
      oldestOnly ? list.map((s) => ({ ...s, waiting: s.waiting.slice(0, 1), waitingTotal: s.waiting.length })) : list;
    const fast = this.viaSummaryView((v) => {
      this.refreshAttention(false);
      const humans = this.humanEntries.map((h) => h.id);
      const agents = this.knownInstances().filter((id) => !humans.includes(id));
      const activity = this.activityFrom(v.latestBySender());
      const now = this.now();
      const stuckAfterMs = opts.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS;
      const cutoff = now.getTime() - stuckAfterMs;
      if (oldestOnly) {
        const { totals, ...input } = v.stuckOldest(agents, humans, activity, cutoff, this.rowVisibility());
        const stuck = findStuckAgents({ agents, humans, ...input, lastActivity: activity, now, stuckAfterMs });
        return stuck.map((s) => ({ ...s, waiting: s.waiting.slice(0, 1), waitingTotal: totals.get(s.agent) ?? 0 }));
      }
      const input = v.stuckInput(agents, humans, activity, cutoff, this.rowVisibility());
      return findStuckAgents({ agents, humans, ...input, lastActivity: activity, now, stuckAfterMs });
    });
    if (fast) return fast;
    return oldest(this.stuckLoaded(opts));
  }

  private stuckLoaded(opts: { stuckAfterMs?: number }): StuckAgent[] {
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

  /**
   * What is waiting on this identity (see attention/needsYou.ts); `extra` adds
   * other features' entries. With `oldestWaitingOnly`, a stuck agent's entry
   * holds only the oldest message waiting for it (and how many wait): what a
   * view shows, without every waiting message in memory.
   */
  needsYou(opts: NeedsYouOptions = {}): QueueEntry[] {
    return needsYou(this.needsYouInput(opts));
  }

  /**
   * The same queue with only the newest `perKind` entries of each kind, and
   * how many there are of each in all (needsYouNewest()): what a view lists.
   */
  needsYouNewest(opts: NeedsYouOptions & { perKind: number }): NewestQueue {
    return needsYouNewest(this.needsYouInput(opts), opts.perKind);
  }

  private needsYouInput(opts: NeedsYouOptions): NeedsYouInput {
    const me = this.requireInstance();
    const fast = this.viaSummaryView((v): NeedsYouInput => {
      this.refreshAttention(false);
      const humans = this.humanEntries.map((h) => h.id);
      const known = this.knownInstances();
      return {
        me,
        humans,
        known,
        ...v.needsYouInput(
          me,
          humans.includes(me),
          this.rowVisibility(),
          `${this.attentionStamp}|${known.join(' ')}|${humans.join(' ')}`,
        ),
        acks: this.ackRecords,
        stuck: this.stuckFrom(opts, !!opts.oldestWaitingOnly),
        extra: opts.extra,
      };
    });
    if (fast) return fast;
    const view = this.attentionView();
    const reads = this.readState();
    return {
      me,
      humans: this.humanEntries.map((h) => h.id),
      known: this.knownInstances(),
      messages: view.messages,
      acks: this.ackRecords,
      isRead: (m) => reads.isRead(view.stored(m)),
      visible: (m) => this.visibleTo(view.stored(m), view.rooms, me),
      stuck: this.stuckFrom(opts, !!opts.oldestWaitingOnly),
      extra: opts.extra,
    };
  }

  /** "Since you last looked" for a room: a digest of its messages this identity has not read. */
  roomDigest(room: string): RoomDigest {
    const lower = this.getChatroom(room).name.toLowerCase();
    // From the summary, the unread are built one at a time and the room's messages only where a thread grew.
    const fast = this.viaUnreadSummary({ room }, (c, unread) => {
      const rows = summaryRoomRows(c, lower);
      const fresh: MessageList = {
        length: unread.length,
        at: (k) => (k < unread.length ? c.message(unread[k]) : undefined),
      };
      const at = (k: number) => rows[k];
      return roomDigest(
        fresh,
        refFinder(
          rows.length,
          (k) => c.number(at(k)),
          (k) => c.id(at(k)),
          (k) => c.message(at(k)),
        ),
      );
    });
    if (fast) return fast;
    const all = this.checkChatroom(room);
    const find = refFinder(
      all.length,
      (k) => all[k].number,
      (k) => all[k].id,
      (k) => all[k],
    );
    return roomDigest(this.checkUnread({ room }), find);
  }

  /** Each id's latest activity: a message, a logged action, a status. Cached while nothing changed. */
  private lastActivity(messages: Message[]): Map<string, string> {
    return this.activityFrom(messages.map((m) => ({ id: m.from, time: m.time })));
  }

  private activityFrom(senders: Array<{ id: string; time: string }>): Map<string, string> {
    const stamp = `${this.version};${fileStamp(this.layout.actionLog)}`;
    if (this.activityCache?.stamp === stamp) return this.activityCache.map;
    const latest = latestActivity([
      ...[...this.actionActivity.latest()].map(([id, time]) => ({ id, time })),
      ...senders,
      ...Object.entries(this.statuses()).map(([id, st]) => ({ id, time: st.updated })),
    ]);
    // Kept (and handed on in stuck agents' entries): copies, not slices that hold the whole action log.
    const map = new Map([...latest].map(([id, time]) => [detachedString(id), detachedString(time)]));
    this.activityCache = { stamp, map };
    return map;
  }

  /** The visibility rule over a summary row's fields, for any identity. */
  private rowVisibility(): (m: Pick<StoredMessage, 'from' | 'room' | 'to'>, who: string) => boolean {
    const rooms = this.roomsKnown();
    return (m, who) => this.visibleTo(m, rooms, who);
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
    if (!m) throw noMessage(ref, this.state.lineCount);
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
    const all =
      this.viaSummaryView((v) => roomsWithLogEvidence(this.layout, v.corpus.logRooms())) ??
      (this.loadStore(), this.store.chatrooms());
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

  /**
   * A new id no message of the summary's base has (its sorted id column: a
   * few small reads). The base stays open across sends while its file is the same.
   */
  private unusedMessageId(): string {
    const stamp = fileStamp(this.layout.searchIndex);
    if (this.idSummary?.stamp !== stamp) {
      this.idSummary?.corpus?.close();
      this.idSummary = { stamp, corpus: openCache(this.layout) };
    }
    const summary = this.idSummary.corpus;
    return newMessageId((id) => summary?.hasId(id) ?? false);
  }

  protected async writeMessage(input: OutgoingMessage): Promise<Message> {
    const time = this.timestamp();
    const id = this.unusedMessageId();
    // Object.assign, not a spread with fields after it (V8's slow path: several us each).
    const line = formatLogLine(Object.assign({}, input, { time }));
    const action = input.replyTo !== null ? 'REPLY_MESSAGE' : input.dm ? 'SEND_DM' : 'SEND_MESSAGE';
    const details =
      input.replyTo !== null
        ? `Replied to message #${input.replyTo} from ${input.replyToSender ?? ''} | To: ${input.target} | ID: ${id}`
        : `To: ${input.dm ? input.target.slice(1) : input.target} | ID: ${id}`;
    return this.persistMessage(Object.assign({}, input, { time, id, line, action, details }));
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

/** Physical lines in the log as the summary knows them (the store's lineCount). */
function summaryLineCount(c: CachedCorpus): number {
  let lines = c.header.log.lines;
  for (let i = c.baseCount; i < c.count; i++) lines = Math.max(lines, c.lastLine(i) ?? 0);
  return lines;
}

function noMessage(ref: MessageRef, count: number): CoordError {
  const range = count > 0 ? `numbers run from 1 to ${count}` : 'the log has no numbered messages yet';
  return new CoordError(
    'not-found',
    `no message ${describeRef(ref)}: ${range}; legacy messages are referred to by their 8-hex id (see check-chatroom)`,
  );
}

function* mapEach<T, U>(list: T[], map: (item: T) => U): Generator<U> {
  for (const item of list) yield map(item);
}

/** The summary row of a message, or the error the store's lookup gives for an unknown one. */
function requireRow(v: SummaryView, ref: MessageRef): number {
  const i = v.find(ref);
  if (i < 0) throw noMessage(ref, summaryLineCount(v.corpus));
  return i;
}

/**
 * Counts messages per room ("#name") and per direct-message peer ("@id") of
 * `me`, keyed by the room's or peer's name (no key built per message: there
 * may be a million).
 */
function targetTally(me: string): {
  add: (room: string | null, from: string, to: string | null) => void;
  byTarget: () => Record<string, number>;
} {
  const byRoom = new Map<string, number>();
  const byPeer = new Map<string | null, number>();
  return {
    add: (room, from, to) => {
      if (room !== null) byRoom.set(room, (byRoom.get(room) ?? 0) + 1);
      else byPeer.set(from === me ? to : from, (byPeer.get(from === me ? to : from) ?? 0) + 1);
    },
    byTarget: () => {
      const out: Record<string, number> = {};
      for (const [room, n] of byRoom) out[`#${room}`] = n;
      for (const [peer, n] of byPeer) out[`@${peer}`] = n;
      return out;
    },
  };
}

function lastN<T>(list: T[], limit?: number): T[] {
  return limit !== undefined && limit > 0 && list.length > limit ? list.slice(list.length - limit) : list;
}

function isBetween(m: { from: string; to: string | null }, me: string, other?: string): boolean {
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

function describeMarked(refs: Array<number | string>): string {
  if (refs.length === 0) return 'No new messages marked as read';
  if (refs.length === 1) return `Message ${refs[0]} marked as read`;
  return `${refs.length} messages marked as read: ${refs.slice(0, 20).join(', ')}${refs.length > 20 ? ', …' : ''}`;
}
