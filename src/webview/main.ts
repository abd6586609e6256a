/**
 * The thread panel's script. Message text is only ever set with textContent
 * (never as HTML); every event handler is attached here (no inline handlers).
 */
import type { CompletionNames, HostToWebview, PanelInfo, ViewMessage, WebviewToHost } from '../shared/protocol';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: WebviewToHost) => vscode.postMessage(m);

// ------------------------------------------------------------------ state

let info: PanelInfo | null = null;
let names: CompletionNames = { instances: [], rooms: [] };
let messages: ViewMessage[] = [];
let byKey = new Map<string, ViewMessage>();
let hasEarlier = false;
let total = 0;
const collapsed = new Set<string>((vscode.getState() as { collapsed?: string[] } | undefined)?.collapsed ?? []);
let replyTo: ViewMessage | null = null;
let sending = false;
let firstRender = true;
const sentRead = new Set<string>();
const readQueue = new Map<string, number | string>();
let filterQuery = '';
/** "Since you last looked" for this opening of the room, and the message it stands above. */
let digestText: string | null = null;
let digestBefore: string | null = null;

// ------------------------------------------------------------------ DOM

function el<K extends keyof HTMLElementTagNameMap>(
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

function icon(name: string): HTMLElement {
  return el('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

const app = document.getElementById('app') as HTMLElement;
const header = el('header', { class: 'header' });
const title = el('h1', { class: 'title', id: 'title' });
const description = el('p', { class: 'description' });
const closedBanner = el('div', { class: 'closed-banner', role: 'status', hidden: '' });
const closedText = el('span', { class: 'closed-text' });
const reopenButton = el(
  'button',
  { type: 'button', class: 'reopen', title: 'Reopen this chatroom (asks for a reason)' },
  icon('unlock'),
  ' Reopen',
);
reopenButton.addEventListener('click', () => post({ type: 'reopen' }));
closedBanner.append(closedText, reopenButton);
const filterInput = el('input', {
  type: 'search',
  class: 'filter',
  placeholder: 'Filter messages (searches the whole history)',
  'aria-label': 'Filter messages',
});
header.append(el('div', { class: 'title-row' }, title, filterInput), description, closedBanner);

const scroller = el('main', { class: 'scroller', 'aria-labelledby': 'title' });
const earlierButton = el('button', { class: 'earlier', type: 'button' }, icon('fold-up'), ' Load earlier messages');
const list = el('ol', { class: 'messages', role: 'list', 'aria-label': 'Messages' });
const empty = el('p', { class: 'empty', hidden: '' }, 'No messages yet.');
const filterResults = el('section', { class: 'filter-results', hidden: '', 'aria-label': 'Filter results' });
scroller.append(earlierButton, list, empty, filterResults);

const live = el('div', { class: 'visually-hidden', 'aria-live': 'polite', role: 'status' });

const composer = el('form', { class: 'composer', 'aria-label': 'Write a message' });
const replyBanner = el('div', { class: 'reply-banner', hidden: '' });
const replyLabel = el('span', { class: 'reply-label' });
const cancelReply = el(
  'button',
  { type: 'button', class: 'icon-button', title: 'Cancel reply (Escape)', 'aria-label': 'Cancel reply' },
  icon('close'),
);
replyBanner.append(icon('reply'), replyLabel, cancelReply);
const textarea = el('textarea', {
  class: 'input',
  rows: '2',
  placeholder: 'Message (Enter to send, Shift+Enter for a new line, @ and # complete names)',
  'aria-label': 'Message text',
  role: 'combobox',
  'aria-autocomplete': 'list',
  'aria-expanded': 'false',
  'aria-controls': 'completions',
});
const completions = el('ul', {
  class: 'completions',
  id: 'completions',
  role: 'listbox',
  hidden: '',
  'aria-label': 'Suggestions',
});
const sendButton = el('button', { type: 'submit', class: 'send', title: 'Send (Enter)' }, icon('send'), ' Send');
const error = el('p', { class: 'error', role: 'alert' });
const importanceSelect = el('select', { class: 'importance', 'aria-label': 'Importance' });
for (const level of ['normal', 'urgent', 'high', 'low'])
  importanceSelect.append(el('option', { value: level }, level[0].toUpperCase() + level.slice(1)));
const ackToggle = el('input', { type: 'checkbox', class: 'ack-toggle', id: 'ack-toggle' });
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

app.append(header, scroller, composer, live);

// ------------------------------------------------------------------ rendering

/** Bidirectional controls (embeddings, overrides, isolates, marks) that could make text read in another order than it is. */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;
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
function appendText(container: HTMLElement, text: string): void {
  let last = 0;
  for (const match of text.matchAll(BIDI_CONTROLS)) {
    const index = match.index ?? 0;
    if (index > last) container.append(document.createTextNode(text.slice(last, index)));
    const hex = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
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
function renderText(container: HTMLElement, text: string): void {
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

function refText(m: ViewMessage): string {
  return m.number !== null ? `#${m.number}` : `id ${m.id}`;
}

function messageLabel(m: ViewMessage): string {
  const parts = [`${m.from}`, m.time, `message ${refText(m)}`];
  if (m.unread) parts.push('unread');
  if (m.mentionsMe) parts.push('mentions you');
  if (m.alert) parts.push('alert');
  if (m.parentLabel) parts.push(`reply to ${m.parentLabel}`);
  return parts.join(', ');
}

function renderMessage(
  m: ViewMessage,
  children: Map<string, ViewMessage[]>,
  depth: number,
  showParent: boolean,
): HTMLLIElement {
  const li = el('li', { class: 'item' });
  const article = el('article', { class: 'message', tabindex: '-1', 'data-key': m.key, 'aria-label': messageLabel(m) });
  if (m.mine) article.classList.add('mine');
  if (m.unread) article.classList.add('unread');
  if (m.mentionsMe) article.classList.add('mentions-me');
  if (m.alert) article.classList.add('alert');

  const head = el('div', { class: 'meta' });
  head.append(el('span', { class: 'from' }, m.from));
  head.append(el('time', { class: 'time', datetime: m.time.replace(' ', 'T') }, m.time));
  head.append(
    el('span', { class: 'ref', title: m.number !== null ? 'Message number' : 'Legacy message id' }, refText(m)),
  );
  if (m.unread) head.append(el('span', { class: 'badge unread-badge' }, icon('circle-filled'), ' unread'));
  if (m.mentionsMe) head.append(el('span', { class: 'badge mention-badge' }, icon('mention'), ' mentions you'));
  if (m.alert) head.append(el('span', { class: 'badge alert-badge' }, icon('warning'), ' alert'));
  if (m.importance !== 'normal')
    head.append(
      el(
        'span',
        { class: `badge importance-badge importance-${m.importance}` },
        icon(m.importance === 'urgent' ? 'flame' : m.importance === 'high' ? 'arrow-up' : 'arrow-down'),
        ` ${m.importance}`,
      ),
    );
  if (m.ackRequired) head.append(el('span', { class: 'badge ack-badge' }, icon('pass'), ' ack requested'));
  if (m.ackOwed) {
    const ackButton = el(
      'button',
      {
        type: 'button',
        class: 'ack',
        title: `Acknowledge ${refText(m)}`,
        'aria-label': `Acknowledge ${m.from}, ${refText(m)}`,
      },
      icon('pass'),
      ' Acknowledge',
    );
    ackButton.addEventListener('click', () => {
      ackButton.disabled = true;
      post({ type: 'ack', ref: m.ref });
    });
    head.append(ackButton);
  }
  const actions = el('span', { class: 'actions' });
  const replyButton = el(
    'button',
    {
      type: 'button',
      class: 'icon-button reply',
      title: `Reply to ${refText(m)}`,
      'aria-label': `Reply to ${m.from}, ${refText(m)}`,
    },
    icon('reply'),
  );
  replyButton.addEventListener('click', () => startReply(m));
  actions.append(replyButton);
  head.append(actions);
  article.append(head);

  if (m.parentLabel && (showParent || !m.parentKey || !byKey.has(m.parentKey))) {
    const parent = el(
      'button',
      { type: 'button', class: 'parent-link', title: 'Show the message this replies to' },
      icon('reply'),
      ` in reply to ${m.parentLabel}`,
    );
    if (m.parentKey) {
      const parentKey = m.parentKey;
      parent.addEventListener('click', () => post({ type: 'reveal', key: parentKey }));
    } else parent.disabled = true;
    article.append(parent);
  }
  const body = el('div', { class: 'text' });
  renderText(body, m.text);
  article.append(body);
  li.append(article);

  const kids = children.get(m.key) ?? [];
  if (kids.length > 0) {
    const isCollapsed = collapsed.has(m.key);
    const count = countDescendants(m.key, children);
    const repliesId = `replies-${m.key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const toggle = el(
      'button',
      { type: 'button', class: 'toggle', 'aria-expanded': String(!isCollapsed), 'aria-controls': repliesId },
      icon(isCollapsed ? 'chevron-right' : 'chevron-down'),
      ` ${count} repl${count === 1 ? 'y' : 'ies'}`,
    );
    toggle.addEventListener('click', () => {
      if (collapsed.has(m.key)) collapsed.delete(m.key);
      else collapsed.add(m.key);
      vscode.setState({ collapsed: [...collapsed] });
      render('toggle');
    });
    li.append(toggle);
    const ol = el('ol', { class: 'replies', id: repliesId, role: 'list', 'aria-label': `Replies to ${m.from}` });
    if (isCollapsed) ol.hidden = true;
    else for (const k of kids) ol.append(renderMessage(k, children, depth + 1, false));
    li.append(ol);
  }
  return li;
}

/** The digest goes above the first message that was unread when the room opened. */
function placeDigest(): void {
  if (!digestText) return;
  if (digestBefore === null)
    digestBefore = list.querySelector<HTMLElement>('article.unread')?.getAttribute('data-key') ?? null;
  const at = digestBefore
    ? list.querySelector<HTMLElement>(`article[data-key="${CSS.escape(digestBefore)}"]`)?.closest('ol.messages > li')
    : null;
  const item = el(
    'li',
    { class: 'digest', role: 'note', 'aria-label': 'Since you last looked' },
    icon('history'),
    ` ${digestText}`,
  );
  if (at) list.insertBefore(item, at);
  else list.prepend(item);
}

function countDescendants(key: string, children: Map<string, ViewMessage[]>): number {
  let n = 0;
  for (const c of children.get(key) ?? []) n += 1 + countDescendants(c.key, children);
  return n;
}

let observer: IntersectionObserver | null = null;

function render(reason: string): void {
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  const anchor = reason === 'earlier' ? firstVisible() : null;
  const anchorTop = anchor ? anchor.getBoundingClientRect().top : 0;
  const focusedKey =
    (document.activeElement as HTMLElement | null)?.closest?.('article')?.getAttribute('data-key') ?? null;

  byKey = new Map(messages.map((m) => [m.key, m]));
  const children = new Map<string, ViewMessage[]>();
  const roots: ViewMessage[] = [];
  for (const m of messages) {
    if (m.parentKey && m.parentKey !== m.key && byKey.has(m.parentKey)) {
      const kids = children.get(m.parentKey) ?? [];
      kids.push(m);
      children.set(m.parentKey, kids);
    } else roots.push(m);
  }
  list.replaceChildren(...roots.map((m) => renderMessage(m, children, 0, true)));
  placeDigest();
  empty.hidden = messages.length > 0;
  earlierButton.hidden = !hasEarlier;
  earlierButton.disabled = false;
  list.setAttribute('aria-label', `Messages (${messages.length} of ${total} shown)`);
  updateRoving(focusedKey);
  observeUnread();

  if (anchor) {
    const again = list.querySelector<HTMLElement>(
      `article[data-key="${CSS.escape(anchor.getAttribute('data-key') ?? '')}"]`,
    );
    if (again) scroller.scrollTop += again.getBoundingClientRect().top - anchorTop;
  } else if (firstRender) {
    const firstUnread = list.querySelector<HTMLElement>('article.unread');
    if (firstUnread) firstUnread.scrollIntoView({ block: 'center' });
    else scroller.scrollTop = scroller.scrollHeight;
  } else if (atBottom && reason === 'update') {
    scroller.scrollTop = scroller.scrollHeight;
  }
  if (messages.length > 0) firstRender = false;
  post({
    type: 'rendered',
    count: list.querySelectorAll('article').length,
    unreadShown: list.querySelectorAll('article.unread').length,
  });
}

function firstVisible(): HTMLElement | null {
  const top = scroller.getBoundingClientRect().top;
  for (const a of list.querySelectorAll<HTMLElement>('article')) if (a.getBoundingClientRect().bottom > top) return a;
  return null;
}

function articles(): HTMLElement[] {
  return [...list.querySelectorAll<HTMLElement>('article')].filter((a) => a.offsetParent !== null);
}

/** One tab stop for the whole list; arrows move within it. */
function updateRoving(focusKey: string | null): void {
  const all = articles();
  let current = all.find((a) => a.getAttribute('data-key') === focusKey) ?? null;
  if (!current) current = all[all.length - 1] ?? null;
  for (const a of all) a.tabIndex = a === current ? 0 : -1;
  if (focusKey && current && current.getAttribute('data-key') === focusKey) current.focus({ preventScroll: true });
}

function focusArticle(a: HTMLElement | undefined): void {
  if (!a) return;
  for (const other of articles()) other.tabIndex = -1;
  a.tabIndex = 0;
  a.focus();
}

list.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement;
  if (target.tagName !== 'ARTICLE') return;
  const all = articles();
  const i = all.indexOf(target);
  const m = byKey.get(target.getAttribute('data-key') ?? '');
  switch (e.key) {
    case 'ArrowDown':
      focusArticle(all[i + 1]);
      break;
    case 'ArrowUp':
      focusArticle(all[i - 1]);
      break;
    case 'Home':
      focusArticle(all[0]);
      break;
    case 'End':
      focusArticle(all[all.length - 1]);
      break;
    case 'r':
    case 'Enter':
      if (m) startReply(m);
      break;
    default:
      return;
  }
  e.preventDefault();
});

// ------------------------------------------------------------------ read marks

function observeUnread(): void {
  observer?.disconnect();
  observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        const key = (entry.target as HTMLElement).getAttribute('data-key') ?? '';
        const m = byKey.get(key);
        if (!m || !m.unread || sentRead.has(key)) continue;
        readQueue.set(key, m.ref);
        observer?.unobserve(entry.target);
      }
      scheduleReadFlush();
    },
    { root: scroller, threshold: 0.6 },
  );
  for (const a of list.querySelectorAll('article.unread')) observer.observe(a);
}

let readTimer: number | undefined;
function scheduleReadFlush(): void {
  if (readQueue.size === 0 || readTimer !== undefined) return;
  readTimer = window.setTimeout(() => {
    readTimer = undefined;
    if (document.visibilityState !== 'visible') {
      scheduleReadFlush();
      return;
    }
    const refs = [...readQueue.values()];
    for (const k of readQueue.keys()) sentRead.add(k);
    readQueue.clear();
    if (refs.length) post({ type: 'markRead', refs });
  }, 400);
}
document.addEventListener('visibilitychange', scheduleReadFlush);

// ------------------------------------------------------------------ replies and sending

function startReply(m: ViewMessage): void {
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

function send(): void {
  const text = textarea.value;
  if (!text.trim() || sending) return;
  sending = true;
  sendButton.disabled = true;
  error.textContent = '';
  post({
    type: 'send',
    text,
    replyTo: replyTo ? replyTo.ref : null,
    importance: importanceSelect.value as ViewMessage['importance'],
    ack: ackToggle.checked,
  });
}

composer.addEventListener('submit', (e) => {
  e.preventDefault();
  send();
});

// ------------------------------------------------------------------ completion

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
  completionIndex = 0;
  completions.replaceChildren(
    ...completionItems.map((item, i) => {
      const li = el(
        'li',
        {
          role: 'option',
          id: `completion-${i}`,
          'aria-selected': String(i === completionIndex),
          class: i === completionIndex ? 'selected' : '',
        },
        item,
      );
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
  textarea.setAttribute('aria-activedescendant', `completion-0`);
}

function moveCompletion(delta: number): void {
  completionIndex = (completionIndex + delta + completionItems.length) % completionItems.length;
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
      moveCompletion(e.key === 'ArrowDown' ? 1 : -1);
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
    send();
  } else if (e.key === 'Escape' && replyTo) {
    e.preventDefault();
    clearReply();
  }
});

// ------------------------------------------------------------------ filter

let filterTimer: number | undefined;
filterInput.addEventListener('input', () => {
  window.clearTimeout(filterTimer);
  filterTimer = window.setTimeout(() => {
    filterQuery = filterInput.value;
    if (!filterQuery.trim()) showFilter(null);
    else post({ type: 'filter', query: filterQuery });
  }, 200);
});
filterInput.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') {
    filterInput.value = '';
    filterQuery = '';
    showFilter(null);
  } else if (e.key === 'ArrowDown') {
    e.preventDefault();
    filterResults.querySelector<HTMLElement>('button')?.focus();
  }
});

function showFilter(result: { query: string; messages: ViewMessage[]; error?: string } | null): void {
  if (!result) {
    filterResults.hidden = true;
    list.hidden = false;
    earlierButton.hidden = !hasEarlier;
    empty.hidden = messages.length > 0;
    return;
  }
  list.hidden = true;
  earlierButton.hidden = true;
  empty.hidden = true;
  filterResults.hidden = false;
  const heading = el(
    'h2',
    { class: 'filter-heading' },
    result.error
      ? result.error
      : `${result.messages.length} message${result.messages.length === 1 ? '' : 's'} match "${result.query}"`,
  );
  const ul = el('ul', { class: 'filter-list', role: 'list' });
  const q = result.query.toLowerCase();
  for (const m of result.messages) {
    const button = el('button', {
      type: 'button',
      class: 'filter-item',
      'aria-label': `${messageLabel(m)}: ${m.text.slice(0, 200)}`,
    });
    const meta = el(
      'span',
      { class: 'meta' },
      el('span', { class: 'from' }, m.from),
      el('span', { class: 'time' }, m.time),
      el('span', { class: 'ref' }, refText(m)),
    );
    const text = el('span', { class: 'text' });
    const flat = m.text.replace(/\s+/g, ' ');
    const at = flat.toLowerCase().indexOf(q);
    if (at >= 0 && q) {
      const start = Math.max(0, at - 60);
      const mark = el('mark');
      appendText(text, (start > 0 ? '…' : '') + flat.slice(start, at));
      appendText(mark, flat.slice(at, at + q.length));
      text.append(mark);
      appendText(text, flat.slice(at + q.length, at + q.length + 160));
    } else appendText(text, flat.slice(0, 220));
    button.append(meta, text);
    button.addEventListener('click', () => {
      filterInput.value = '';
      filterQuery = '';
      showFilter(null);
      post({ type: 'reveal', key: m.key });
    });
    ul.append(el('li', {}, button));
  }
  filterResults.replaceChildren(heading, ul);
  live.textContent = heading.textContent ?? '';
}

earlierButton.addEventListener('click', () => {
  earlierButton.disabled = true;
  post({ type: 'loadEarlier' });
});

// ------------------------------------------------------------------ host messages

function applyInfo(next: PanelInfo, nextNames: CompletionNames): void {
  info = next;
  names = nextNames;
  title.textContent = next.title;
  description.replaceChildren();
  appendText(description, next.description);
  description.hidden = !next.description;
  closedBanner.hidden = !next.closed;
  closedText.replaceChildren(icon('lock'), ' This chatroom is closed');
  if (next.closedReason) {
    const reason = el('span', { class: 'reason' });
    appendText(reason, next.closedReason);
    closedText.append(': ', reason);
  }
  closedText.append('. Reopen it to send messages.');
  reopenButton.setAttribute('aria-label', `Reopen ${next.title}`);
  textarea.disabled = next.closed;
  sendButton.disabled = next.closed || sending;
  if (!next.me) textarea.placeholder = 'Set your identity (Coordination: Set Identity) to send messages';
}

function reveal(key: string): void {
  let m = byKey.get(key);
  // Expand collapsed ancestors first.
  let changed = false;
  while (m && m.parentKey && byKey.has(m.parentKey)) {
    if (collapsed.delete(m.parentKey)) changed = true;
    m = byKey.get(m.parentKey);
  }
  if (changed) render('toggle');
  const a = list.querySelector<HTMLElement>(`article[data-key="${CSS.escape(key)}"]`);
  if (!a) return;
  a.scrollIntoView({ block: 'center' });
  focusArticle(a);
  a.classList.add('flash');
  window.setTimeout(() => a.classList.remove('flash'), 1500);
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const m = event.data;
  switch (m.type) {
    case 'init':
    case 'info':
      applyInfo(m.info, m.names);
      break;
    case 'messages': {
      const before = new Set(messages.map((x) => x.key));
      messages = m.messages;
      hasEarlier = m.hasEarlier;
      total = m.total;
      // Marks that reached the host are reflected in `unread`; forget them.
      for (const x of messages) if (!x.unread) sentRead.delete(x.key);
      if (m.reason === 'update') {
        const fresh = messages.filter((x) => !before.has(x.key) && !x.mine).length;
        if (fresh > 0) live.textContent = `${fresh} new message${fresh === 1 ? '' : 's'}`;
      }
      render(m.reason);
      break;
    }
    case 'reveal':
      reveal(m.key);
      break;
    case 'sendResult':
      sending = false;
      sendButton.disabled = info?.closed ?? false;
      if (m.ok) {
        textarea.value = '';
        importanceSelect.value = 'normal';
        ackToggle.checked = false;
        clearReply();
        error.textContent = '';
        scroller.scrollTop = scroller.scrollHeight;
      } else {
        error.textContent = m.error;
      }
      break;
    case 'filterResult':
      if (m.query === filterQuery) showFilter(m);
      break;
    case 'digest':
      digestText = m.summary;
      if (messages.length > 0) render('digest');
      break;
    case 'focusComposer':
      if (m.replyTo) {
        const target = byKey.get(m.replyTo);
        if (target) startReply(target);
      } else textarea.focus();
      break;
  }
});

post({ type: 'ready' });
