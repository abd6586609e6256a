/**
 * Claim conflicts as "Needs you" entries (passed to needsYou as `extra`):
 * each pair of live claims that conflict (the later was forced over the
 * older) is one entry, for the holder of the older claim and for the humans
 * (the one who forced it knows already). The entry names the holder and who
 * claimed over it; "open" opens the contested file (for two globs, the later
 * claim's pattern). It leaves when either claim is released or expires,
 * since only live claims count.
 */
import type { Claim } from '../claims/claimFile';
import { claimConflicts } from '../claims/claimBook';
import { formatTimestamp } from '../common/time';
import { queueLabel, type QueueEntry } from './needsYou';

export function claimConflictEntries(live: readonly Claim[], me: string, humans: readonly string[]): QueueEntry[] {
  const entries: QueueEntry[] = [];
  const seen = new Set<string>();
  const all = [...live];
  for (const claim of all) {
    for (const other of claimConflicts(claim, all)) {
      const [holder, forcer] = [claim, other].sort(
        (a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id),
      );
      const key = `claim:${holder.id}+${forcer.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (me !== holder.instance && !humans.includes(me)) continue;
      const summary =
        `${holder.instance} holds ${kind(holder)} ${holder.pattern}; ` +
        `${forcer.instance} claimed ${kind(forcer)} ${forcer.pattern} over it`;
      entries.push({
        key,
        kind: 'claim-conflict',
        reasons: ['claim-conflict'],
        title: `${queueLabel('claim-conflict')}: ${summary}`,
        summary,
        time: formatTimestamp(new Date(forcer.created)),
        target: `@${forcer.instance}`,
        actions: ['reply', 'open-file'],
        file: contestedFile(holder.pattern, forcer.pattern),
        conflict: { holder, forcer },
      });
    }
  }
  return entries;
}

function kind(c: Claim): string {
  return c.exclusive ? 'exclusive' : 'shared';
}

const GLOB = /[*?[\]{}()!+@]/;

/** The literal path of the two (the deeper one when both are), else the later claim's pattern. */
function contestedFile(holder: string, forcer: string): string {
  const literal = [holder, forcer].filter((p) => !GLOB.test(p)).sort((a, b) => b.length - a.length);
  return literal[0] ?? forcer;
}
