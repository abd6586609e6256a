/**
 * The page's elements, built once with createElement (never from HTML), and
 * el()/icon() to build more. Each feature module attaches its own handlers.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}

export function icon(name: string): HTMLElement {
  return el('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

export const app = document.getElementById('app') as HTMLElement;
export const header = el('header', { class: 'header' });
export const title = el('h1', { class: 'title', id: 'title' });
export const description = el('p', { class: 'description' });
export const closedBanner = el('div', { class: 'closed-banner', role: 'status', hidden: '' });
export const closedText = el('span', { class: 'closed-text' });
export const reopenButton = el(
  'button',
  { type: 'button', class: 'reopen', title: 'Reopen this chatroom (asks for a reason)' },
  icon('unlock'),
  ' Reopen',
);
closedBanner.append(closedText, reopenButton);
export const filterInput = el('input', {
  type: 'search',
  class: 'filter',
  placeholder: 'Filter messages (searches the whole history)',
  'aria-label': 'Filter messages',
});
header.append(el('div', { class: 'title-row' }, title, filterInput), description, closedBanner);

export const scroller = el('main', { class: 'scroller', 'aria-labelledby': 'title' });
export const earlierButton = el(
  'button',
  { class: 'earlier', type: 'button' },
  icon('fold-up'),
  ' Load earlier messages',
);
export const list = el('ol', { class: 'messages', role: 'list', 'aria-label': 'Messages' });
export const empty = el('p', { class: 'empty', hidden: '' }, 'No messages yet.');
export const filterResults = el('section', { class: 'filter-results', hidden: '', 'aria-label': 'Filter results' });
scroller.append(earlierButton, list, empty, filterResults);

export const live = el('div', { class: 'visually-hidden', 'aria-live': 'polite', role: 'status' });

export const composer = el('form', { class: 'composer', 'aria-label': 'Write a message' });
export const replyBanner = el('div', { class: 'reply-banner', hidden: '' });
export const replyLabel = el('span', { class: 'reply-label' });
export const cancelReply = el(
  'button',
  { type: 'button', class: 'icon-button', title: 'Cancel reply (Escape)', 'aria-label': 'Cancel reply' },
  icon('close'),
);
replyBanner.append(icon('reply'), replyLabel, cancelReply);
export const textarea = el('textarea', {
  class: 'input',
  rows: '2',
  placeholder: 'Message (Enter to send, Shift+Enter for a new line, @ and # complete names)',
  'aria-label': 'Message text',
  role: 'combobox',
  'aria-autocomplete': 'list',
  'aria-expanded': 'false',
  'aria-controls': 'completions',
});
export const completions = el('ul', {
  class: 'completions',
  id: 'completions',
  role: 'listbox',
  hidden: '',
  'aria-label': 'Suggestions',
});
export const sendButton = el('button', { type: 'submit', class: 'send', title: 'Send (Enter)' }, icon('send'), ' Send');
export const error = el('p', { class: 'error', role: 'alert' });
export const importanceSelect = el('select', { class: 'importance', 'aria-label': 'Importance' });
for (const level of ['normal', 'urgent', 'high', 'low'])
  importanceSelect.append(el('option', { value: level }, level[0].toUpperCase() + level.slice(1)));
export const ackToggle = el('input', { type: 'checkbox', class: 'ack-toggle', id: 'ack-toggle' });
const composerOptions = el(
  'div',
  { class: 'composer-options' },
  el('label', { class: 'importance-label' }, 'Importance ', importanceSelect),
  el(
    'label',
    { for: 'ack-toggle', title: 'Recipients are asked to acknowledge it (coord ack N)' },
    ackToggle,
    ' Ask for an ack',
  ),
);
composer.append(
  replyBanner,
  el('div', { class: 'composer-row' }, textarea, sendButton),
  composerOptions,
  completions,
  error,
);
