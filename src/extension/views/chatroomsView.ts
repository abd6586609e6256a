/**
 * The Chatrooms view: its tree, the closed rooms' decoration, the unread badge
 * (from the service's unread model) and the command a click on a row runs.
 */
import * as vscode from 'vscode';
import { Disposable } from '../common/dispose';
import { CoordinationService } from '../service/coordinationService';
import { AgentTerminals } from './agentTerminals';
import { CoordinationTree, Node, OPEN_ROW_COMMAND, rowTarget } from './chatroomsTree';

/** How long a click waits for VS Code to know a row again while its group refreshes. */
const ROW_WAIT_MS = 2000;

export class ChatroomsView extends Disposable {
  readonly tree: CoordinationTree;
  readonly treeView: vscode.TreeView<Node>;
  /** Agent terminals of ours: the tree shows their instances live. */
  readonly terminals: AgentTerminals;
  private badgeKey = '';

  constructor(private readonly service: CoordinationService) {
    super();
    this.terminals = this._register(new AgentTerminals(service));
    this.tree = this._register(new CoordinationTree(service, () => this.terminals.openIds));
    this._register(this.terminals.onDidChange(() => this.tree.refresh()));
    this.treeView = this._register(
      vscode.window.createTreeView('coordination.chatrooms', { treeDataProvider: this.tree, showCollapseAll: false }),
    );
    this._register(vscode.window.registerFileDecorationProvider(this.tree));
    this._register(vscode.commands.registerCommand(OPEN_ROW_COMMAND, () => this.openSelectedRow()));
    this._register(
      service.onDidChange(() => {
        this.updateBadge();
        this.treeView.message = service.indexing
          ? 'Indexing the coordination directory (a first open of a large one takes a few seconds)…'
          : undefined;
        this.tree.refresh();
      }),
    );
  }

  private updateBadge(): void {
    let s;
    try {
      s = this.service.unread.summary();
    } catch {
      return; // The status bar logs it.
    }
    const badge =
      s && s.total > 0
        ? { value: s.total, tooltip: `${s.total} unread${s.mentions ? `, ${s.mentions} mentions` : ''}` }
        : undefined;
    const key = badge ? `${badge.value}|${badge.tooltip}` : '';
    if (key === this.badgeKey) return;
    this.badgeKey = key;
    this.treeView.badge = badge;
  }

  /**
   * The click selected the row before the command ran; the selection is read
   * now, so it names the row as it is now. While the row's group is being
   * refreshed VS Code knows the row only by its id, for a few milliseconds:
   * the click waits for it.
   */
  private async openSelectedRow(): Promise<void> {
    let node = this.treeView.selection[0];
    for (let waited = 0; !node && waited < ROW_WAIT_MS; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      node = this.treeView.selection[0];
    }
    const target = node && rowTarget(node);
    if (!target) return;
    // The command shows its own errors (and rejects, as it was given arguments).
    await vscode.commands.executeCommand('coordination.openChatroom', { target }).then(undefined, () => undefined);
  }
}
