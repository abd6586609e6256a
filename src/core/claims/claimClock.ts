/** Time for claims: how long one lasts (`--ttl 90m`) and how much is left ("now" is common/clock.ts). */
import { CoordError } from '../common/errors';

export const DEFAULT_CLAIM_TTL_MS = 2 * 3600e3;
export const MAX_CLAIM_TTL_MS = 7 * 86400e3;
const UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** `30s`, `45m`, `2h`, `1d`, or combinations such as `1h30m`; at least 1 second and at most 7 days. */
export function parseClaimTtl(text: string): number {
  const trimmed = text.trim().toLowerCase();
  if (/^0+[smhd]?$/.test(trimmed))
    throw new CoordError('usage', `--ttl '${text}' is zero; a claim must last at least 1s (e.g. 30m, 2h)`);
  let total = 0;
  let rest = trimmed;
  while (rest.length > 0) {
    const m = /^(\d{1,7})([smhd])/.exec(rest);
    if (!m) {
      throw new CoordError(
        'usage',
        `--ttl '${text}' is not a duration; use e.g. 30m, 2h, 1h30m or 1d (units s, m, h, d)`,
      );
    }
    total += Number(m[1]) * UNITS[m[2]];
    rest = rest.slice(m[0].length);
  }
  if (trimmed === '' || total <= 0)
    throw new CoordError('usage', `--ttl '${text}' is zero; a claim must last at least 1s (e.g. 30m, 2h)`);
  if (total > MAX_CLAIM_TTL_MS)
    throw new CoordError('usage', `--ttl '${text}' is longer than 7 days; claim for less and renew it (e.g. 8h)`);
  return total;
}

/** "1h 05m", "3m", "45s": what is left until `expires`. */
export function formatTimeLeft(expires: string, now: Date): string {
  const secs = Math.max(0, Math.round((Date.parse(expires) - now.getTime()) / 1000));
  if (secs < 60) return `${secs}s`;
  const mins = Math.floor(secs / 60);
  if (mins < 60) return `${mins}m`;
  const hours = Math.floor(mins / 60);
  if (hours < 48) return `${hours}h ${String(mins % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}
