/**
 * The "Needs You" view, first in the Coordination container above the
 * chatrooms: one row per queue entry, with its one-click actions inline
 * (reply, acknowledge, open). It owns its tree view and rebuilds only when
 * the queue changed.
 */
import * as vscode from 'vscode';
import type { QueueEntry } from '../../core';
import { Disposable } from '../common/dispose';
import { NeedsYouModel } from '../service/needsYouModel';
import { queueTreeItem } from './needsYouRows';

export const NEEDS_YOU_VIEW = 'coordination.needsYou';

export class NeedsYouView extends Disposable implements vscode.TreeDataProvider<QueueEntry> {
  readonly view: vscode.TreeView<QueueEntry>;
  private readonly emitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly model: NeedsYouModel) {
    super();
    this.view = this._register(
      vscode.window.createTreeView(NEEDS_YOU_VIEW, { treeDataProvider: this, showCollapseAll: false }),
    );
    this._register(model.onDidChange(() => this.refresh()));
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
}
