/**
 * One inter-process write lock per coordination directory, with
 * proper-lockfile: an atomic mkdir of `data/.coord.lock` whose mtime the
 * holder refreshes; a holder that crashed leaves a lock that turns stale and
 * is taken over after STALE_MS. The older tools do not lock; every writer of
 * ours does, so our writes never interleave with each other.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as lockfile from 'proper-lockfile';
import { CoordError, ioError } from './errors';
import { allOrNothing } from './fsutil';

const STALE_MS = 2000; // proper-lockfile's minimum
const WAIT_MS = 15000;

export async function withLock<T>(target: string, fn: () => T | Promise<T>): Promise<T> {
  let release: () => Promise<void>;
  try {
    release = await acquire(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOCKED') {
      throw new CoordError('locked', `the coordination directory stayed locked for ${WAIT_MS / 1000}s (${target}.lock); try again, or remove that lock directory if no coord process is running`);
    }
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code === 'ENOSPC') throw ioError(error, 'lock the coordination directory for writing');
    throw new CoordError('io', `cannot lock the coordination directory (${target}.lock): ${(error as Error).message}`);
  }
  try {
    // A synchronous body lands all or not at all (see allOrNothing).
    return await allOrNothing(fn);
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * Waits up to WAIT_MS for the lock, retrying only while another process holds
 * it (ELOCKED, or ENOENT in a stale-lock takeover race). Any other failure (a read-only file system, no permission, a
 * full disk) is final at once instead of being retried for the whole wait.
 */
async function acquire(target: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + WAIT_MS;
  // The lock lives in data/; a directory written only by the bash tools may not have it yet.
  let parentReady = true;
  try { fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 }); } catch { parentReady = false; /* the lock attempt reports it */ }
  for (;;) {
    try {
      return await lockfile.lock(target, {
        realpath: false,
        stale: STALE_MS,
        // A late refresh (a busy event loop) must never throw out of a timer.
        onCompromised: () => undefined,
        retries: 0,
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
