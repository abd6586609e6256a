/**
 * The identity's unread state, owned by the service: computed at most once per
 * version of the directory, and read by the status bar, the view badge, the
 * tree's counts, the mention notifications and "Open Most Urgent Unread".
 */
import type { CoordinationBackend } from '../../core';

export interface UnreadSummary {
  total: number;
  mentions: number;
  /** Unread per conversation ("#room" / "@peer"). */
  byTarget: Record<string, number>;
  /** Unread mentions per conversation. */
  mentionsByTarget: Record<string, number>;
}

export class UnreadModel {
  private cached: { coord: CoordinationBackend; version: number; identity: string; value: UnreadSummary } | null = null;

  /** `source` gives the loaded library and the identity, or null when either is missing. */
  constructor(private readonly source: () => { coord: CoordinationBackend; identity: string } | null) {}

  /** The summary for the current version, or null without a directory or an identity. Throws what the core throws. */
  summary(): UnreadSummary | null {
    const s = this.source();
    if (!s) return null;
    const { coord, identity } = s;
    const c = this.cached;
    if (c && c.coord === coord && c.version === coord.version && c.identity === identity) return c.value;
    const counts = coord.unreadCounts();
    const value = {
      total: counts.total,
      mentions: counts.mentions,
      byTarget: counts.byTarget,
      // Counted, not listed: a directory of a million messages holds tens of thousands of mentions.
      mentionsByTarget: coord.unreadMentionsByTarget(),
    };
    this.cached = { coord, version: coord.version, identity, value };
    return value;
  }

  /** Conversations with unread messages, most urgent first: mentions, then direct messages, then count. */
  sortedTargets(): Array<[string, number]> {
    const s = this.summary();
    if (!s) return [];
    return Object.entries(s.byTarget)
      .filter(([, n]) => n > 0)
      .sort(
        ([a, na], [b, nb]) =>
          (s.mentionsByTarget[b] ?? 0) - (s.mentionsByTarget[a] ?? 0) ||
          Number(b.startsWith('@')) - Number(a.startsWith('@')) ||
          nb - na ||
          a.localeCompare(b),
      );
  }

  /** The conversation "Open Most Urgent Unread" opens, if any. */
  mostUrgent(): string | undefined {
    return this.sortedTargets()[0]?.[0];
  }
}
