/** The status-bar item for the "Needs you" queue: how many things wait on you; a click shows them. */
import * as vscode from 'vscode';
import { queueLabel } from '../../core';
import { Disposable } from '../common/dispose';
import { inertText, snippet } from '../common/messageFormat';
import { NeedsYouModel } from '../service/needsYouModel';

const LISTED = 10;

export class NeedsYouStatusBar extends Disposable {
  readonly item: vscode.StatusBarItem;

  constructor(private readonly model: NeedsYouModel) {
    super();
    this.item = this._register(
      vscode.window.createStatusBarItem('coordination.needsYou', vscode.StatusBarAlignment.Left, 49),
    );
    this.item.name = 'Agent Coordination: needs you';
    this.item.command = 'coordination.showNeedsYou';
    this._register(model.onDidChange(() => this.update()));
  }

  update(): void {
    const entries = this.model.entries;
    const total = this.model.total;
    if (total === 0) {
      this.item.hide();
      return;
    }
    const urgent = entries.some((e) => e.kind === 'urgent');
    this.item.text = `$(${urgent ? 'flame' : 'bell-dot'}) ${total} need${total === 1 ? 's' : ''} you`;
    this.item.backgroundColor = urgent ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    const tip = new vscode.MarkdownString(undefined, true);
    tip.isTrusted = false;
    tip.appendMarkdown('**Needs you**\n\n');
    for (const e of entries.slice(0, LISTED))
      tip.appendText(`• ${queueLabel(e.kind)}: ${inertText(snippet(e.title, 100))}\n`);
    if (total > LISTED) tip.appendText(`… and ${total - LISTED} more\n`);
    tip.appendMarkdown('\nClick to show the queue.');
    this.item.tooltip = tip;
    this.item.accessibilityInformation = {
      label: `Needs you: ${total} item${total === 1 ? '' : 's'}`,
    };
    this.item.show();
  }
}
