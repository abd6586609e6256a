/** Search Messages: a QuickPick that searches the whole directory as you type. */
import * as vscode from 'vscode';
import { Message } from '../../core';
import { conversationOf, messageKey, refLabel, relativeTime } from '../common/messageFormat';
import { errorMessage } from '../common/reportError';
import { ThreadPanels } from '../panels/threadPanels';
import { CoordinationService } from '../service/coordinationService';

const DEBOUNCE_MS = 150;
const MAX_RESULTS = 200;

interface ResultItem extends vscode.QuickPickItem {
  message: Message;
}

/** A window of `text` around the first match of `query`, so the match shows in the detail line. */
export function matchSnippet(text: string, query: string, width = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const lower = flat.toLowerCase();
  let at = lower.indexOf(query.trim().toLowerCase());
  if (at < 0) for (const w of words) if ((at = lower.indexOf(w)) >= 0) break;
  if (at < 0 || flat.length <= width) return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
  const start = Math.max(0, at - Math.floor(width / 3));
  const end = Math.min(flat.length, start + width);
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}

export function runSearchQuickPick(service: CoordinationService, panels: ThreadPanels, room?: string): Promise<void> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<ResultItem>();
    qp.title = room ? `Search ${room}` : 'Search messages';
    qp.placeholder = 'Type words to find (searches every message you can see)';
    // The core ranks the results; VS Code must neither filter nor re-sort them. Its
    // matcher only looks at the label (matchOnDescription/Detail off), and the label
    // is an icon alone, so no query ever matches it and the items keep their order
    // (1.100's QuickPick has no public sortByLabel).
    qp.matchOnDescription = false;
    qp.matchOnDetail = false;
    let timer: NodeJS.Timeout | undefined;
    let generation = 0;
    const me = service.identity;
    const runQuery = (value: string) => {
      const gen = ++generation;
      const q = value.trim();
      if (!q) {
        qp.items = [];
        qp.busy = false;
        return;
      }
      let found: { total: number; messages: Message[] };
      try {
        // The best MAX_RESULTS this instance may see, and how many it may see in all.
        found = service.coordination.searchBest(q, room ? { room: room.replace(/^#/, '') } : {}, MAX_RESULTS);
      } catch (error) {
        // Shown as the only row, so the problem is read where the results would be.
        qp.items = [
          { label: `$(error) ${errorMessage(error)}`, alwaysShow: true, message: null as unknown as Message },
        ];
        qp.busy = false;
        return;
      }
      if (gen !== generation) return;
      // Best first, in the core's order.
      qp.items = found.messages.map((m) => ({
        label: '$(comment)',
        description: `${m.from} → ${m.target} · ${refLabel(m)} · ${m.time} (${relativeTime(m.time)})`,
        detail: matchSnippet(m.text, q),
        alwaysShow: true,
        message: m,
      }));
      qp.title =
        `${room ? `Search ${room}` : 'Search messages'}: ${found.total} match${found.total === 1 ? '' : 'es'}` +
        `${found.total > MAX_RESULTS ? ` (best ${MAX_RESULTS} shown)` : ''}`;
      qp.busy = false;
    };
    qp.onDidChangeValue((value) => {
      qp.busy = true;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => runQuery(value), DEBOUNCE_MS);
    });
    qp.onDidAccept(() => {
      const pick = qp.selectedItems[0];
      if (!pick?.message) return;
      qp.hide();
      panels.open(conversationOf(pick.message, me), messageKey(pick.message));
    });
    qp.onDidHide(() => {
      if (timer) clearTimeout(timer);
      qp.dispose();
      resolve();
    });
    qp.show();
  });
}
