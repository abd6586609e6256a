/** The status-bar item: unread count (and mentions) for the identity; a click opens the most urgent room. */
import * as vscode from 'vscode';
import { Disposable } from '../common/dispose';
import { errorMessage } from '../common/reportError';
import { CoordinationService } from '../service/coordinationService';
import { UnreadSummary } from '../service/unreadModel';

export class StatusBar extends Disposable {
  readonly item: vscode.StatusBarItem;

  constructor(private readonly service: CoordinationService) {
    super();
    this.item = this._register(
      vscode.window.createStatusBarItem('coordination.unread', vscode.StatusBarAlignment.Left, 50),
    );
    this.item.name = 'Agent Coordination: unread messages';
    this.item.command = 'coordination.openMostUrgent';
    this._register(service.onDidChange(() => this.update()));
  }

  /** What the item shows: the service's unread model (null without a directory or an identity). */
  get summary(): UnreadSummary | null {
    return this.service.unread.summary();
  }

  private update(): void {
    if (!this.service.loaded) {
      this.item.hide();
      return;
    }
    if (!this.service.identity) {
      this.item.text = '$(comment-discussion) ?';
      this.item.tooltip = 'Agent Coordination: no identity. Click to set one.';
      this.item.command = 'coordination.setIdentity';
      this.item.accessibilityInformation = { label: 'Agent Coordination: no identity set' };
      this.item.show();
      return;
    }
    let s: UnreadSummary | null;
    try {
      s = this.service.unread.summary();
    } catch (error) {
      this.service.log.warn(`status bar: ${errorMessage(error)}`);
      return;
    }
    if (!s) return;
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
      for (const [target, n] of this.service.unread.sortedTargets()) {
        const m = s.mentionsByTarget[target] ?? 0;
        tip.appendMarkdown(`- \`${target}\`: ${n}${m ? ` ($(mention) ${m})` : ''}\n`);
      }
      tip.appendMarkdown('\nClick to open the most urgent.');
    }
    this.item.tooltip = tip;
    this.item.accessibilityInformation = { label: `Agent Coordination: ${s.total} unread, ${s.mentions} mentions` };
    this.item.show();
  }
}
