/**
 * Read marks: an unread message counts as read once most of it has been on
 * screen while the page is visible; marks go to the host in batches.
 */
import { post } from './hostBridge';
import { list, scroller } from './pageLayout';
import { byKey, messages } from './threadState';

/** Keys marked read and sent, until the host's messages show them read. */
const sentRead = new Set<string>();
const readQueue = new Map<string, number | string>();
let observer: IntersectionObserver | null = null;

/** Forgets the marks the host has applied (its messages show them read). */
export function forgetAppliedMarks(): void {
  for (const m of messages) if (!m.unread) sentRead.delete(m.key);
}

export function observeUnread(): void {
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

/** Set by the host: a panel in a background tab is not being read, whatever the document says. */
let panelVisible = true;

export function setPanelVisible(visible: boolean): void {
  panelVisible = visible;
  if (visible) scheduleReadFlush();
}

let readTimer: number | undefined;
function scheduleReadFlush(): void {
  if (readQueue.size === 0 || readTimer !== undefined || !panelVisible) return;
  readTimer = window.setTimeout(() => {
    readTimer = undefined;
    if (!panelVisible) return; // flushed again when the panel comes back
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
