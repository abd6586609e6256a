/**
 * One inter-process write lock per coordination directory, with
 * proper-lockfile: an atomic mkdir of `data/.coord.lock` whose mtime the
 * holder refreshes; a holder that crashed leaves a lock that turns stale and
 * is taken over after STALE_MS. The older tools do not lock; every writer of
 * ours does, so our writes never interleave with each other.
 */
import * as lockfile from 'proper-lockfile';
import { CoordError } from './errors';
import { allOrNothing } from './fsutil';

const STALE_MS = 2000; // proper-lockfile's minimum
const WAIT_MS = 15000;

export async function withLock<T>(target: string, fn: () => T | Promise<T>): Promise<T> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      stale: STALE_MS,
      // A late refresh (a busy event loop) must never throw out of a timer.
      onCompromised: () => undefined,
      retries: { retries: Math.ceil(WAIT_MS / 25), factor: 1.2, minTimeout: 1, maxTimeout: 25, randomize: true },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOCKED') {
      throw new CoordError('locked', `the coordination directory stayed locked for ${WAIT_MS / 1000}s (${target}.lock); try again, or remove that lock directory if no coord process is running`);
    }
    throw new CoordError('io', `cannot lock the coordination directory (${target}.lock): ${(error as Error).message}`);
  }
  try {
    // A synchronous body lands all or not at all (see allOrNothing).
    return await allOrNothing(fn);
  } finally {
    await release().catch(() => undefined);
  }
}
