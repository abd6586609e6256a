/** How messages, times and refs are written in the views: small pure helpers (no vscode imports). */
import type { Message, MessageRef } from '../../core';
import { BIDI_CONTROLS, bidiHex } from '../../shared/bidiControls';

export function messageKey(m: { number: number | null; id: string }): string {
  return m.number !== null ? `n:${m.number}` : `i:${m.id}`;
}

export function messageRef(m: { number: number | null; id: string }): MessageRef {
  return m.number ?? m.id;
}

/** "#12" or "70986932" as users type it. */
export function refLabel(m: { number: number | null; id: string }): string {
  return m.number !== null ? `#${m.number}` : m.id;
}

/** The conversation a message belongs to, as seen by `me`: "#room" or "@peer". */
export function conversationOf(m: Message, me: string | null): string {
  if (m.target.startsWith('#')) return m.target;
  const to = m.target.slice(1);
  return me !== null && m.from === me ? `@${to}` : `@${m.from}`;
}

/** Parses a time `YYYY-MM-DD HH:MM:SS` (local) into milliseconds, NaN when unknown. */
export function timeMillis(time: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(time);
  if (!m) return NaN;
  return new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]).getTime();
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function relativeTime(time: string, now = Date.now()): string {
  const t = timeMillis(time);
  if (Number.isNaN(t)) return time || 'unknown time';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  const d = Math.round(s / 86400);
  return `${d} day${d === 1 ? '' : 's'} ago`;
}

/** "⟨U+202E⟩" for a bidi control, so its presence shows instead of reordering the text. */
export function bidiEscape(ch: string): string {
  return `⟨U+${bidiHex(ch)}⟩`;
}

/**
 * Message text made inert for VS Code notifications, prompts and other
 * messages that parse `[label](target)` as links (command:, https:, file:):
 * "](" is broken into "] (" so no link can form, and bidi controls show as
 * visible codes. Bare URIs are not linkified there and stay as they are.
 */
export function inertText(text: string): string {
  return text.replace(/\]\s*\(/g, '] (').replace(BIDI_CONTROLS, bidiEscape);
}

/** One line of a message for lists: newlines folded, at most `max` characters. */
export function snippet(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
