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
import { timestampToMillis } from '../common/time';
import { CachedCorpus } from '../search/indexReader';
import { summaryUnreadRows, UnreadFacts } from '../search/summaryReads';
import { addresses } from './addressing';
import { ACK_TAG, mentionTags, URGENT_TAG } from '../search/textTags';
import { hasInstanceShape } from '../common/names';
import { HUMAN_ALIAS } from '../formats/humansFile';
import type { MessageList } from './needsYou';

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
      const held = this.base.get(baseKey) as { stamp: string; rows: number[] } | undefined;
      let rows = held?.stamp === stamp ? held.rows : undefined;
      if (!rows) {
        rows = summaryUnreadRows(this.layout, c, who, shown, undefined, { from: 0, to: c.baseCount });
        this.base.set(baseKey, { stamp, rows });
      }
      if (c.count === c.baseCount) return rows;
      const appended = summaryUnreadRows(this.layout, c, who, shown, undefined, { from: c.baseCount, to: c.count });
      return appended.length === 0 ? rows : rows.concat(appended);
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
      for (let i = 0; i < c.count; i++) if (c.target(i) === direct) flags[i] = 1;
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
  ): { messages: MessageList; isRead: (m: Message) => boolean; visible: (m: Message) => boolean } {
    const c = this.corpus;
    const tagged = this.tagFlags([URGENT_TAG, ACK_TAG]);
    const addressed = this.addressedFlags(me, human);
    // 1: listed (from others); 2: mine that may answer one. Read back in order: no sort, no set.
    const kept = new Uint8Array(c.count);
    const askers = new Set<string>();
    const direct = `@${me}`;
    for (let i = 0; i < c.count; i++) {
      if ((tagged[i] !== 1 && addressed[i] !== 1) || c.from(i) === me) continue;
      kept[i] = 1;
      if (c.target(i) === direct) askers.add(c.from(i));
    }
    for (let i = 0; i < c.count; i++) {
      if (c.from(i) !== me) continue;
      const parent = c.parent(i);
      const target = c.target(i);
      if ((parent >= 0 && kept[parent] === 1) || (target.startsWith('@') && askers.has(target.slice(1)))) kept[i] = 2;
    }
    // Tens of thousands at a million messages: each is built when the rule asks for it, and only those
    // its answer keeps outlive it. The rule asks of a message it was just handed, so its row is remembered.
    const sorted: number[] = [];
    for (let i = 0; i < c.count; i++) if (kept[i] !== 0) sorted.push(i);
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
    };
    // The rule asks whether a message is read only of those I can see: the unread rows the counts use.
    const unread = this.unreadFlags(me, 'visible', (f) => visible(f, me));
    return {
      messages,
      isRead: (m) => unread[row.get(m)!] !== 1,
      visible: (m) => visible(this.facts(row.get(m)!), me),
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
    for (const { addressed, flags } of this.idleAgents(agents, humans, lastActivity, cutoff, visible, unread))
      for (let i = 0; i < c.count; i++) if (addressed[i] === 1 && flags[i] === 1) rows.push(i);
    return this.stuckAnswer(rows, unread, visible);
  }

  /**
   * Each agent idle for the whole threshold (the test findStuckAgents()
   * makes), with the rows addressed to it and its unread flags, which go into
   * `unread` too.
   */
  private *idleAgents(
    agents: readonly string[],
    humans: readonly string[],
    lastActivity: ReadonlyMap<string, string>,
    cutoff: number,
    visible: RowVisibility,
    unread: Map<string, Uint8Array>,
  ): Generator<{ agent: string; addressed: Uint8Array; flags: Uint8Array }> {
    for (const agent of agents) {
      const last = lastActivity.get(agent);
      const lastMs = last === undefined ? NaN : timestampToMillis(last);
      if (!(Number.isNaN(lastMs) || lastMs <= cutoff)) continue;
      const human = humans.includes(agent);
      const addressed = this.addressedFlags(agent, human);
      const flags = this.unreadAddressedFlags(agent, human, (f) => visible(f, agent));
      unread.set(agent, flags);
      yield { agent, addressed, flags };
    }
  }

  /** The rows' messages, with what findStuckAgents() asks of them (only rows addressed to an idle agent are here). */
  private stuckAnswer(rows: number[], unread: Map<string, Uint8Array>, visible: RowVisibility): StuckInput {
    const { messages, row } = this.rowsToMessages(rows);
    return {
      messages,
      isRead: (m, who) => unread.get(who)?.[row.get(m)!] !== 1,
      visibleTo: (m, who) => visible(this.facts(row.get(m)!), who),
    };
  }

  /**
   * For each agent idle past `cutoff` (the test findStuckAgents() makes),
   * how many messages wait for it and the oldest of them, found row by row
   * with the rule's own test of one message (addressed to it, visible to it,
   * unread by it, from before the cutoff) and no message built but the
   * oldest. Handing findStuckAgents() just those oldest messages gives its
   * answer with only the oldest waiting message of each agent.
   */
  stuckOldest(
    agents: readonly string[],
    humans: readonly string[],
    lastActivity: ReadonlyMap<string, string>,
    cutoff: number,
    visible: RowVisibility,
  ): StuckInput & { totals: Map<string, number> } {
    const c = this.corpus;
    const oldest: number[] = [];
    const totals = new Map<string, number>();
    const unread = new Map<string, Uint8Array>();
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
    for (const { agent, addressed, flags } of this.idleAgents(agents, humans, lastActivity, cutoff, visible, unread)) {
      let count = 0;
      let first = -1;
      for (let i = 0; i < c.count; i++) {
        if (addressed[i] !== 1 || flags[i] !== 1) continue;
        const t = c.timeMillis(i);
        if (Number.isNaN(t) || t > cutoff) continue;
        probe.from = c.from(i);
        probe.target = c.target(i);
        probe.text = probe.target.startsWith('@') ? '' : decodeAttention(c.text(i)).text;
        if (!addresses(probe, agent, humans)) continue;
        count++;
        if (first < 0) first = i;
      }
      if (count > 0) {
        totals.set(agent, count);
        oldest.push(first);
      }
    }
    return { ...this.stuckAnswer(oldest, unread, visible), totals };
  }

  /** Each sender's newest message time (what latestActivity() keeps of the messages). */
  latestBySender(): Array<{ id: string; time: string }> {
    return this.memo('latestBySender', () => {
      const c = this.corpus;
      // Each sender's newest row: times compared as numbers, the string built once per sender.
      const newest = new Map<string, number>();
      for (let i = 0; i < c.count; i++) {
        const from = c.from(i);
        const prev = newest.get(from);
        if (prev === undefined || c.timeAfter(i, prev)) newest.set(from, i);
      }
      return [...newest].map(([id, row]) => ({ id, time: c.time(row) }));
    });
  }
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
