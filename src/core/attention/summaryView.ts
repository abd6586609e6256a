/**
 * One state of the directory's summary (the persisted index plus what was
 * appended since, search/persistedIndex.ts) for a reader that stays open and
 * follows the directory without loading it (the extension): the answers of
 * one state are computed once and kept until the files change.
 *
 * The attention answers (Needs you, acks, stuck agents) run the same pure
 * rules as a loaded store (needsYou.ts, ackLedger.ts, stuckAgents.ts) over
 * the few rows that can matter to them, found from the summary's columns and
 * a scan of its texts: every row a rule could keep is among them, in the
 * store's order, so the rules return what they return over every message.
 */
import type { Message } from '../common/messageTypes';
import { decodeAttention } from '../formats/attentionTags';
import { Layout } from '../disk/layout';
import { timestampToMillis } from '../common/time';
import { CachedCorpus } from '../search/indexReader';
import { summaryUnreadRows, UnreadFacts } from '../search/summaryReads';

/** Who may see a row: the caller's visibility rule for one identity. */
export type RowVisibility = (facts: UnreadFacts, who: string) => boolean;

/** Texts whose stored tags can make a message urgent or ask for an ack (attentionTags.ts), lower-cased. */
const TAG_NEEDLES = ['[urgent] ', '[please ack] '];

export class SummaryView {
  private readonly memos = new Map<string, unknown>();
  private readonly messages = new Map<number, Message>();

  constructor(
    readonly layout: Layout,
    readonly corpus: CachedCorpus,
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

  /** The rows `who` has not read among those `shown` keeps, remembered under `key`. */
  unreadRows(who: string, key: string, shown: (m: UnreadFacts) => boolean): number[] {
    return this.memo(`unread:${who}:${key}`, () => summaryUnreadRows(this.layout, this.corpus, who, shown));
  }

  /** The same as a set of flags by row. */
  unreadFlags(who: string, key: string, shown: (m: UnreadFacts) => boolean): Uint8Array {
    return this.memo(`unreadFlags:${who}:${key}`, () => {
      const flags = new Uint8Array(this.corpus.count);
      for (const i of this.unreadRows(who, key, shown)) flags[i] = 1;
      return flags;
    });
  }

  /** Rows whose text may contain one of `needles` (a superset: the rules decide). */
  private textFlags(needles: string[], lower: boolean): Uint8Array {
    return this.memo(`text:${lower}:${needles.join('\u0000')}`, () => {
      const flags = new Uint8Array(this.corpus.count);
      this.corpus.markTextContaining(needles, lower, flags);
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
      const flags = this.textFlags([needle], false);
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
    const needles = [`@${id}`, '@all', ...(human ? ['@human'] : [])];
    const text = this.textFlags(needles, false);
    return this.memo(`addressed:${id}:${human}`, () => {
      const c = this.corpus;
      const flags = new Uint8Array(c.count);
      for (let i = 0; i < c.count; i++) if (text[i] === 1 || c.target(i) === `@${id}`) flags[i] = 1;
      return flags;
    });
  }

  private rowsToMessages(rows: Iterable<number>): { messages: Message[]; row: Map<Message, number> } {
    const sorted = [...new Set(rows)].sort((a, b) => a - b);
    const row = new Map<Message, number>();
    const messages = sorted.map((i) => {
      const m = this.message(i);
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
  ): { messages: Message[]; isRead: (m: Message) => boolean; visible: (m: Message) => boolean } {
    const c = this.corpus;
    const tagged = this.textFlags(TAG_NEEDLES, true);
    const addressed = this.addressedFlags(me, human);
    const listed = new Uint8Array(c.count);
    const rows: number[] = [];
    const askers = new Set<string>();
    for (let i = 0; i < c.count; i++) {
      if ((tagged[i] !== 1 && addressed[i] !== 1) || c.from(i) === me) continue;
      rows.push(i);
      listed[i] = 1;
      if (c.target(i) === `@${me}`) askers.add(c.from(i));
    }
    for (let i = 0; i < c.count; i++) {
      if (c.from(i) !== me) continue;
      const parent = c.parent(i);
      const target = c.target(i);
      if ((parent >= 0 && listed[parent] === 1) || (target.startsWith('@') && askers.has(target.slice(1))))
        rows.push(i);
    }
    const { messages, row } = this.rowsToMessages(rows);
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
    const tagged = this.textFlags(['[please ack] '], true);
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
    light = false,
  ): {
    messages: Message[];
    isRead: (m: Message, who: string) => boolean;
    visibleTo: (m: Message, who: string) => boolean;
    /** The whole message of a row `messages` holds (they are partial when `light`). */
    full: (m: Message) => Message;
  } {
    const c = this.corpus;
    const rows: number[] = [];
    const unread = new Map<string, Uint8Array>();
    for (const agent of agents) {
      const last = lastActivity.get(agent);
      const lastMs = last === undefined ? NaN : timestampToMillis(last);
      if (!(Number.isNaN(lastMs) || lastMs <= cutoff)) continue;
      const addressed = this.addressedFlags(agent, humans.includes(agent));
      const flags = this.unreadFlags(agent, 'visible', (f) => visible(f, agent));
      unread.set(agent, flags);
      for (let i = 0; i < c.count; i++) if (addressed[i] === 1 && flags[i] === 1) rows.push(i);
    }
    const { messages, row } = light ? this.rowsToLightMessages(rows) : this.rowsToMessages(rows);
    return {
      messages,
      // Only rows addressed to an idle agent are here; the rule asks nothing else.
      isRead: (m, who) => unread.get(who)?.[row.get(m)!] !== 1,
      visibleTo: (m, who) => visible(this.facts(row.get(m)!), who),
      full: (m) => (light ? this.corpus.message(row.get(m)!) : m),
    };
  }

  /**
   * Rows as what the stuck-agent rule reads of a message (who, where, when,
   * and the text only where it addresses by mention): a hundred thousand
   * waiting messages cost a few megabytes, not their whole texts.
   */
  private rowsToLightMessages(rows: Iterable<number>): { messages: Message[]; row: Map<Message, number> } {
    const c = this.corpus;
    const sorted = [...new Set(rows)].sort((a, b) => a - b);
    const row = new Map<Message, number>();
    const messages = sorted.map((i): Message => {
      const target = c.target(i);
      const m: Message = {
        number: c.number(i),
        id: '',
        time: c.time(i),
        from: c.from(i),
        target,
        text: target.startsWith('@') ? '' : decodeAttention(c.text(i)).text,
        replyTo: null,
        importance: 'normal',
        ackRequired: false,
      };
      row.set(m, i);
      return m;
    });
    return { messages, row };
  }

  /** Each sender's newest message time (what latestActivity() keeps of the messages). */
  latestBySender(): Array<{ id: string; time: string }> {
    return this.memo('latestBySender', () => {
      const c = this.corpus;
      const newest = new Map<string, string>();
      for (let i = 0; i < c.count; i++) {
        const from = c.from(i);
        const time = c.time(i);
        const prev = newest.get(from);
        if (prev === undefined || time > prev) newest.set(from, time);
      }
      return [...newest].map(([id, time]) => ({ id, time }));
    });
  }
}
