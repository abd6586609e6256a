/**
 * What "now" is for every reader and writer of one process: COORD_NOW (an ISO
 * time or epoch milliseconds) fixes it, for tests of expiry and of stuck
 * agents only; otherwise the real time.
 */
import { CoordError } from './errors';

export function coordClock(env: NodeJS.ProcessEnv = process.env): () => Date {
  const fixed = env.COORD_NOW;
  if (!fixed) return () => new Date();
  const millis = /^\d+$/.test(fixed) ? Number(fixed) : Date.parse(fixed);
  if (Number.isNaN(millis))
    throw new CoordError('usage', `COORD_NOW '${fixed}' is not a time; unset it (it is for tests) or give an ISO time`);
  return () => new Date(millis);
}
