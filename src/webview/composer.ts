/**
 * The composer: replying to a message, sending (the host answers each send),
 * and completing @instance and #room names as one types.
 */
import type { PanelInfo, ViewMessage } from '../shared/protocol';
import { request } from './hostBridge';
import { refText } from './messageText';
import {
  ackToggle,
  importanceSelect,
  cancelReply,
  completions,
  composer,
  el,
  error,
  replyBanner,
  replyLabel,
  scroller,
  sendButton,
  textarea,
} from './pageLayout';
import { names } from './threadState';

let replyTo: ViewMessage | null = null;
let sending = false;

/** A closed room takes no messages; without an identity the placeholder says how to set one. */
export function setComposerFor(info: PanelInfo): void {
  textarea.disabled = info.closed;
  sendButton.disabled = info.closed || sending;
  if (!info.me) textarea.placeholder = 'Set your identity (Coordination: Set Identity) to send messages';
}

export function startReply(m: ViewMessage): void {
  replyTo = m;
  replyLabel.textContent = ` Replying to ${m.from} (${refText(m)})`;
  replyBanner.hidden = false;
  textarea.setAttribute('aria-describedby', 'reply-banner');
  replyBanner.id = 'reply-banner';
  textarea.focus();
}

function clearReply(): void {
  replyTo = null;
  replyBanner.hidden = true;
  textarea.removeAttribute('aria-describedby');
}
cancelReply.addEventListener('click', () => {
  clearReply();
  textarea.focus();
});

async function send(): Promise<void> {
  const text = textarea.value;
  if (!text.trim() || sending) return;
  sending = true;
  sendButton.disabled = true;
  error.textContent = '';
  const result = await request({
    type: 'send',
    text,
    replyTo: replyTo ? replyTo.ref : null,
    importance: importanceSelect.value as ViewMessage['importance'],
    ack: ackToggle.checked,
  });
  sending = false;
  sendButton.disabled = textarea.disabled;
  if (result.ok) {
    textarea.value = '';
    importanceSelect.value = 'normal';
    ackToggle.checked = false;
    clearReply();
    scroller.scrollTop = scroller.scrollHeight;
  } else error.textContent = result.error;
}

composer.addEventListener('submit', (e) => {
  e.preventDefault();
  void send();
});

let completionItems: string[] = [];
let completionIndex = 0;
let completionRange: { start: number; end: number } | null = null;

function updateCompletions(): void {
  const caret = textarea.selectionStart ?? 0;
  const before = textarea.value.slice(0, caret);
  const match = /(^|[\s(])([@#])([A-Za-z0-9._-]*)$/.exec(before);
  if (!match) return closeCompletions();
  const sigil = match[2];
  const partial = match[3].toLowerCase();
  const pool = sigil === '@' ? [...names.instances, 'all'] : names.rooms;
  completionItems = pool
    .filter((n) => n.toLowerCase().startsWith(partial) && n.toLowerCase() !== partial)
    .slice(0, 12)
    .map((n) => sigil + n);
  if (completionItems.length === 0) return closeCompletions();
  completionRange = { start: caret - match[3].length - 1, end: caret };
  completions.replaceChildren(
    ...completionItems.map((item, i) => {
      const li = el('li', { role: 'option', id: `completion-${i}` }, item);
      li.addEventListener('mousedown', (e) => {
        e.preventDefault();
        completionIndex = i;
        acceptCompletion();
      });
      return li;
    }),
  );
  completions.hidden = false;
  textarea.setAttribute('aria-expanded', 'true');
  selectCompletion(0);
}

function selectCompletion(index: number): void {
  completionIndex = (index + completionItems.length) % completionItems.length;
  completions.querySelectorAll('li').forEach((li, i) => {
    li.setAttribute('aria-selected', String(i === completionIndex));
    li.classList.toggle('selected', i === completionIndex);
  });
  textarea.setAttribute('aria-activedescendant', `completion-${completionIndex}`);
}

function acceptCompletion(): void {
  if (!completionRange) return;
  const item = completionItems[completionIndex];
  const v = textarea.value;
  textarea.value = v.slice(0, completionRange.start) + item + ' ' + v.slice(completionRange.end);
  const caret = completionRange.start + item.length + 1;
  textarea.setSelectionRange(caret, caret);
  closeCompletions();
  textarea.focus();
}

function closeCompletions(): void {
  completions.hidden = true;
  completionItems = [];
  completionRange = null;
  textarea.setAttribute('aria-expanded', 'false');
  textarea.removeAttribute('aria-activedescendant');
}

textarea.addEventListener('input', updateCompletions);
textarea.addEventListener('blur', () => window.setTimeout(closeCompletions, 100));
textarea.addEventListener('keydown', (e) => {
  const open = !completions.hidden && completionItems.length > 0;
  if (open) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      selectCompletion(completionIndex + (e.key === 'ArrowDown' ? 1 : -1));
      return;
    }
    if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
      e.preventDefault();
      acceptCompletion();
      return;
    }
    if (e.key === 'Escape') {
      e.preventDefault();
      closeCompletions();
      return;
    }
  }
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    void send();
  } else if (e.key === 'Escape' && replyTo) {
    e.preventDefault();
    clearReply();
  }
});
