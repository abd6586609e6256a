/**
 * The Claims view in the Coordination container: one group per holder (you
 * first), each claim with its kind and time left, conflicts marked; release
 * (your own claims) and open-file actions. Owns its tree view and commands.
 */
import * as vscode from 'vscode';
import { Claim, formatTimeLeft } from '../../core';
import { Disposable } from '../common/dispose';
import { ClaimsModel } from '../service/claimsModel';
import { CLAIM_COLORS, ClaimDecorations, describeClaim } from './claimDecorations';

export type ClaimNode = { kind: 'holder'; instance: string; count: number } | { kind: 'claim'; claim: Claim };

export class ClaimsView extends Disposable implements vscode.TreeDataProvider<ClaimNode> {
  private readonly changeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  readonly treeView: vscode.TreeView<ClaimNode>;
  /** The Explorer badges of the same claims. */
  readonly decorations: ClaimDecorations;

  constructor(private readonly model: ClaimsModel) {
    super();
    this.treeView = this._register(vscode.window.createTreeView('coordination.claims', { treeDataProvider: this }));
    this.decorations = this._register(new ClaimDecorations(model));
    this._register(model.onDidChange(() => this.refresh()));
    this._register(
      vscode.commands.registerCommand('coordination.openClaimedFile', (node?: ClaimNode | { pattern: string }) =>
        this.openFile(node),
      ),
    );
    // Time left counts down while the view is open.
    const tick = setInterval(() => this.treeView.visible && this.refresh(), 30_000);
    this._register({ dispose: () => clearInterval(tick) });
  }

  refresh(): void {
    const count = this.model.claims().length;
    this.treeView.description = count ? `${count} in force` : undefined;
    this.changeEmitter.fire();
  }

  getChildren(node?: ClaimNode): ClaimNode[] {
    const claims = this.model.claims();
    if (!node) {
      const me = this.model.identity;
      const holders = [...new Set(claims.map((c) => c.instance))].sort((a, b) =>
        a === me ? -1 : b === me ? 1 : a.localeCompare(b),
      );
      return holders.map((instance) => ({
        kind: 'holder',
        instance,
        count: claims.filter((c) => c.instance === instance).length,
      }));
    }
    if (node.kind === 'holder')
      return claims.filter((c) => c.instance === node.instance).map((claim) => ({ kind: 'claim', claim }));
    return [];
  }

  getTreeItem(node: ClaimNode): vscode.TreeItem {
    const me = this.model.identity;
    if (node.kind === 'holder') {
      const item = new vscode.TreeItem(
        node.instance === me ? `${node.instance} (you)` : node.instance,
        vscode.TreeItemCollapsibleState.Expanded,
      );
      item.id = `holder:${node.instance}`;
      item.description = `${node.count} claim${node.count === 1 ? '' : 's'}`;
      item.iconPath = new vscode.ThemeIcon('account');
      item.contextValue = node.instance === me ? 'claimHolder.mine' : 'claimHolder';
      return item;
    }
    const c = node.claim;
    const now = this.model.claimBook?.clock() ?? new Date();
    const conflicted = this.model.isConflicted(c);
    const item = new vscode.TreeItem(c.pattern, vscode.TreeItemCollapsibleState.None);
    item.id = `claim:${c.id}`;
    item.description =
      `${c.exclusive ? 'exclusive' : 'shared'} · ${formatTimeLeft(c.expires, now)} left` +
      `${conflicted ? ' · conflict' : ''}`;
    item.tooltip = describeClaim(c, me, now, conflicted);
    const standing = conflicted ? 'conflict' : c.instance === me ? 'mine' : 'others';
    item.iconPath = new vscode.ThemeIcon(
      c.exclusive ? 'lock' : 'unlock',
      new vscode.ThemeColor(CLAIM_COLORS[standing]),
    );
    item.contextValue = c.instance === me ? 'claim.mine' : 'claim';
    item.command = { command: 'coordination.openClaimedFile', title: 'Open File', arguments: [node] };
    return item;
  }

  /** Opens the claimed file (a Claims row, or `{ pattern }`); for a folder or glob, offers the matching files. */
  private async openFile(node?: ClaimNode | { pattern: string }): Promise<void> {
    const pattern = node && 'pattern' in node ? node.pattern : node?.kind === 'claim' ? node.claim.pattern : null;
    if (pattern === null || !this.model.root) return;
    const root = vscode.Uri.file(this.model.root);
    const direct = vscode.Uri.joinPath(root, pattern);
    try {
      if ((await vscode.workspace.fs.stat(direct)).type === vscode.FileType.File) {
        await vscode.window.showTextDocument(direct, { preview: true });
        return;
      }
    } catch {
      /* a glob, or not there yet */
    }
    const found = await vscode.workspace.findFiles(new vscode.RelativePattern(root, pattern), null, 200);
    const foldered = await vscode.workspace.findFiles(new vscode.RelativePattern(root, `${pattern}/**`), null, 200);
    const files = [...new Map([...found, ...foldered].map((u) => [u.toString(), u])).values()];
    if (files.length === 0) {
      void vscode.window.showInformationMessage(`Agent Coordination: no files match ${pattern} yet.`);
      return;
    }
    const pick =
      files.length === 1
        ? { uri: files[0] }
        : await vscode.window.showQuickPick(
            files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
            { title: `Files claimed by ${pattern}` },
          );
    if (pick) await vscode.window.showTextDocument(pick.uri, { preview: true });
  }
}
