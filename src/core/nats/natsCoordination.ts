/**
 * The NATS backend: Coordination's operations and rules over a NatsReplica,
 * with the writes going to the server instead of the directory's files. Each
 * write waits until the replica has it, so a read right after sees it.
 *
 * Concurrency: a message's number is assigned by the stream (gap-free, the
 * same seen from every node); rooms, read marks, acknowledgements, humans and
 * claims change by compare-and-set on their KV revision, so two machines
 * never overwrite each other (a room name or a human is taken by the first
 * create; a close/reopen, a mark-read, an ack or a claim that lost the race
 * is re-read and decided again).
 */
import { Coordination, MessageWrite, roomExistsError, roomStatusChange, writtenMessage } from '../coordination';
import type { ChatroomStatusEntry } from '../formats/chatroomStatus';
import type { ActionEntry } from '../formats/actionLog';
import type { Chatroom, Message, MessageRef } from '../common/messageTypes';
import type { StoredMessage } from '../read/store';
import type { ReadTargets } from '../write/readMarkWrites';
import { describeServer } from './serverOptions';
import { formatNumberRanges, NatsReplica, parseNumberRanges } from './natsReplica';
import type { NatsSession } from './natsSession';
import { CoordError } from '../common/errors';
import { type AckRecord, parseAcks } from '../formats/acksFile';
import type { HumanEntry } from '../formats/humansFile';
import type { AckResult, AckWrite } from '../attention/ackWrites';
import { ClaimBook, type ClaimBookOptions, repositoryRootFrom } from '../claims/claimBook';
import { type Claim, claimsDocument, claimsFromData } from '../claims/claimFile';
import type { ClaimChange, ClaimStore } from '../claims/claimStore';
import { type DeliveryState, deliveryFrom } from '../formats/deliveryCursor';

type Action = { action: string; details: string };

export class NatsCoordination extends Coordination {
  private registeredSelf = false;

  constructor(
    private readonly session: NatsSession,
    private readonly replica: NatsReplica,
    instance: string | null,
    now: () => Date,
  ) {
    super(describeServer(session.server), instance, now, replica);
  }

  override get backend(): 'directory' | 'nats' {
    return 'nats';
  }

  override onChange(listener: () => void): () => void {
    return this.replica.onChange(listener);
  }

  override async close(): Promise<void> {
    await this.replica.stop();
    await this.session.close();
  }

  override knownInstances(): string[] {
    return this.replica.knownInstances(this.instance);
  }

  override actionLog(opts: { limit?: number } = {}): ActionEntry[] {
    const all = this.replica.actionLog();
    return opts.limit !== undefined && opts.limit > 0 && all.length > opts.limit
      ? all.slice(all.length - opts.limit)
      : [...all];
  }

  /** Rooms come from the replica of the rooms bucket, kept current by its watcher. */
  protected override lookupRoom(name: string): { room: Chatroom | undefined; rooms: Chatroom[] } {
    const all = this.state.chatrooms();
    return { room: all.get(name.toLowerCase()), rooms: [...all.values()] };
  }

  protected override findParent(ref: MessageRef): StoredMessage {
    return this.requireMessage(ref);
  }

  protected override async persistMessage(w: MessageWrite): Promise<Message> {
    if (w.target.startsWith('#')) this.requireOpenRoom(w.target.slice(1));
    await this.registerWriter(w.from);
    const number = await this.session.publishMessage(w.from, w.line, w.id);
    await this.recordAction(w.from, w);
    await this.replica.settle('messages', number);
    return writtenMessage(w, number);
  }

  protected override async persistReadMarks(
    me: string,
    targets: ReadTargets,
    _time: string,
    _all: boolean,
    action: Action,
  ): Promise<void> {
    const numbers = targets.refs.filter((ref): ref is number => typeof ref === 'number');
    const result = await this.session.updateKey<{ numbers: string }>('reads', me, (current) => {
      const merged = parseNumberRanges(current?.numbers ?? '');
      const before = merged.size;
      for (const n of numbers) merged.add(n);
      return current !== null && merged.size === before ? undefined : { numbers: formatNumberRanges(merged) };
    });
    this.registeredSelf = true;
    await this.recordAction(me, action);
    if (result) await this.replica.settle('reads', result.revision);
  }

  protected override async persistNewRoom(
    entry: ChatroomStatusEntry,
    description: string,
    action: Action,
  ): Promise<Chatroom> {
    await this.registerWriter(entry.creator);
    const room: Chatroom = { ...entry, description };
    const result = await this.session.updateKey<Chatroom>('rooms', roomKey(entry.name), (current) => {
      if (current !== null) throw roomExistsError(current);
      return room;
    });
    await this.recordAction(entry.creator, action);
    if (result) await this.replica.settle('rooms', result.revision);
    return room;
  }

  protected override async persistRoomStatus(
    me: string,
    roomName: string,
    status: 'open' | 'closed',
    reason: string,
    time: string,
  ): Promise<Chatroom> {
    await this.registerWriter(me);
    let action: Action | null = null;
    const result = await this.session.updateKey<Chatroom>('rooms', roomKey(roomName), (current) => {
      if (current === null) throw this.unknownRoom(roomName, this.lookupRoom(roomName).rooms);
      const change = roomStatusChange(current, status, reason, time);
      action = change.action;
      return { ...change.updated, description: current.description };
    });
    if (!result || !action) throw new CoordError('io', `chatroom #${roomName} could not be updated`);
    await this.recordAction(me, action);
    await this.replica.settle('rooms', result.revision);
    return result.value;
  }

  protected override async persistStatus(
    status: { instance: string; text: string; updated: string },
    action: Action,
  ): Promise<void> {
    await this.registerWriter(status.instance);
    const result = await this.session.updateKey<{ text: string; updated: string }>('statuses', status.instance, () => ({
      text: status.text,
      updated: status.updated,
    }));
    await this.recordAction(status.instance, action);
    if (result) await this.replica.settle('statuses', result.revision);
  }

  override humans(): HumanEntry[] {
    return this.replica.humans();
  }

  protected override storedAcks(): AckRecord[] {
    return this.replica.acks();
  }

  protected override attentionStampNow(): string {
    return this.replica.attentionStamp();
  }

  /** Each acknowledger's records are one key, its own: decided again when another process of it got there first. */
  protected override async persistAcks(me: string, plan: (current: AckRecord[]) => AckWrite): Promise<AckResult> {
    await this.registerWriter(me);
    let decided: AckWrite | null = null;
    const stored = await this.session.updateKey<{ acks: string }>('acks', me, (current) => {
      const text = current?.acks ?? '';
      decided = plan(parseAcks(text));
      return decided.lines === '' ? undefined : { acks: text + decided.lines };
    });
    const { action, result } = decided!;
    if (action) await this.recordAction(me, action);
    if (stored) await this.replica.settle('acks', stored.revision);
    return result;
  }

  protected override async persistHuman(
    human: HumanEntry,
    actor: string,
    action: Action,
  ): Promise<{ human: HumanEntry; created: boolean }> {
    let existing: HumanEntry | null = null;
    const stored = await this.session.updateKey<{ since: string }>('humans', human.id, (current) => {
      existing = current === null ? null : { id: human.id, since: current.since };
      return current === null ? { since: human.since } : undefined;
    });
    if (existing) return { human: existing, created: false };
    await this.recordAction(actor, action);
    if (stored) await this.replica.settle('humans', stored.revision);
    return { human, created: true };
  }

  /** The delivery cursor lives on the server: an agent's hooks may run on any machine. */
  override async deliveryState(): Promise<DeliveryState | null> {
    return deliveryFrom(await this.session.readKey('delivery', this.requireInstance()));
  }

  override async saveDeliveryState(state: DeliveryState): Promise<void> {
    await this.session.updateKey('delivery', this.requireInstance(), () => state);
  }

  /** Claims on the server; their paths are relative to the repository this process works in. */
  override claimBook(options: Omit<ClaimBookOptions, 'store'> = {}): ClaimBook {
    const root = options.root ?? repositoryRootFrom(options.cwd ?? process.cwd());
    return new ClaimBook(this.dir, this.instance, {
      ...options,
      root,
      store: this.claimStore(),
      known: () => this.replica.knownInstances(null),
    });
  }

  private claimStore(): ClaimStore {
    return {
      read: () => this.replica.claims(),
      stamp: () => this.replica.claimsStamp(),
      update: async <T>(me: string, change: (all: Claim[]) => ClaimChange<T>): Promise<T> => {
        await this.registerWriter(me);
        let decided: ClaimChange<T> | null = null;
        const stored = await this.session.updateKey<ReturnType<typeof claimsDocument>>(
          'claims',
          CLAIMS_KEY,
          (current) => {
            decided = change(current === null ? [] : claimsFromData(current, 'the claims on the NATS server'));
            return decided.next === null ? undefined : claimsDocument(decided.next);
          },
        );
        const { result, actions } = decided!;
        for (const a of actions) await this.recordAction(me, a);
        if (stored) await this.replica.settle('claims', stored.revision);
        return result;
      },
    };
  }

  /** Like the directory's read-status file: an instance that writes has read marks, and so is known. */
  private async registerWriter(me: string): Promise<void> {
    if (this.registeredSelf || this.replica.knownInstances(null).includes(me)) return;
    const result = await this.session.updateKey<{ numbers: string }>('reads', me, (current) =>
      current === null ? { numbers: '' } : undefined,
    );
    this.registeredSelf = true;
    if (result) await this.replica.settle('reads', result.revision);
  }

  /**
   * The action-log entry of a write that is already stored: a failure here
   * leaves the entry out rather than reporting the write as failed (which
   * would invite a duplicate resend).
   */
  private async recordAction(me: string, action: Action): Promise<void> {
    const entry = { time: this.nowStamp(), instance: me, action: action.action, details: action.details };
    const seq = await this.session.publishAction(entry).catch(() => 0);
    if (seq > 0) await this.replica.settle('actions', seq);
  }

  private nowStamp(): string {
    return this.timestamp();
  }
}

/** The one key holding every claim: whether a claim overlaps another is decided over all of them at once. */
const CLAIMS_KEY = 'all';

/** Room names are unique regardless of case: the key is the lower-case name. */
function roomKey(name: string): string {
  const key = name.replace(/^#/, '').toLowerCase();
  if (key.endsWith('.'))
    throw new CoordError(
      'invalid-name',
      `room name '${name}' ends with '.', which a NATS server cannot store; drop the dot`,
    );
  return key;
}
