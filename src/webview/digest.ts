/** "Since you last looked": the host's one-line digest, above the first message that was new when the room opened. */
import { el, icon, list } from './pageLayout';

let digestText: string | null = null;
let digestBefore: string | null = null;

export function setDigest(summary: string): void {
  digestText = summary;
}

/** Called after every render of the list (the digest stays above the same message). */
export function placeDigest(): void {
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
