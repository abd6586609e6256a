/**
 * The NATS backend's in-memory replica: messages from the COORD_MESSAGES
 * stream (an ordered consumer from sequence 1, then live), the action log
 * from COORD_ACTIONS, rooms, statuses, read marks, acknowledgements, the
 * humans and the claims from KV watchers. It is
 * a MessageStore, so Coordination's rules (visibility, unread, mentions,
 * threads, search) run over it exactly as over the directory.
 *
 * A message's number is its stream sequence. Its sender is the subject's
 * last tokens (coord.msg.<sender>), which the server's permissions can tie
 * to a user; a log line naming someone else is shown as from the subject's
 * sender.
 */
import type { JsMsg, ConsumerMessages } from '@nats-io/jetstream';
import type { KvWatchEntry } from '@nats-io/kv';
import type { Chatroom, InstanceStatus } from '../common/messageTypes';
import type { ActionEntry } from '../formats/actionLog';
import { type AckRecord, parseAcks } from '../formats/acksFile';
import type { HumanEntry } from '../formats/humansFile';
import { type Claim, claimsFromData } from '../claims/claimFile';
import type { MessageStore, ReadView } from '../read/messageStore';
import { lookupMessageRef, type StoredMessage } from '../read/store';
import { parseLogLine } from '../formats/messagesLog';
import { resolveLogTarget } from '../read/messageIdentity';
import { hashId } from '../read/messageIdentity';
import { isValidInstanceId } from '../common/names';
import {
  ACTIONS_STREAM,
  MIRRORED_BUCKETS,
  type BucketName,
  ID_HEADER,
  MESSAGES_STREAM,
  ORIGIN_HEADER,
  MESSAGE_SUBJECT_PREFIX,
  type NatsSession,
} from './natsSession';
import { CoordError } from '../common/errors';

type Source = 'messages' | 'actions' | BucketName;

export class NatsReplica implements MessageStore {
  version = 0;
  private refreshedVersion = -1;
  private messages: StoredMessage[] = [];
  private byId = new Map<string, StoredMessage>();
  /** Messages a bridge copied from a directory: number -> the bridge's id. */
  private origins = new Map<number, string>();
  private rooms = new Map<string, Chatroom>();
  private statusMap = new Map<string, InstanceStatus>();
  private readNumbers = new Map<string, Set<number>>();
  private actions: ActionEntry[] = [];
  private ackMap = new Map<string, AckRecord[]>();
  private humanMap = new Map<string, HumanEntry>();
  private claimList: Claim[] = [];
  /** Counts of applied changes to the acks and humans, and to the claims: their change stamps. */
  private attentionChanges = 0;
  private claimsChanges = 0;
  private applied: Record<Source, number> = {
    messages: 0,
    actions: 0,
    rooms: 0,
    statuses: 0,
    reads: 0,
    acks: 0,
    humans: 0,
    claims: 0,
    delivery: 0,
  };
  private waiters: Array<{ source: Source; at: number; resolve: () => void; reject: (e: Error) => void }> = [];
  private listeners = new Set<() => void>();
  private stops: Array<() => Promise<unknown>> = [];
  private failure: Error | null = null;
  private notifyTimer: NodeJS.Timeout | null = null;

  constructor(private readonly session: NatsSession) {}

  /** Starts the consumer and the watchers and resolves once everything on the server now is loaded. */
  async start(): Promise<void> {
    const s = this.session;
    const targets = { ...this.applied };
    targets.messages = (await s.jsm.streams.info(MESSAGES_STREAM)).state.last_seq;
    targets.actions = (await s.jsm.streams.info(ACTIONS_STREAM)).state.last_seq;
    for (const bucket of MIRRORED_BUCKETS) targets[bucket] = (await s.kv[bucket].status()).streamInfo.state.last_seq;
    await this.consumeStream(MESSAGES_STREAM, (m) => this.applyMessage(m));
    await this.consumeStream(ACTIONS_STREAM, (m) => this.applyAction(m));
    for (const bucket of MIRRORED_BUCKETS) await this.watchBucket(bucket);
    await Promise.all((Object.keys(targets) as Source[]).map((source) => this.waitFor(source, targets[source])));
  }

  async stop(): Promise<void> {
    const stops = this.stops;
    this.stops = [];
    await Promise.all(stops.map((stop) => stop().catch(() => undefined)));
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
  }

  /** Resolves once `source` has applied sequence/revision `at` (a write of ours is then visible here). */
  waitFor(source: Source, at: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.applied[source] >= at) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new CoordError(
            'io',
            `the NATS server ${this.session.server} did not deliver ${source} up to ${at} ` +
              `within ${Math.round((this.session.timeoutMs * 2) / 1000)} s; check the server's health`,
          ),
        );
      }, this.session.timeoutMs * 2);
      const waiter = {
        source,
        at,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * After a write the server acknowledged: waits (bounded) until the replica
   * has it, so a read right after sees it. Never fails: the write is done
   * whatever the replica's lag, and reporting it as failed would invite a
   * duplicate resend.
   */
  async settle(source: Source, at: number): Promise<void> {
    await this.waitFor(source, at).catch(() => undefined);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ------------------------------------------------------------ MessageStore

  refresh(): boolean {
    const changed = this.refreshedVersion !== this.version;
    this.refreshedVersion = this.version;
    return changed;
  }

  allMessages(): StoredMessage[] {
    return this.messages;
  }

  messageByRef(ref: number | string): StoredMessage | undefined {
    return lookupMessageRef(
      ref,
      (n) => this.messages[n - 1],
      (id) => this.byId.get(id),
    );
  }

  get lineCount(): number {
    return this.messages.length;
  }

  chatrooms(): Map<string, Chatroom> {
    return this.rooms;
  }

  statuses(): Map<string, InstanceStatus> {
    return this.statusMap;
  }

  readState(instance: string): ReadView {
    const numbers = this.readNumbers.get(instance) ?? new Set<number>();
    return { isRead: (m) => m.from === instance || (m.number !== null && numbers.has(m.number)) };
  }

  // ------------------------------------------------------------ NATS-only reads

  /** Instances with read marks (every writer registers one), a status or registered as humans, and `self`. */
  knownInstances(self: string | null): string[] {
    const ids = new Set<string>([...this.readNumbers.keys(), ...this.statusMap.keys(), ...this.humanMap.keys()]);
    if (self) ids.add(self);
    return [...ids].filter((id) => isValidInstanceId(id)).sort();
  }

  actionLog(): ActionEntry[] {
    return this.actions;
  }

  /** Every acknowledgement, grouped by who acknowledged. */
  acks(): AckRecord[] {
    return [...this.ackMap.values()].flat();
  }

  /** The humans, in the order their keys were first seen (registration order). */
  humans(): HumanEntry[] {
    return [...this.humanMap.values()];
  }

  /** Changes whenever the acknowledgements or the humans do. */
  attentionStamp(): string {
    return String(this.attentionChanges);
  }

  /** Every stored claim (expired ones included) and a stamp that changes with them. */
  claims(): Claim[] {
    return this.claimList;
  }

  claimsStamp(): string {
    return String(this.claimsChanges);
  }

  /** The bridge that copied message `number` from a directory, if one did. */
  originOf(number: number): string | undefined {
    return this.origins.get(number);
  }

  /** By 8-hex id only (messageByRef reads an all-digit id as a number first). */
  messageById(id: string): StoredMessage | undefined {
    return this.byId.get(id);
  }

  /** The read numbers of one instance as stored (for the compare-and-set update). */
  readNumbersOf(instance: string): Set<number> {
    return this.readNumbers.get(instance) ?? new Set();
  }

  // ------------------------------------------------------------ applying

  private async consumeStream(stream: string, apply: (m: JsMsg) => void): Promise<void> {
    const consumer = await this.session.js.consumers.get(stream);
    // Short pull requests: an ordered consumer whose node died is noticed (missed heartbeats) and recreated in ~2 s.
    const messages: ConsumerMessages = await consumer.consume({ expires: 2000 });
    this.stops.push(() => messages.close());
    void (async () => {
      try {
        for await (const m of messages) {
          apply(m);
          this.advance(stream === MESSAGES_STREAM ? 'messages' : 'actions', m.seq);
        }
      } catch (error) {
        this.fail(error);
      }
    })();
  }

  private async watchBucket(bucket: BucketName): Promise<void> {
    const watch = await this.session.kv[bucket].watch();
    this.stops.push(async () => watch.stop());
    void (async () => {
      try {
        for await (const e of watch) {
          this.applyEntry(bucket, e);
          this.advance(bucket, e.revision);
        }
      } catch (error) {
        this.fail(error);
      }
    })();
  }

  private applyMessage(m: JsMsg): void {
    const number = m.seq;
    if (number !== this.messages.length + 1) return; // an ordered consumer re-delivering after a reset
    const sender = m.subject.slice(MESSAGE_SUBJECT_PREFIX.length);
    const line = m.string();
    const parsed = parseLogLine(line);
    const id = m.headers?.get(ID_HEADER) || hashId(`${number}|${line}`);
    const stored: StoredMessage = parsed
      ? {
          number,
          id,
          time: parsed.time,
          from: sender,
          text: parsed.text,
          replyTo: parsed.replyTo,
          seq: number,
          dm: parsed.dm,
          ...resolveLogTarget(
            parsed.rawTarget,
            sender,
            parsed.dm,
            parsed.replyTo,
            (n) => this.messages[n - 1],
            (name) => this.rooms.has(name.toLowerCase()),
          ),
          lastLine: number,
          refs: [],
        }
      : // Not a message line: it keeps its number and is visible to no one.
        {
          number,
          id,
          time: '',
          from: sender,
          target: '',
          text: line,
          replyTo: null,
          seq: number,
          dm: false,
          room: null,
          to: null,
          lastLine: number,
          refs: [],
        };
    this.messages.push(stored);
    if (!this.byId.has(id)) this.byId.set(id, stored);
    const origin = m.headers?.get(ORIGIN_HEADER);
    if (origin) this.origins.set(number, origin);
    this.changed();
  }

  private applyAction(m: JsMsg): void {
    try {
      const entry = m.json<ActionEntry>();
      if (entry && typeof entry.action === 'string') {
        this.actions.push({
          time: String(entry.time ?? ''),
          instance: String(entry.instance ?? ''),
          action: entry.action,
          details: String(entry.details ?? ''),
        });
        this.changed();
      }
    } catch {
      /* not an action entry: ignored */
    }
  }

  private applyEntry(bucket: BucketName, e: KvWatchEntry): void {
    const value = e.operation === 'PUT' && e.length > 0 ? safeJson(e.string()) : null;
    const key = e.key;
    if (bucket === 'rooms') {
      if (value && typeof value.name === 'string') this.rooms.set(key, toChatroom(value));
      else this.rooms.delete(key);
    } else if (bucket === 'statuses') {
      if (value && typeof value.text === 'string')
        this.statusMap.set(key, { text: value.text, updated: String(value.updated ?? '') });
      else this.statusMap.delete(key);
    } else if (bucket === 'reads') {
      this.readNumbers.set(key, parseNumberRanges(typeof value?.numbers === 'string' ? value.numbers : ''));
    } else if (bucket === 'acks') {
      // Each record's acknowledger is its key (the only one an agent may write to, with per-agent credentials).
      const records = parseAcks(typeof value?.acks === 'string' ? value.acks : '').filter((a) => a.by === key);
      this.ackMap.set(key, records);
      this.attentionChanges++;
    } else if (bucket === 'humans') {
      if (value && typeof value.since === 'string' && isValidInstanceId(key))
        this.humanMap.set(key, { id: key, since: value.since });
      else this.humanMap.delete(key);
      this.attentionChanges++;
    } else {
      this.claimList = value ? safeClaims(value) : [];
      this.claimsChanges++;
    }
    this.changed();
  }

  private advance(source: Source, at: number): void {
    if (at > this.applied[source]) this.applied[source] = at;
    const ready = this.waiters.filter((w) => w.source === source && this.applied[source] >= w.at);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  private changed(): void {
    this.version++;
    // Coalesce a burst (the initial load) into one notification.
    if (this.listeners.size === 0 || this.notifyTimer) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = null;
      for (const l of this.listeners) l();
    }, 10);
  }

  private fail(error: unknown): void {
    this.failure = this.session.ioError('follow the stream', error);
    for (const w of this.waiters) w.reject(this.failure);
    this.waiters = [];
  }
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function safeClaims(value: Record<string, unknown>): Claim[] {
  try {
    return claimsFromData(value, 'the claims on the NATS server');
  } catch {
    return [];
  }
}

function toChatroom(v: Record<string, unknown>): Chatroom {
  const s = (x: unknown) => (typeof x === 'string' ? x : '');
  return {
    name: s(v.name),
    status: v.status === 'closed' ? 'closed' : 'open',
    creator: s(v.creator),
    created: s(v.created),
    modified: s(v.modified),
    reason: s(v.reason),
    description: s(v.description),
  };
}

/** "1-20,25" <-> {1..20, 25}: read marks stay small however many messages are read. */
export function parseNumberRanges(text: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let n = from; n <= to && n - from < 10_000_000; n++) out.add(n);
  }
  return out;
}

export function formatNumberRanges(numbers: Iterable<number>): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
