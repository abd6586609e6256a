/**
 * data/claims.json, our own file (the older tools never read it):
 *   { "format": "agent-coordination-claims", "version": 1, "claims": [Claim, ...] }
 * One record per pattern. Times are ISO 8601 (UTC). Expired records are kept
 * until the next write drops them; every reader filters them out.
 */
import { CoordError } from '../common/errors';

export interface ClaimConflict {
  /** The other instance whose claim this one overlapped when it was forced. */
  holder: string;
  pattern: string;
  exclusive: boolean;
  until: string;
}

export interface Claim {
  id: string;
  instance: string;
  /** Repository-relative POSIX path or glob. */
  pattern: string;
  exclusive: boolean;
  reason: string;
  created: string;
  expires: string;
  /** Set when the claim was made with --force over other instances' claims. */
  forcedOver?: ClaimConflict[];
}

const FORMAT = 'agent-coordination-claims';

export function parseClaimFile(text: string, file: string): Claim[] {
  if (text.trim() === '') return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CoordError(
      'io',
      `${file} is not valid JSON (${(error as Error).message}); fix it by hand or delete it to drop every claim`,
    );
  }
  return claimsFromData(data, file);
}

/** The claims of a parsed claims document (the file's, or a NATS key's value). */
export function claimsFromData(data: unknown, file: string): Claim[] {
  const claims = (data as { claims?: unknown })?.claims;
  if (!Array.isArray(claims))
    throw new CoordError('io', `${file} has no "claims" list; fix it by hand or delete it to drop every claim`);
  return claims.filter(isClaim);
}

/** Records that do not have the expected shape (a hand edit) are skipped, not fatal. */
function isClaim(value: unknown): value is Claim {
  const c = value as Claim;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.id === 'string' &&
    typeof c.instance === 'string' &&
    typeof c.pattern === 'string' &&
    typeof c.exclusive === 'boolean' &&
    typeof c.created === 'string' &&
    typeof c.expires === 'string' &&
    !Number.isNaN(Date.parse(c.expires)) &&
    (c.reason === undefined || typeof c.reason === 'string')
  );
}

export function formatClaimFile(claims: Claim[]): string {
  return JSON.stringify(claimsDocument(claims), null, 2) + '\n';
}

export function claimsDocument(claims: Claim[]): { format: string; version: number; claims: Claim[] } {
  return { format: FORMAT, version: 1, claims };
}
