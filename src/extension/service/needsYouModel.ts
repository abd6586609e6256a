/**
 * The "Needs you" queue as the extension sees it: computed by the core once
 * per change of the directory (and once a minute, since "stuck" depends on
 * the clock), with the entries that are new since the last look. Other
 * features add entries through addSource() (claim conflicts plug in here).
 */
import * as vscode from 'vscode';
import { noQueueTotals, QUEUE_ORDER, queueOrder } from '../../core';
import type { NewestQueue, QueueEntry, QueueReason, QueueSource } from '../../core';
import { Disposable } from '../common/dispose';
import { errorMessage } from '../common/reportError';
import { CoordinationService } from './coordinationService';

export interface QueueChange {
  entries: QueueEntry[];
  /** Entries new to the queue: not listed before, and not merely an older one that a newer one's leaving let in. */
  added: QueueEntry[];
  /** The first queue of a directory or identity: nothing in it is news. */
  first: boolean;
}

/** Entries listed of each kind, the newest: more than anyone acts on one by one (the totals count the rest). */
export const LISTED_PER_KIND = 100;
/** How often the queue is recomputed without a change on disk (stuck agents age). */
const CLOCK_TICK_MS = 60_000;
const UPDATE_DELAY_MS = 15;
const MAX_UPDATE_DELAY_MS = 30_000;

export class NeedsYouModel extends Disposable {
  private current: QueueEntry[] = [];
  private currentTotals = noQueueTotals();
  private signature = '';
  private basis: { coord: unknown; identity: string | null; version: number } | null = null;
  private readonly sources = new Set<QueueSource>();
  /** How long the last computation of the queue took. */
  private lastCostMs = 0;
  private readonly emitter = this._register(new vscode.EventEmitter<QueueChange>());
  readonly onDidChange = this.emitter.event;

  constructor(private readonly service: CoordinationService) {
    super();
    const tick = setInterval(() => this.update(true), CLOCK_TICK_MS);
    // After the listeners that show unread counts have run and their updates have left the host: on a
    // large directory the queue takes seconds, so it waits twice as long as those listeners took and as it
    // took itself last time (the status bar is never held back behind it for long).
    let pending: NodeJS.Timeout | null = null;
    this._register(
      service.onDidChange(() => {
        const before = Date.now() - service.changeStartedAt;
        pending ??= setTimeout(
          () => {
            pending = null;
            this.update();
          },
          Math.max(UPDATE_DELAY_MS, Math.min(MAX_UPDATE_DELAY_MS, 2 * Math.max(before, this.lastCostMs))),
        );
      }),
    );
    this._register({ dispose: () => (pending ? clearTimeout(pending) : undefined) });
    this._register({ dispose: () => clearInterval(tick) });
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('coordination.stuckAfterMinutes')) this.update(true);
      }),
    );
  }

  /** The listed entries: the newest LISTED_PER_KIND of each kind, in queue order. */
  get entries(): QueueEntry[] {
    return this.current;
  }

  /** How many entries of each kind wait, listed or not. */
  get totals(): Readonly<Record<QueueReason, number>> {
    return this.currentTotals;
  }

  /** How many entries wait in all, listed or not. */
  get total(): number {
    return QUEUE_ORDER.reduce((n, k) => n + this.currentTotals[k], 0);
  }

  /** How many entries of `kind` wait beyond those listed. */
  unlisted(kind: QueueReason): number {
    return this.currentTotals[kind] - this.current.filter((e) => e.kind === kind).length;
  }

  find(key: string): QueueEntry | undefined {
    return this.current.find((e) => e.key === key);
  }

  /** Adds entries from another feature (e.g. claim conflicts, kind 'claim-conflict'); recomputed with the queue. */
  addSource(source: QueueSource): vscode.Disposable {
    this.sources.add(source);
    this.update(true);
    return new vscode.Disposable(() => {
      this.sources.delete(source);
      this.update(true);
    });
  }

  /** Recomputes when the directory, the identity or (with `force`) the clock moved on. */
  update(force = false): void {
    const service = this.service;
    if (!service.loaded || !service.identity) {
      this.publish({ entries: [], totals: noQueueTotals() }, true, null);
      return;
    }
    const c = service.coordination;
    const basis = { coord: c, identity: service.identity, version: c.version };
    const same =
      this.basis !== null &&
      this.basis.coord === basis.coord &&
      this.basis.identity === basis.identity &&
      this.basis.version === basis.version;
    if (same && !force) return;
    const first = this.basis === null || this.basis.coord !== basis.coord || this.basis.identity !== basis.identity;
    let queue: NewestQueue;
    const started = Date.now();
    try {
      // A stuck agent's entry needs only the oldest waiting message (a million-message directory may hold 100k).
      queue = c.needsYouNewest({
        stuckAfterMs: stuckAfterMs(),
        extra: [...this.sources].flatMap((s) => s()),
        oldestWaitingOnly: true,
        perKind: LISTED_PER_KIND,
      });
    } catch (error) {
      service.log.warn(`needs you: ${errorMessage(error)}`);
      return;
    } finally {
      this.lastCostMs = Date.now() - started;
    }
    this.publish(queue, first, basis);
  }

  private publish({ entries, totals }: NewestQueue, first: boolean, basis: NeedsYouModel['basis']): void {
    const isNew = this.newTest();
    this.basis = basis;
    const signature = JSON.stringify([totals, entries.map((e) => [e.key, e.reasons, e.title])]);
    if (signature === this.signature && !first) return;
    this.signature = signature;
    this.current = entries;
    this.currentTotals = totals;
    this.emitter.fire({ entries, added: first ? [] : entries.filter(isNew), first });
  }

  /**
   * Whether an entry is new to the queue as listed now: not listed before,
   * and, where a kind had more than it listed, newer than the oldest it
   * listed (an older one only moved up when a newer one left).
   */
  private newTest(): (e: QueueEntry) => boolean {
    const before = new Set(this.current.map((e) => e.key));
    const floor = new Map<QueueReason, QueueEntry>();
    for (const e of this.current) if (!floor.has(e.kind) && this.unlisted(e.kind) > 0) floor.set(e.kind, e);
    return (e) => {
      if (before.has(e.key)) return false;
      const oldest = floor.get(e.kind);
      return !oldest || queueOrder(e, oldest) > 0;
    };
  }
}

export function stuckAfterMs(): number {
  const minutes = vscode.workspace.getConfiguration('coordination').get<number>('stuckAfterMinutes', 15);
  return Math.max(1, Number.isFinite(minutes) ? minutes : 15) * 60_000;
}
