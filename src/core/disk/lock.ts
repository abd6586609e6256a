/**
 * One inter-process write lock per coordination directory, with
 * proper-lockfile: an atomic mkdir of `data/.coord.lock` whose mtime the
 * holder refreshes; a holder that crashed leaves a lock that turns stale and
 * is taken over after STALE_MS. The older tools do not lock; every writer of
 * ours does, so our writes never interleave with each other. The lock is
 * taken with proper-lockfile's synchronous call (one mkdir when free) and
 * leased across back-to-back writes of one process (see withLock).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as lockfile from 'proper-lockfile';
import { CoordError, ioError } from '../common/errors';
import { allOrNothing } from './fsutil';

const STALE_MS = 2000; // proper-lockfile's minimum
const WAIT_MS = 15000;

/**
 * Runs `fn` holding the directory's lock. Within one process the lock is
 * leased: a write that follows another before the event loop turns (a loop
 * of `await send()`) reuses it instead of paying mkdir/rmdir again. The lease
 * ends on the next turn of the event loop, or after MAX_LEASE_MS so other
 * processes are never kept waiting long. Writers in this process queue up.
 */
export async function withLock<T>(target: string, fn: () => T | Promise<T>): Promise<T> {
  const lease = await obtainLease(target);
  try {
    // A synchronous body lands all or not at all (see allOrNothing).
    return await allOrNothing(fn);
  } finally {
    relinquish(lease);
  }
}

const MAX_LEASE_MS = 50;

interface Lease {
  target: string;
  release: () => void;
  since: number;
  busy: boolean;
  idle: NodeJS.Immediate | null;
  waiters: Array<() => void>;
}

const leases = new Map<string, Lease>();

async function obtainLease(target: string): Promise<Lease> {
  for (;;) {
    const lease = leases.get(target);
    if (!lease) {
      const release = await acquireOrExplain(target);
      const fresh: Lease = { target, release, since: Date.now(), busy: true, idle: null, waiters: [] };
      leases.set(target, fresh);
      return fresh;
    }
    if (!lease.busy) {
      if (lease.idle) clearImmediate(lease.idle);
      lease.idle = null;
      lease.busy = true;
      return lease;
    }
    // Another write of this process holds it: wait for it to pass the lease on (or end it).
    const handedOver = await new Promise<boolean>((resolve) =>
      lease.waiters.push(() => resolve(leases.get(target) === lease)),
    );
    if (handedOver) return lease;
  }
}

function relinquish(lease: Lease): void {
  const next = lease.waiters.shift();
  if (next && Date.now() - lease.since < MAX_LEASE_MS) {
    next(); // still busy: the next writer of this process continues under the same lock
    return;
  }
  lease.busy = false;
  if (Date.now() - lease.since >= MAX_LEASE_MS) {
    endLease(lease);
    if (next) next();
    return;
  }
  lease.idle = setImmediate(() => endLease(lease));
}

function endLease(lease: Lease): void {
  if (leases.get(lease.target) !== lease || lease.busy) return;
  leases.delete(lease.target);
  try {
    lease.release();
  } catch {
    /* already gone (taken over as stale): nothing to release */
  }
  for (const waiter of lease.waiters.splice(0)) waiter();
}

async function acquireOrExplain(target: string): Promise<() => void> {
  try {
    return await acquire(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOCKED') {
      throw new CoordError(
        'locked',
        `the coordination directory stayed locked for ${WAIT_MS / 1000}s (${target}.lock); ` +
          'try again, or remove that lock directory if no coord process is running',
      );
    }
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code === 'ENOSPC')
      throw ioError(error, 'lock the coordination directory for writing');
    throw new CoordError('io', `cannot lock the coordination directory (${target}.lock): ${(error as Error).message}`);
  }
}

/**
 * Waits up to WAIT_MS for the lock, retrying only while another process holds
 * it (ELOCKED, or ENOENT in a stale-lock takeover race). Any other failure (a read-only file system, no permission, a
 * full disk) is final at once instead of being retried for the whole wait.
 */
async function acquire(target: string): Promise<() => void> {
  const deadline = Date.now() + WAIT_MS;
  // The lock lives in data/; a directory written only by the bash tools may not have it yet.
  let parentReady = true;
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  } catch {
    parentReady = false; /* the lock attempt reports it */
  }
  for (;;) {
    try {
      // The synchronous call is one mkdir when the lock is free; waiting for a holder is async below.
      return lockfile.lockSync(target, {
        realpath: false,
        stale: STALE_MS,
        // A late refresh (a busy event loop) must never throw out of a timer.
        onCompromised: () => undefined,
      });
    } catch (error) {
      // ENOENT: the lock directory vanished between our mkdir and its mtime update, because
      // another process removed it as stale at that moment (a crashed holder's lock): try again.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ELOCKED' && !(code === 'ENOENT' && parentReady)) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 24));
    }
  }
}
