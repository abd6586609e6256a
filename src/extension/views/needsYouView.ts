/**
 * The "Needs You" view, first in the Coordination container above the
 * chatrooms: one row per queue entry, with its one-click actions inline
 * (reply, acknowledge, open). Where a kind has more entries than are listed,
 * a row at the head of that kind says how many older ones wait. It owns its
 * tree view and rebuilds only when the queue changed.
 */
import * as vscode from 'vscode';
import { QUEUE_ORDER } from '../../core';
import type { QueueEntry, QueueReason } from '../../core';
import { Disposable } from '../common/dispose';
import { NeedsYouModel } from '../service/needsYouModel';
import { queueTreeItem, unlistedTreeItem, UnlistedRow } from './needsYouRows';

export const NEEDS_YOU_VIEW = 'coordination.needsYou';

export type NeedsYouRow = QueueEntry | UnlistedRow;

export class NeedsYouView extends Disposable implements vscode.TreeDataProvider<NeedsYouRow> {
  readonly view: vscode.TreeView<NeedsYouRow>;
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
    const n = this.model.total;
    this.view.description = n > 0 ? String(n) : undefined;
    this.view.message = n > 0 ? undefined : 'Nothing needs you.';
    this.emitter.fire();
  }

  getChildren(row?: NeedsYouRow): NeedsYouRow[] {
    if (row) return [];
    const byKind = new Map<QueueReason, QueueEntry[]>(QUEUE_ORDER.map((k) => [k, []]));
    for (const e of this.model.entries) byKind.get(e.kind)!.push(e);
    return QUEUE_ORDER.flatMap((kind) => {
      const listed = byKind.get(kind)!;
      const older = this.model.totals[kind] - listed.length;
      return older > 0 ? [{ kind, older, listed: listed.length }, ...listed] : listed;
    });
  }

  getTreeItem(row: NeedsYouRow): vscode.TreeItem {
    return 'older' in row ? unlistedTreeItem(row) : queueTreeItem(row);
  }

  /** Shows the view (and focuses it). */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${NEEDS_YOU_VIEW}.focus`);
  }
}
