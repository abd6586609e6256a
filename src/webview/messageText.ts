/**
 * Message text into the page, only ever as text nodes: bidi controls shown as
 * visible codes, @mentions and #rooms as highlighted spans; and the labels a
 * message is announced and referred to by.
 */
import { BIDI_CONTROLS, bidiHex } from '../shared/bidiControls';
import type { ViewMessage } from '../shared/protocol';
import { el } from './pageLayout';
import { info } from './threadState';

const BIDI_NAMES: Record<string, string> = {
  '202A': 'left-to-right embedding',
  '202B': 'right-to-left embedding',
  '202C': 'pop directional formatting',
  '202D': 'left-to-right override',
  '202E': 'right-to-left override',
  '2066': 'left-to-right isolate',
  '2067': 'right-to-left isolate',
  '2068': 'first strong isolate',
  '2069': 'pop directional isolate',
  '200E': 'left-to-right mark',
  '200F': 'right-to-left mark',
  '061C': 'Arabic letter mark',
};

/**
 * Appends text as text nodes, with each bidi control shown as a visible code
 * ("⟨U+202E⟩", itself text in a styled span) instead of applied, so
 * "\u202Efdp.exe" cannot pass for "exe.pdf".
 */
export function appendText(container: HTMLElement, text: string): void {
  let last = 0;
  for (const match of text.matchAll(BIDI_CONTROLS)) {
    const index = match.index ?? 0;
    if (index > last) container.append(document.createTextNode(text.slice(last, index)));
    const hex = bidiHex(match[0]);
    container.append(
      el(
        'span',
        {
          class: 'bidi-control',
          title: `${BIDI_NAMES[hex] ?? 'bidirectional control'} (U+${hex}), shown, not applied`,
        },
        `⟨U+${hex}⟩`,
      ),
    );
    last = index + match[0].length;
  }
  if (last < text.length) container.append(document.createTextNode(text.slice(last)));
}

/** Appends text with one's own @mentions (and #rooms) as highlighted spans, all as text nodes. */
export function renderText(container: HTMLElement, text: string): void {
  const me = info?.me;
  const pattern = /(@[A-Za-z0-9._-]+|#[A-Za-z0-9._-]+)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const index = match.index ?? 0;
    if (index > 0 && /[A-Za-z0-9._-]/.test(text[index - 1])) continue;
    // "#testing." or "@instance-2:" at the end of a sentence: the punctuation is not part of the name.
    const token = match[0].replace(/[.,;:!?]+$/, '');
    if (token.length < 2) continue;
    if (index > last) appendText(container, text.slice(last, index));
    const span = el('span', {}, token);
    if (token.startsWith('@')) {
      const name = token.slice(1);
      span.className = me && (name === me || name === 'all') ? 'mention mention-me' : 'mention';
    } else {
      span.className = 'room-ref';
    }
    container.append(span);
    last = index + token.length;
  }
  if (last < text.length) appendText(container, text.slice(last));
}

export function refText(m: ViewMessage): string {
  return m.number !== null ? `#${m.number}` : `id ${m.id}`;
}

export function messageLabel(m: ViewMessage): string {
  const parts = [`${m.from}`, m.time, `message ${refText(m)}`];
  if (m.unread) parts.push('unread');
  if (m.mentionsMe) parts.push('mentions you');
  if (m.alert) parts.push('alert');
  if (m.parentLabel) parts.push(`reply to ${m.parentLabel}`);
  return parts.join(', ');
}
