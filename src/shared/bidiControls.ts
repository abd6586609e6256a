/**
 * The bidirectional controls that can make text read in another order than it
 * is stored (embeddings, overrides, isolates, marks): the host and the webview
 * show each as a visible code ("⟨U+202E⟩") instead of applying it.
 */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** "202E" for U+202E. */
export function bidiHex(ch: string): string {
  return ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
}
