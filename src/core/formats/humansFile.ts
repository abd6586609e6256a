/**
 * data/coord-humans.txt, a file of ours: who the humans are, so agents can
 * address them (`@human`, or the id) and list them. One line each:
 *
 *   alice: human since 2026-11-25 08:00:00
 *
 * Written under the write lock by `coord register-human` and by the extension
 * for its configured `coordination.humanId`.
 */
import { TIMESTAMP_SOURCE } from '../common/time';
import { splitLines } from '../disk/lines';
import { isValidInstanceId } from '../common/names';

export interface HumanEntry {
  id: string;
  since: string;
}

/** How agents address "the human" without knowing the id. */
export const HUMAN_ALIAS = 'human';

const HUMAN_RE = new RegExp(`^([^\\s:]+): human since (${TIMESTAMP_SOURCE})\\s*$`);

export function parseHumans(text: string): HumanEntry[] {
  const seen = new Set<string>();
  const out: HumanEntry[] = [];
  for (const line of splitLines(text)) {
    const m = HUMAN_RE.exec(line);
    if (!m || !isValidInstanceId(m[1]) || seen.has(m[1])) continue;
    seen.add(m[1]);
    out.push({ id: m[1], since: m[2] });
  }
  return out;
}

export function formatHuman(entry: HumanEntry): string {
  return `${entry.id}: human since ${entry.since}\n`;
}
