/**
 * Where a ClaimBook keeps its claims: data/claims.json under the directory's
 * lock, or (src/core/nats) one KV key updated by compare-and-set. Either way
 * an update decides from the claims as stored at that moment, so two
 * claimers racing for one exclusive path never both win.
 */
import type { Layout } from '../disk/layout';
import type { WriteSession } from '../write/writeSession';
import { ensureDir, fileStamp, readTextIfExists, writeAtomic } from '../disk/fsutil';
import { type Claim, formatClaimFile, parseClaimFile } from './claimFile';

export interface ClaimChange<T> {
  /** The claims to store; null: nothing changes, nothing is written. */
  next: Claim[] | null;
  result: T;
  /** Action-log entries the change records. */
  actions: Array<{ action: string; details: string }>;
}

export interface ClaimStore {
  /** Every stored claim, expired ones included. */
  read(): Claim[];
  /** Changes whenever the claims do (for cheap polling). */
  stamp(): string;
  /**
   * Replaces the claims with what `change` decides from the current ones
   * (it may throw: nothing is written; it may run again when another writer
   * got there first), records its actions and registers `me` as a writer.
   */
  update<T>(me: string, change: (all: Claim[]) => ClaimChange<T>): Promise<T>;
}

export function directoryClaimStore(layout: Layout, writes: WriteSession): ClaimStore {
  const read = () => parseClaimFile(readTextIfExists(layout.claimsFile), layout.claimsFile);
  return {
    read,
    stamp: () => fileStamp(layout.claimsFile),
    update: (me, change) =>
      writes.locked(() => {
        const { next, result, actions } = change(read());
        if (next === null) return result;
        for (const a of actions) writes.logAction(me, a.action, a.details);
        ensureDir(layout.dataDir);
        writeAtomic(layout.claimsFile, formatClaimFile(next));
        writes.registerSelf(me);
        return result;
      }),
  };
}
