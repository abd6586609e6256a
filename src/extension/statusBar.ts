/** The status-bar item: unread count (and mentions) for the identity; a click opens the most urgent room. */
import * as vscode from 'vscode';
import { CoordinationService, errorMessage } from './service';

export interface UnreadSummary {
  total: number;
  mentions: number;
  byTarget: Record<string, number>;
  /** Unread mentions per conversation. */
  mentionsByTarget: Record<string, number>;
}

export class StatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  summary: UnreadSummary | null = null;

  constructor(
    private readonly service: CoordinationService,
    private readonly onSummary: (s: UnreadSummary | null) => void,
  ) {
    this.item = vscode.window.createStatusBarItem('coordination.unread', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Agent Coordination: unread messages';
    this.item.command = 'coordination.openMostUrgent';
    this.disposables.push(
      this.item,
      service.onDidChange(() => this.update()),
    );
  }

  update(): void {
    if (!this.service.loaded) {
      this.summary = null;
      this.onSummary(null);
      this.item.hide();
      return;
    }
    if (!this.service.identity) {
      this.summary = null;
      this.onSummary(null);
      this.item.text = '$(comment-discussion) ?';
      this.item.tooltip = 'Agent Coordination: no identity. Click to set one.';
      this.item.command = 'coordination.setIdentity';
      this.item.accessibilityInformation = { label: 'Agent Coordination: no identity set' };
      this.item.show();
      return;
    }
    try {
      this.summary = computeSummary(this.service);
    } catch (error) {
      this.service.log.warn(`status bar: ${errorMessage(error)}`);
      return;
    }
    const s = this.summary;
    this.onSummary(s);
    this.item.command = 'coordination.openMostUrgent';
    this.item.text = `$(comment-discussion) ${s.total}${s.mentions > 0 ? ` $(mention) ${s.mentions}` : ''}`;
    this.item.backgroundColor = s.mentions > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**Agent Coordination** — ${this.service.identity}\n\n`);
    if (s.total === 0) tip.appendMarkdown('No unread messages.');
    else {
      tip.appendMarkdown(
        `${s.total} unread${s.mentions ? `, ${s.mentions} mention${s.mentions === 1 ? '' : 's'}` : ''}\n\n`,
      );
      for (const [target, n] of sortedTargets(s)) {
        const m = s.mentionsByTarget[target] ?? 0;
        tip.appendMarkdown(`- \`${target}\`: ${n}${m ? ` ($(mention) ${m})` : ''}\n`);
      }
      tip.appendMarkdown('\nClick to open the most urgent.');
    }
    this.item.tooltip = tip;
    this.item.accessibilityInformation = { label: `Agent Coordination: ${s.total} unread, ${s.mentions} mentions` };
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export function computeSummary(service: CoordinationService): UnreadSummary {
  // Shared with the tree and the notifier: computed once per change of the directory.
  const u = service.unread();
  const me = service.requireIdentity();
  const mentionsByTarget: Record<string, number> = {};
  for (const m of u.mentionList) {
    const key = m.target.startsWith('#') ? m.target : `@${m.from === me ? m.target.slice(1) : m.from}`;
    mentionsByTarget[key] = (mentionsByTarget[key] ?? 0) + 1;
  }
  return { total: u.total, mentions: u.mentions, byTarget: u.byTarget, mentionsByTarget };
}

/** Conversations with unread messages, most urgent first: mentions, then direct messages, then count. */
export function sortedTargets(s: UnreadSummary): Array<[string, number]> {
  return Object.entries(s.byTarget)
    .filter(([, n]) => n > 0)
    .sort(
      ([a, na], [b, nb]) =>
        (s.mentionsByTarget[b] ?? 0) - (s.mentionsByTarget[a] ?? 0) ||
        Number(b.startsWith('@')) - Number(a.startsWith('@')) ||
        nb - na ||
        a.localeCompare(b),
    );
}
