/**
 * One state of the directory's summary (the persisted index plus what was
 * appended since, search/persistedIndex.ts) for a reader that stays open and
 * follows the directory without loading it (the extension): the answers of
 * one state are computed once and kept until the files change.
 *
 * The attention answers (Needs you, acks, stuck agents) run the same pure
 * rules as a loaded store (needsYou.ts, ackLedger.ts, stuckAgents.ts) over
 * the few rows that can matter to them, found from the summary's columns and
 * text tags (search/textTags.ts): every row a rule could keep is among them, in the
 * store's order, so the rules return what they return over every message.
 */
import type { Message } from '../common/messageTypes';
import { decodeAttention } from '../formats/attentionTags';
import * as path from 'path';
import { Layout } from '../disk/layout';
import { fileStamp, listFiles } from '../disk/fsutil';
import { discoverSources } from '../read/sources';
import { CachedCorpus } from '../search/indexReader';
import { summaryUnreadRows, UnreadFacts } from '../search/summaryReads';
import { addresses } from './addressing';
import { ACK_TAG, mentionTags, URGENT_TAG } from '../search/textTags';
import { hasInstanceShape } from '../common/names';
import { HUMAN_ALIAS } from '../formats/humansFile';
import type { MessageList, QueueFacts, QueueMemo } from './needsYou';
import { idleAgents, waitedSince } from './stuckAgents';

/** Who may see a row: the caller's visibility rule for one identity. */
export type RowVisibility = (facts: UnreadFacts, who: string) => boolean;

/** What findStuckAgents() reads of the messages it is handed. */
export interface StuckInput {
  messages: Message[];
  isRead: (m: Message, who: string) => boolean;
  visibleTo: (m: Message, who: string) => boolean;
}

export class SummaryView {
  private readonly memos = new Map<string, unknown>();
  private readonly messages = new Map<number, Message>();

  constructor(
    readonly layout: Layout,
    readonly corpus: CachedCorpus,
    /** What the base's rows said, kept across the states that share this corpus (it only grows after them). */
    private readonly base: Map<string, unknown> = new Map(),
    /** What the visibility rule depends on besides a row (the closed rooms), as a key. */
    private readonly visibilityKey: () => string = () => '',
  ) {}

  close(): void {
    this.corpus.close();
  }

  /** Computed once for this state. */
  memo<T>(key: string, compute: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = compute();
    this.memos.set(key, value);
    return value;
  }

  /** Row i as a message (the same object each time it is asked for, so rules can map it back). */
  message(i: number): Message {
    let m = this.messages.get(i);
    if (!m) {
      m = this.corpus.message(i);
      this.messages.set(i, m);
    }
    return m;
  }

  /**
   * The rows `who` has not read among those `shown` keeps, remembered under
   * `key`. The base's rows are kept across states while none of the records
   * the read rule reads for `who` changed (readRecordsStamp) and the rooms
   * it may see are the same: a change that only appended messages reads the
   * rule over those alone.
   */
  unreadRows(who: string, key: string, shown: (m: UnreadFacts) => boolean): number[] {
    return this.memo(`unread:${who}:${key}`, () => {
      const c = this.corpus;
      const baseKey = `unreadBase:${who}:${key}`;
      const stamp = `${readRecordsStamp(this.layout, who)}|${this.visibilityKey()}`;
      let held = this.base.get(baseKey) as HeldRows | undefined;
      if (held?.stamp !== stamp) {
        const rows = summaryUnreadRows(this.layout, c, who, shown, undefined, { from: 0, to: c.baseCount });
        held = { stamp, rows, baseLength: rows.length, upTo: c.baseCount, ids: [] };
        this.base.set(baseKey, held);
      }
      // The rows appended since the base keep their verdicts too while the stamp holds: the list grows in
      // place (a million-row copy per change would be garbage), from the first row appended since it last
      // grew, or from the base when a message older than those came in among them (a legacy block).
      if (!sameAppended(c, held)) {
        held.rows.length = held.baseLength;
        held.upTo = c.baseCount;
        held.ids = [];
      }
      if (held.upTo < c.count) {
        for (const i of summaryUnreadRows(this.layout, c, who, shown, undefined, { from: held.upTo, to: c.count }))
          held.rows.push(i);
        for (let i = held.upTo; i < c.count; i++) held.ids.push(c.id(i));
        held.upTo = c.count;
      }
      return held.rows;
    });
  }

  /** The same as a set of flags by row. */
  unreadFlags(who: string, key: string, shown: (m: UnreadFacts) => boolean): Uint8Array {
    return this.memo(`unreadFlags:${who}:${key}`, () => flagsOf(this.corpus.count, this.unreadRows(who, key, shown)));
  }

  /**
   * The unread flags of the rows addressed to `who` (addressedFlags), 0 for
   * the others: all a rule that asks only of messages addressed to `who`
   * reads (the stuck agents'), without a pass of the read rule over every row.
   */
  private unreadAddressedFlags(who: string, human: boolean, shown: (m: UnreadFacts) => boolean): Uint8Array {
    return this.memo(`unreadAddressed:${who}:${human}`, () =>
      flagsOf(
        this.corpus.count,
        summaryUnreadRows(this.layout, this.corpus, who, shown, this.addressedFlags(who, human)),
      ),
    );
  }

  /** Rows whose text carries one of `tags` (search/textTags.ts): the summary lists the base's. */
  private tagFlags(tags: string[]): Uint8Array {
    return this.memo(`tags:${tags.join(' ')}`, () => {
      const flags = new Uint8Array(this.corpus.count);
      this.corpus.markTagged(tags, flags);
      return flags;
    });
  }

  /**
   * Rows whose text may contain one of `needles` (a superset: the rules
   * decide). The base's texts are scanned once per corpus; the rows appended
   * since are looked at each time.
   */
  private textFlags(needles: string[]): Uint8Array {
    const key = `text:${needles.join('\u0000')}`;
    return this.memo(key, () => {
      const c = this.corpus;
      const flags = new Uint8Array(c.count);
      const base = this.base.get(key);
      if (!base) {
        c.markTextContaining(needles, flags);
        this.base.set(key, flags.slice(0, c.baseCount));
        return flags;
      }
      flags.set(base as Uint8Array);
      const wanted = needles.map((n) => n.toLowerCase());
      for (let i = c.baseCount; i < c.count; i++) {
        const text = c.text(i).toLowerCase();
        if (wanted.some((n) => text.includes(n))) flags[i] = 1;
      }
      return flags;
    });
  }

  /**
   * The row of a message by number, `#N` or 8-hex id, as the store looks it
   * up (lookupMessageRef): an 8-digit string is an id when no message has
   * that number. -1 when there is none.
   */
  find(ref: number | string): number {
    const c = this.corpus;
    const i = c.find(ref);
    if (i >= 0 || typeof ref !== 'string' || !/^\d{8}$/.test(ref)) return i;
    for (let k = 0; k < c.count; k++) if (c.number(k) === null && c.id(k) === ref) return k;
    for (let k = 0; k < c.count; k++) if (c.id(k) === ref) return k;
    return -1;
  }

  /** Rows whose stored text contains `needle`, in order. */
  rowsContaining(needle: string): number[] {
    return this.memo(`containing:${needle}`, () => {
      const c = this.corpus;
      const flags = this.textFlags([needle]);
      const rows: number[] = [];
      for (let i = 0; i < c.count; i++) if (flags[i] === 1 && c.text(i).includes(needle)) rows.push(i);
      return rows;
    });
  }

  private facts(i: number): UnreadFacts {
    const c = this.corpus;
    return { from: c.from(i), room: c.room(i), to: c.to(i) };
  }

  /** Rows `id` may be addressed by: sent to it directly, or naming it (or everyone, or the humans) in the text. */
  private addressedFlags(id: string, human: boolean): Uint8Array {
    return this.memo(`addressed:${id}:${human}`, () => {
      const c = this.corpus;
      const flags = this.mentionFlags(id, human);
      const direct = `@${id}`;
      const directRows = (from: number, to: number) => {
        const rows: number[] = [];
        for (let i = from; i < to; i++) if (c.target(i) === direct) rows.push(i);
        return rows;
      };
      const baseKey = `directBase:${id}`;
      let base = this.base.get(baseKey) as Int32Array | undefined;
      if (!base) this.base.set(baseKey, (base = Int32Array.from(directRows(0, c.baseCount))));
      for (let k = 0; k < base.length; k++) flags[base[k]] = 1;
      for (const i of directRows(c.baseCount, c.count)) flags[i] = 1;
      return flags;
    });
  }

  /** Rows whose text mentions `id` (or @all, or the humans' alias): by the summary's tags, else a scan. */
  private mentionFlags(id: string, human: boolean): Uint8Array {
    const names = human ? [id, HUMAN_ALIAS] : [id];
    if (names.every(hasInstanceShape)) return this.tagFlags(names.flatMap(mentionTags)).slice();
    return this.textFlags(names.map((name) => `@${name}`).concat('@all')).slice();
  }

  /**
   * The rows' messages for one answer of a rule, with the row of each. Built
   * afresh, not kept with the state: they may be tens of thousands, and only
   * the few the answer keeps should outlive it.
   */
  private rowsToMessages(rows: Iterable<number>): { messages: Message[]; row: Map<Message, number> } {
    const sorted = [...new Set(rows)].sort((a, b) => a - b);
    const row = new Map<Message, number>();
    const messages = sorted.map((i) => {
      const m = this.corpus.message(i);
      row.set(m, i);
      return m;
    });
    return { messages, row };
  }

  /**
   * What needsYou() reads for `me`: the messages from others it may list
   * (tagged, or addressed to me) and mine that may answer them (replies to
   * them, direct messages to their senders), with read state and visibility.
   */
  needsYouInput(
    me: string,
    human: boolean,
    visible: RowVisibility,
    /** What else the rule reads besides the rows (the acks, the known ids, the humans), as a key. */
    attentionKey: string,
  ): {
    messages: MessageList;
    isRead: (m: Message) => boolean;
    isReadAt: (k: number) => boolean;
    visible: (m: Message) => boolean;
    memo: QueueMemo;
  } {
    const { rows: sorted, appendedMine } = this.queueRows(me, human);
    // Tens of thousands at a million messages: each is built when the rule asks for it, and only those
    // its answer keeps outlive it. The rule asks of a message it was just handed, so its row is remembered.
    const row = new WeakMap<Message, number>();
    const messages: MessageList = {
      length: sorted.length,
      at: (k) => {
        const i = sorted[k];
        if (i === undefined) return undefined;
        const m = this.corpus.message(i);
        row.set(m, i);
        return m;
      },
      from: (k) => this.corpus.from(sorted[k]),
      target: (k) => this.corpus.target(sorted[k]),
      time: (k) => this.corpus.time(sorted[k]),
      replyTo: (k) => this.corpus.replyTo(sorted[k]),
    };
    // The rule asks whether a message is read only of those I can see: the unread rows the counts use.
    const unread = this.unreadFlags(me, 'visible', (f) => visible(f, me));
    return {
      messages,
      isRead: (m) => unread[row.get(m)!] !== 1,
      isReadAt: (k) => unread[sorted[k]] !== 1,
      visible: (m) => visible(this.facts(row.get(m)!), me),
      memo: this.queueMemo(me, human, attentionKey, sorted, appendedMine),
    };
  }

  /**
   * The rows the queue of `me` reads, in order: others' rows it may list and
   * mine that may answer one of them (a reply to one, a direct message to
   * one's sender). Of the base's rows only those tagged or addressed to me
   * may be listed, worked out once per corpus; each row appended since is
   * handed to the rule.
   */
  private queueRows(me: string, human: boolean): { rows: number[]; appendedMine: number } {
    const c = this.corpus;
    const direct = `@${me}`;
    const scan = (from: number, to: number, mayList: (i: number) => boolean) => {
      const listed: number[] = [];
      const mine: number[] = [];
      const askers = new Set<string>();
      for (let i = from; i < to; i++) {
        const sender = c.from(i);
        if (sender === me) mine.push(i);
        else if (mayList(i)) {
          listed.push(i);
          if (c.target(i) === direct) askers.add(sender);
        }
      }
      return { listed, mine, askers };
    };
    const answering = (rows: ArrayLike<number>, listed: (i: number) => boolean, asks: (id: string) => boolean) => {
      const out: number[] = [];
      for (let k = 0; k < rows.length; k++) {
        const i = rows[k];
        const parent = c.parent(i);
        const target = c.target(i);
        if ((parent >= 0 && listed(parent)) || (target.startsWith('@') && asks(target.slice(1)))) out.push(i);
      }
      return out;
    };
    const baseKey = `queueRows:${me}:${human}`;
    let base = this.base.get(baseKey) as QueueBaseRows | undefined;
    if (!base) {
      const tagged = this.tagFlags([URGENT_TAG, ACK_TAG]);
      const addressed = this.addressedFlags(me, human);
      const found = scan(0, c.baseCount, (i) => tagged[i] === 1 || addressed[i] === 1);
      const listed = Int32Array.from(found.listed);
      const mine = Int32Array.from(found.mine);
      const answers = answering(
        mine,
        (i) => hasRow(listed, i),
        (id) => found.askers.has(id),
      );
      base = { listed, mine, askers: found.askers, answering: Int32Array.from(answers) };
      this.base.set(baseKey, base);
    }
    const { listed, mine, askers } = base;
    const tail = scan(c.baseCount, c.count, () => true);
    const tailListed = new Set(tail.listed);
    const isListed = (i: number) => (i < c.baseCount ? hasRow(listed, i) : tailListed.has(i));
    // A sender first asking me since the base makes my direct messages of the base to them answers too.
    const newAskers = [...tail.askers].filter((id) => !askers.has(id));
    const baseAnswering =
      newAskers.length === 0
        ? base.answering
        : answering(mine, isListed, (id) => askers.has(id) || newAskers.includes(id));
    const tailAnswering = answering(tail.mine, isListed, (id) => askers.has(id) || tail.askers.has(id));
    const rows: number[] = [];
    mergeRows(listed, baseAnswering, rows);
    mergeRows(tail.listed, tailAnswering, rows);
    return { rows, appendedMine: tail.mine.length };
  }

  /**
   * What the rule found of the base's rows (QueueFacts), kept across states
   * while nothing it reads of them changed: the rooms I may see, the acks
   * and ids, and my own messages (a reply of mine answers a question). A
   * read mark changes none of these, and a change that only appended
   * others' messages has those alone looked at.
   */
  private queueMemo(
    me: string,
    human: boolean,
    attentionKey: string,
    rows: number[],
    /** How many of my messages were appended since the base. */
    appendedMine: number,
  ): QueueMemo {
    const c = this.corpus;
    const stamp = `${this.visibilityKey()}|${attentionKey}|${appendedMine}`;
    const baseKey = `queueBase:${me}:${human}`;
    let held = this.base.get(baseKey) as { stamp: string; facts: Map<number, QueueFacts> } | undefined;
    if (held?.stamp !== stamp) {
      held = { stamp, facts: new Map() };
      this.base.set(baseKey, held);
    }
    const facts = held.facts;
    return {
      facts: (k) => (rows[k] < c.baseCount ? facts.get(rows[k]) : undefined),
      keep: (k, f) => {
        if (rows[k] < c.baseCount) facts.set(rows[k], f);
      },
    };
  }

  /** The messages that may ask for an ack (ackReport() keeps only those), and whether `me` sees each. */
  ackInput(me: string, visible: RowVisibility): { messages: Message[]; visible: (m: Message) => boolean } {
    const tagged = this.tagFlags([ACK_TAG]);
    const rows: number[] = [];
    for (let i = 0; i < this.corpus.count; i++) if (tagged[i] === 1) rows.push(i);
    const { messages, row } = this.rowsToMessages(rows);
    return { messages, visible: (m) => visible(this.facts(row.get(m)!), me) };
  }

  /**
   * What findStuckAgents() reads: for each agent idle for the whole threshold
   * (the same test it makes), the messages addressed to it before the cutoff,
   * with each agent's read state and visibility.
   */
  stuckInput(
    agents: readonly string[],
    humans: readonly string[],
    lastActivity: ReadonlyMap<string, string>,
    cutoff: number,
    visible: RowVisibility,
  ): StuckInput {
    const c = this.corpus;
    const rows: number[] = [];
    const unread = new Map<string, Uint8Array>();
    for (const agent of idleAgents(agents, lastActivity, cutoff).keys()) {
      const human = humans.includes(agent);
      const addressed = this.addressedFlags(agent, human);
      const flags = this.unreadAddressedFlags(agent, human, (f) => visible(f, agent));
      unread.set(agent, flags);
      for (let i = 0; i < c.count; i++) if (addressed[i] === 1 && flags[i] === 1) rows.push(i);
    }
    return this.stuckAnswer(rows, (who, i) => unread.get(who)?.[i] === 1, visible);
  }

  /** The rows' messages, with what findStuckAgents() asks of them (only rows addressed to an idle agent are here). */
  private stuckAnswer(
    rows: number[],
    unread: (who: string, row: number) => boolean,
    visible: RowVisibility,
  ): StuckInput {
    const { messages, row } = this.rowsToMessages(rows);
    return {
      messages,
      isRead: (m, who) => !unread(who, row.get(m)!),
      visibleTo: (m, who) => visible(this.facts(row.get(m)!), who),
    };
  }

  /**
   * For each agent idle past `cutoff` (the test findStuckAgents() makes),
   * how many messages wait for it and the oldest of them (waitingRows()), no
   * message built but the oldest. Handing findStuckAgents() just those oldest
   * messages gives its answer with only the oldest waiting message of each
   * agent.
   */
  stuckOldest(
    agents: readonly string[],
    humans: readonly string[],
    lastActivity: ReadonlyMap<string, string>,
    cutoff: number,
    visible: RowVisibility,
  ): StuckInput & { totals: Map<string, number> } {
    const oldest: number[] = [];
    const totals = new Map<string, number>();
    const waiting = new Map<string, WaitingRows[]>();
    for (const agent of idleAgents(agents, lastActivity, cutoff).keys()) {
      const parts = this.waitingRows(agent, humans, visible);
      waiting.set(agent, parts);
      let count = 0;
      let first = -1;
      for (const { rows, times } of parts)
        for (let k = 0; k < rows.length; k++) {
          if (!waitedSince(times[k], cutoff)) continue;
          count++;
          if (first < 0) first = rows[k];
        }
      if (count > 0) {
        totals.set(agent, count);
        oldest.push(first);
      }
    }
    const waits = (who: string, i: number) => (waiting.get(who) ?? []).some((part) => hasRow(part.rows, i));
    return { ...this.stuckAnswer(oldest, waits, visible), totals };
  }

  /**
   * The rows that wait for `agent` whatever the clock: addressed to it (the
   * rule's own addresses()), visible to it and unread by it, in order, with
   * their times. The base's are kept across states while the agent's read
   * records and the rooms it may see are the same, as unreadRows() keeps its
   * rows: a change that only appended messages looks at those alone.
   */
  private waitingRows(agent: string, humans: readonly string[], visible: RowVisibility): WaitingRows[] {
    return this.memo(`waiting:${agent}`, () => {
      const c = this.corpus;
      const human = humans.includes(agent);
      const shown = (f: UnreadFacts) => visible(f, agent);
      // One message-shaped probe, refilled for each row: addresses() reads who, where and (in a room) the text.
      const probe: Message = {
        number: null,
        id: '',
        time: '',
        from: '',
        target: '',
        text: '',
        replyTo: null,
        importance: 'normal',
        ackRequired: false,
      };
      // Of the base, only the rows addressedFlags() keeps are looked at; each row appended since is.
      const scan = (from: number, to: number, among?: Uint8Array): WaitingRows => {
        const rows: number[] = [];
        const times: number[] = [];
        for (const i of summaryUnreadRows(this.layout, c, agent, shown, among, { from, to })) {
          probe.from = c.from(i);
          probe.target = c.target(i);
          probe.text = probe.target.startsWith('@') ? '' : decodeAttention(c.text(i)).text;
          if (!addresses(probe, agent, humans)) continue;
          rows.push(i);
          times.push(c.timeMillis(i));
        }
        return { rows: Int32Array.from(rows), times: Float64Array.from(times) };
      };
      const baseKey = `waitingBase:${agent}:${humans.join(' ')}`;
      const stamp = `${readRecordsStamp(this.layout, agent)}|${this.visibilityKey()}`;
      let held = this.base.get(baseKey) as (WaitingRows & { stamp: string }) | undefined;
      if (held?.stamp !== stamp) {
        held = { stamp, ...scan(0, c.baseCount, this.addressedFlags(agent, human)) };
        this.base.set(baseKey, held);
      }
      return c.count === c.baseCount ? [held] : [held, scan(c.baseCount, c.count)];
    });
  }

  /** Each sender's newest message time (what latestActivity() keeps of the messages). */
  latestBySender(): Array<{ id: string; time: string }> {
    return this.memo('latestBySender', () => {
      const c = this.corpus;
      // Each sender's newest row: times compared as numbers, the string built once per sender.
      const scan = (newest: Map<string, number>, from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const sender = c.from(i);
          const prev = newest.get(sender);
          if (prev === undefined || c.timeAfter(i, prev)) newest.set(sender, i);
        }
        return newest;
      };
      let base = this.base.get('latestBySender') as Map<string, number> | undefined;
      if (!base) this.base.set('latestBySender', (base = scan(new Map(), 0, c.baseCount)));
      const newest = scan(new Map(base), c.baseCount, c.count);
      return [...newest].map(([id, row]) => ({ id, time: c.time(row) }));
    });
  }
}

/** Rows waiting for an agent (SummaryView.waitingRows), in order, with their times. */
interface WaitingRows {
  rows: Int32Array;
  times: Float64Array;
}

/** What the base's rows say of the queue of one reader (SummaryView.queueRows). */
interface QueueBaseRows {
  /** Others' rows that may be listed. */
  listed: Int32Array;
  /** The reader's own rows. */
  mine: Int32Array;
  /** Who sent the reader a direct message among `listed`. */
  askers: Set<string>;
  /** Of `mine`, those that answer one of `listed` (by the base's askers). */
  answering: Int32Array;
}

/** Appends the rows of two ascending lists with no row in common to `out`, in order. */
function mergeRows(a: ArrayLike<number>, b: ArrayLike<number>, out: number[]): void {
  let j = 0;
  for (let k = 0; k < a.length; k++) {
    while (j < b.length && b[j] < a[k]) out.push(b[j++]);
    out.push(a[k]);
  }
  while (j < b.length) out.push(b[j++]);
}

/** Whether ascending `rows` holds `row`. */
function hasRow(rows: ArrayLike<number>, row: number): boolean {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid] === row) return true;
    if (rows[mid] < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** A reader's unread rows kept across states: the base's, then those appended since, up to row `upTo`. */
interface HeldRows {
  stamp: string;
  rows: number[];
  /** How many of `rows` are the base's. */
  baseLength: number;
  upTo: number;
  /** The ids of the rows from the base's end to `upTo`, to see that they are still those rows. */
  ids: string[];
}

/** Whether the rows appended since the base that `held` covers are still the same messages at the same rows. */
function sameAppended(c: CachedCorpus, held: HeldRows): boolean {
  if (held.upTo > c.count) return false;
  for (let k = 0; k < held.ids.length; k++) if (c.id(c.baseCount + k) !== held.ids[k]) return false;
  return true;
}

/** Flags by row, 1 for each of `rows`. */
function flagsOf(count: number, rows: number[]): Uint8Array {
  const flags = new Uint8Array(count);
  for (let k = 0; k < rows.length; k++) flags[rows[k]] = 1;
  return flags;
}

/**
 * The state of every record the read rule (ReadState) reads for `who`: its
 * marks, its bash positions, its inbox, the bash DM files and DM receipts.
 * While it is the same, a row the rule read as unread still is.
 */
function readRecordsStamp(layout: Layout, who: string): string {
  const files = [layout.readMarks(who), layout.positions(who), layout.inbox(who)];
  // DM files and receipts of other pairs hold no message `who` may see.
  for (const name of listFiles(layout.readStatusDir))
    if (name.startsWith('dm_') && name.includes(who)) files.push(path.join(layout.readStatusDir, name));
  for (const source of discoverSources(layout))
    if (source.kind === 'bashDm' && source.name.includes(who)) files.push(source.file);
  return files.map(fileStamp).join(';');
}
