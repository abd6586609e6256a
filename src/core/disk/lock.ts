/**
 * One inter-process write lock per coordination directory: data/.coord.lock,
 * a directory made with an atomic mkdir, holding one empty directory whose
 * name says who owns it (pid, the process's start time, a random token, the
 * host): a name, not a file, so that taking the lock needs no free disk space. The older tools do not lock;
 * every writer of ours does, so our writes never interleave with each other.
 *
 * A lock is never taken from a live holder: while its owner process runs
 * (same host; its pid alive with the recorded start time) it is held however
 * long the holder works. A lock whose owner died is taken over at once; one
 * without an owner file (being made, or made by an older coord, which only
 * refreshes its mtime) once its mtime is STALE_MS old. The holder refreshes
 * the mtime too (for those older versions) and checks that the lock is still
 * its own (its owner name still stands: one look) before every change and
 * once more when the write has made its changes: a lock taken over anyway
 * (an older version, a hand removal) at any time before that last check
 * aborts the write, and allOrNothing undoes what it wrote.
 *
 * Only while a lock is held are SIGINT and SIGTERM caught, to remove it
 * before the process dies; any other time they end a command at once, even
 * in the middle of long synchronous work (there is no handler to wait for).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CoordError, ioError } from '../common/errors';
import { allOrNothing, ensureDir } from './fsutil';

const STALE_MS = 2000;
const WAIT_MS = 15000;
const REFRESH_MS = 1000;
const OWNER_PREFIX = 'owner-';

/**
 * Runs `fn` holding the directory's lock. Within one process the lock is
 * leased: a write that follows another before the event loop turns (a loop
 * of `await send()`) reuses it instead of paying mkdir/rmdir again. The lease
 * ends on the next turn of the event loop, or after MAX_LEASE_MS so other
 * processes are never kept waiting long. Writers in this process queue up.
 * `fn` is given the lease's number: the same for writes that follow each
 * other under one taking of the lock, a new one once the lock was released.
 */
export async function withLock<T>(target: string, fn: (lease: number) => T | Promise<T>): Promise<T> {
  const lease = await obtainLease(target);
  try {
    // A synchronous body lands all or not at all, and only while the lock is still ours.
    const held = lease.held;
    let changed = false;
    const beforeChange = () => {
      assertStillHeld(held);
      changed = true;
    };
    return await allOrNothing(() => {
      const result = fn(lease.id);
      // The body's changes are made (the journal undoes them all if the lock is no longer ours).
      if (changed && !(result instanceof Promise)) assertStillHeld(held);
      return result;
    }, beforeChange);
  } finally {
    relinquish(lease);
  }
}

const MAX_LEASE_MS = 50;

interface Held {
  dir: string;
  /** The empty directory whose name says we own the lock. */
  ownerPath: string;
  token: string;
  timer: NodeJS.Timeout;
  /** When the holder last set the lock's mtime (Date.now()). */
  refreshed: number;
}

interface Lease {
  id: number;
  target: string;
  held: Held;
  since: number;
  busy: boolean;
  idle: NodeJS.Immediate | null;
  waiters: Array<() => void>;
}

const leases = new Map<string, Lease>();
let leaseCount = 0;

async function obtainLease(target: string): Promise<Lease> {
  for (;;) {
    const lease = leases.get(target);
    if (!lease) {
      const held = await acquireOrExplain(target);
      const fresh: Lease = { id: ++leaseCount, target, held, since: Date.now(), busy: true, idle: null, waiters: [] };
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
  release(lease.held);
  for (const waiter of lease.waiters.splice(0)) waiter();
}

async function acquireOrExplain(target: string): Promise<Held> {
  try {
    return await acquire(`${target}.lock`);
  } catch (error) {
    if (error instanceof CoordError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code === 'ENOSPC')
      throw ioError(error, 'lock the coordination directory for writing');
    throw new CoordError('io', `cannot lock the coordination directory (${target}.lock): ${(error as Error).message}`);
  }
}

/** Waits up to WAIT_MS while another process holds the lock; any other failure is final at once. */
async function acquire(dir: string): Promise<Held> {
  const deadline = Date.now() + WAIT_MS;
  // The lock lives in data/; a directory written only by the bash tools may not have it yet.
  try {
    ensureDir(path.dirname(dir));
  } catch {
    /* the lock attempt reports it */
  }
  for (;;) {
    const held = tryAcquire(dir);
    if (held) return held;
    if (Date.now() >= deadline) {
      throw new CoordError(
        'locked',
        `the coordination directory stayed locked for ${WAIT_MS / 1000}s by ${describeOwner(dir)} (${dir}); ` +
          'try again, or remove that lock directory if no coord process is running',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 24));
  }
}

function tryAcquire(dir: string): Held | null {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const seen = inspect(dir);
    if (seen && seen.stale) takeOver(dir, seen.identity);
    return null;
  }
  const token = crypto.randomBytes(12).toString('hex');
  const owner: Owner = { pid: process.pid, start: processStart(process.pid), token, host: os.hostname() };
  const ownerPath = path.join(dir, ownerName(owner));
  try {
    fs.mkdirSync(ownerPath, { mode: 0o700 });
  } catch (error) {
    // Taken away between our two mkdirs (see takeOver), or no room for another directory.
    try {
      fs.rmdirSync(dir);
    } catch {
      /* not ours any more */
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  // Ours alone? A contender that made the lock directory, then stalled past STALE_MS before naming itself,
  // may have named itself in ours (or we in its). Whoever sees two names backs off, so the holder's own name
  // standing is what keeps telling it the lock is its own (see assertStillHeld).
  if (readOwner(dir).owner?.token !== token) {
    try {
      fs.rmdirSync(ownerPath);
    } catch {
      /* gone with the directory */
    }
    return null;
  }
  const held: Held = {
    dir,
    ownerPath,
    token,
    timer: setInterval(() => refresh(held), REFRESH_MS),
    refreshed: Date.now(),
  };
  held.timer.unref();
  hold(held);
  return held;
}

interface Owner {
  pid: number;
  start: string | null;
  token: string;
  host: string;
}

function ownerName(o: Owner): string {
  return `${OWNER_PREFIX}${o.pid}-${o.start ?? 'x'}-${o.token}-${Buffer.from(o.host).toString('hex')}`;
}

/** The lock's owner (null when it has none, or more than one), and its entries as text to compare. */
function readOwner(dir: string): { text: string; owner: Owner | null } {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.startsWith(OWNER_PREFIX));
  } catch {
    return { text: '', owner: null };
  }
  const text = names.sort().join('/');
  const m = names.length === 1 ? /^owner-(\d+)-(\w+)-([0-9a-f]+)-([0-9a-f]*)$/.exec(names[0]) : null;
  if (!m) return { text, owner: null };
  const start = m[2] === 'x' ? null : m[2];
  return { text, owner: { pid: Number(m[1]), start, token: m[3], host: Buffer.from(m[4], 'hex').toString() } };
}

/** Whether a lock's holder is gone, and what identifies the lock that was judged (its owner text and mtime). */
function inspect(dir: string): { stale: boolean; identity: string } | null {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    return null; // released meanwhile: try again
  }
  const { text, owner } = readOwner(dir);
  const identity = `${text}\u0000${st.mtimeMs}`;
  if (owner && owner.host === os.hostname()) return { stale: !isAlive(owner), identity };
  // No owner yet (being made, or an older coord's lock) or another host: only a refreshed mtime says it lives.
  return { stale: Date.now() - st.mtimeMs > STALE_MS, identity };
}

function isAlive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // The pid may have been reused by another process since: its start time tells.
  const start = processStart(owner.pid);
  return owner.start === null || start === null || start === owner.start;
}

/** The process's start time in clock ticks since boot (Linux), or null where /proc cannot say. */
function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Removes a stale lock: renamed aside first (only one contender can), then
 * checked to be the lock judged stale. If a new holder slipped in between, it
 * is put back; if that fails, that holder's next write check aborts its write.
 */
function takeOver(dir: string, identity: string): void {
  const aside = `${dir}.stale-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(dir, aside);
  } catch {
    return; // another contender moved it first
  }
  let moved = '';
  try {
    moved = `${readOwner(aside).text}\u0000${fs.statSync(aside).mtimeMs}`;
  } catch {
    /* compared below */
  }
  if (moved !== identity) {
    try {
      fs.renameSync(aside, dir);
      return;
    } catch {
      /* a third lock is in place */
    }
  }
  fs.rmSync(aside, { recursive: true, force: true });
}

function refresh(held: Held): void {
  if (readOwner(held.dir).owner?.token === held.token) touchLock(held);
}

function touchLock(held: Held): void {
  try {
    const now = new Date();
    fs.utimesSync(held.dir, now, now);
    held.refreshed = now.getTime();
  } catch {
    /* checked before each write */
  }
}

/**
 * Throws when the lock is no longer ours; refreshes its mtime when it is and
 * the last refresh is half a refresh period old (a body that works without
 * yielding keeps it fresh through its writes; the timer does it otherwise).
 * Ours while our owner name stands in it: a lock removed (by hand, by an
 * older coord) or moved aside by a contender takes the name with it, and no
 * one else can make a name with our random token. (A second name beside ours
 * is a contender that backs off: see tryAcquire.) One look, not a listing.
 */
function assertStillHeld(held: Held): void {
  // (false too when it cannot be looked at: then it is not known to be ours)
  if (!fs.existsSync(held.ownerPath)) {
    throw new CoordError(
      'locked',
      `the write lock (${held.dir}) was taken over by another process while this write held it; ` +
        'nothing was written: try again',
    );
  }
  if (Date.now() - held.refreshed >= REFRESH_MS / 2) touchLock(held);
}

function describeOwner(dir: string): string {
  const { owner } = readOwner(dir);
  return owner ? `process ${owner.pid} on ${owner.host}` : 'another process';
}

function release(held: Held): void {
  clearInterval(held.timer);
  unhold(held);
  if (readOwner(held.dir).owner?.token !== held.token) return; // taken over: not ours to remove
  try {
    fs.rmSync(held.dir, { recursive: true, force: true });
  } catch {
    /* the next writer finds our process gone and takes it over */
  }
}

// ------------------------------------------------------------ signals

const holding = new Set<Held>();
let listening = false;
let stopListening: NodeJS.Immediate | null = null;

function hold(held: Held): void {
  holding.add(held);
  if (stopListening) clearImmediate(stopListening);
  stopListening = null;
  if (listening) return;
  listening = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', releaseAll);
}

function unhold(held: Held): void {
  holding.delete(held);
  // A signal that came during the last write is handled on the next turn of the event loop: listen until then.
  if (holding.size === 0 && listening && !stopListening) stopListening = setImmediate(removeListeners);
}

function removeListeners(): void {
  stopListening = null;
  if (holding.size > 0 || !listening) return;
  listening = false;
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  process.removeListener('exit', releaseAll);
}

function releaseAll(): void {
  for (const held of [...holding]) release(held);
}

/** Removes our locks, then lets the signal do what it would have done (unless someone else handles it). */
function onSignal(signal: NodeJS.Signals): void {
  releaseAll();
  if (stopListening) clearImmediate(stopListening);
  removeListeners();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
