/**
 * The message list: threads nested under their parent (folded on request),
 * the scroll position kept across updates, one tab stop with arrow keys
 * within, and scrolling to a message on request.
 */
import type { ViewMessage } from '../shared/protocol';
import { startReply } from './composer';
import { post } from './hostBridge';
import { renderWithCodeRefs } from './codeLinks';
import { messageLabel, refText, renderText } from './messageText';
import { earlierButton, el, empty, icon, list, scroller } from './pageLayout';
import { observeUnread } from './readTracking';
import { placeDigest } from './digest';
import { byKey, collapsed, hasEarlier, messages, saveCollapsed, total } from './threadState';

let firstRender = true;

function renderMessage(m: ViewMessage, children: Map<string, ViewMessage[]>, showParent: boolean): HTMLLIElement {
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
  appendAttention(head, m);
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
  renderWithCodeRefs(body, m.text, m.codeRefs, renderText, post);
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
      saveCollapsed();
      render('toggle');
    });
    li.append(toggle);
    const ol = el('ol', { class: 'replies', id: repliesId, role: 'list', 'aria-label': `Replies to ${m.from}` });
    if (isCollapsed) ol.hidden = true;
    else for (const k of kids) ol.append(renderMessage(k, children, false));
    li.append(ol);
  }
  return li;
}

/** Importance and ack badges, and an Acknowledge button when I owe one. */
function appendAttention(head: HTMLElement, m: ViewMessage): void {
  if (m.importance !== 'normal') {
    const glyph = m.importance === 'urgent' ? 'flame' : m.importance === 'high' ? 'arrow-up' : 'arrow-down';
    head.append(
      el('span', { class: `badge importance-badge importance-${m.importance}` }, icon(glyph), ` ${m.importance}`),
    );
  }
  if (m.ackRequired) head.append(el('span', { class: 'badge ack-badge' }, icon('pass'), ' ack requested'));
  if (!m.ackOwed) return;
  const label = `Acknowledge ${m.from}, ${refText(m)}`;
  const ack = el(
    'button',
    { type: 'button', class: 'ack', title: label, 'aria-label': label },
    icon('pass'),
    ' Acknowledge',
  );
  ack.addEventListener('click', () => {
    ack.disabled = true;
    post({ type: 'ack', ref: m.ref });
  });
  head.append(ack);
}

function countDescendants(key: string, children: Map<string, ViewMessage[]>): number {
  let n = 0;
  for (const c of children.get(key) ?? []) n += 1 + countDescendants(c.key, children);
  return n;
}

/** The empty note and the "Load earlier" button, as the loaded messages call for. */
export function showListChrome(): void {
  empty.hidden = messages.length > 0;
  earlierButton.hidden = !hasEarlier;
}

export function render(reason: string): void {
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  const anchor = reason === 'earlier' ? firstVisible() : null;
  const anchorTop = anchor ? anchor.getBoundingClientRect().top : 0;
  const focusedKey =
    (document.activeElement as HTMLElement | null)?.closest?.('article')?.getAttribute('data-key') ?? null;

  const children = new Map<string, ViewMessage[]>();
  const roots: ViewMessage[] = [];
  for (const m of messages) {
    if (m.parentKey && m.parentKey !== m.key && byKey.has(m.parentKey)) {
      const kids = children.get(m.parentKey) ?? [];
      kids.push(m);
      children.set(m.parentKey, kids);
    } else roots.push(m);
  }
  list.replaceChildren(...roots.map((m) => renderMessage(m, children, true)));
  placeDigest();
  showListChrome();
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

export function reveal(key: string): void {
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
