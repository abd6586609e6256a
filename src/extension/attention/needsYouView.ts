/**
 * The "Needs You" view, first in the Coordination container above the
 * chatrooms: one row per queue entry, with its one-click actions inline
 * (reply, acknowledge, open). It owns its tree view and rebuilds only when
 * the queue changed.
 */
import * as vscode from 'vscode';
import type { QueueEntry } from '../../core';
import { NeedsYouModel } from './needsYouModel';
import { queueTreeItem } from './queueItems';

export const NEEDS_YOU_VIEW = 'coordination.needsYou';

export class NeedsYouView implements vscode.TreeDataProvider<QueueEntry>, vscode.Disposable {
  readonly view: vscode.TreeView<QueueEntry>;
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly model: NeedsYouModel) {
    this.view = vscode.window.createTreeView(NEEDS_YOU_VIEW, { treeDataProvider: this, showCollapseAll: false });
    this.disposables.push(
      this.emitter,
      this.view,
      model.onDidChange(() => this.refresh()),
    );
    this.refresh();
  }

  private refresh(): void {
    const n = this.model.entries.length;
    this.view.description = n > 0 ? String(n) : undefined;
    this.view.message = n > 0 ? undefined : 'Nothing needs you.';
    this.emitter.fire();
  }

  getChildren(entry?: QueueEntry): QueueEntry[] {
    return entry ? [] : this.model.entries;
  }

  getTreeItem(entry: QueueEntry): vscode.TreeItem {
    return queueTreeItem(entry);
  }

  /** Shows the view (and focuses it). */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${NEEDS_YOU_VIEW}.focus`);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
