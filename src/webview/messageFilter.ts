/**
 * The filter box: searches the conversation's whole history through the host
 * and shows the matches in place of the list; a match opens in the list.
 */
import type { ViewMessage } from '../shared/protocol';
import { post, request } from './hostBridge';
import { appendText, messageLabel, refText } from './messageText';
import { showListChrome } from './messageRendering';
import { earlierButton, el, empty, filterInput, filterResults, list, live } from './pageLayout';

let filterTimer: number | undefined;
filterInput.addEventListener('input', () => {
  window.clearTimeout(filterTimer);
  filterTimer = window.setTimeout(async () => {
    const query = filterInput.value;
    if (!query.trim()) return showFilter(null);
    const result = await request({ type: 'filter', query });
    // Shown only while the box still asks for it.
    if (filterInput.value === query) showFilter(result);
  }, 200);
});

function clearFilter(): void {
  filterInput.value = '';
  showFilter(null);
}

filterInput.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') clearFilter();
  else if (e.key === 'ArrowDown') {
    e.preventDefault();
    filterResults.querySelector<HTMLElement>('button')?.focus();
  }
});

function showFilter(result: { query: string; messages: ViewMessage[]; error?: string } | null): void {
  if (!result) {
    filterResults.hidden = true;
    list.hidden = false;
    showListChrome();
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
      clearFilter();
      post({ type: 'reveal', key: m.key });
    });
    ul.append(el('li', {}, button));
  }
  filterResults.replaceChildren(heading, ul);
  live.textContent = heading.textContent ?? '';
}
