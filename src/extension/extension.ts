/**
 * Agent Coordination for VS Code. activate() only wires things up; the
 * directory is read after it returns (setImmediate), so activation stays
 * fast on a directory of any size.
 */
import * as vscode from 'vscode';
import { CoordinationService } from './service';
import { CoordinationTree, Node, ROOM_SCHEME } from './tree';
import { ThreadPanels } from './threadPanel';
import { StatusBar, UnreadSummary } from './statusBar';
import { NeedsYou } from './attention/needsYou';
import type { NeedsYouNotifier } from './attention/needsYouNotifier';
import { registerCommands } from './commands';
import { DOC_SCHEME, DocumentProvider } from './documents';

/** What activate() returns: used by the integration tests and by other extensions. */
export interface CoordinationApi {
  service: CoordinationService;
  tree: {
    getChildren(node?: Node): Node[];
    getTreeItem(node: Node): vscode.TreeItem;
    onDidChangeTreeData: vscode.Event<Node | Node[] | undefined | void>;
  };
  treeView: vscode.TreeView<Node>;
  panels: ThreadPanels;
  statusBar: StatusBar;
  /** Notifications for what needs you (mentions included). */
  notifier: NeedsYouNotifier;
  needsYou: NeedsYou;
  /** Resolves when the directory has been loaded (or found missing). */
  whenLoaded(): Promise<void>;
  /** Milliseconds activate() took. */
  activationMs: number;
}

export function activate(context: vscode.ExtensionContext): CoordinationApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Agent Coordination', { log: true });
  const service = new CoordinationService(context, log);
  const tree = new CoordinationTree(service);
  const treeView = vscode.window.createTreeView('coordination.chatrooms', {
    treeDataProvider: tree,
    showCollapseAll: false,
  });
  // The status bar listens first: it is what a person watches for a new message.
  let badgeKey = '';
  const statusBar = new StatusBar(service, (s: UnreadSummary | null) => {
    const badge =
      s && s.total > 0
        ? { value: s.total, tooltip: `${s.total} unread${s.mentions ? `, ${s.mentions} mentions` : ''}` }
        : undefined;
    const key = badge ? `${badge.value}|${badge.tooltip}` : '';
    if (key === badgeKey) return;
    badgeKey = key;
    treeView.badge = badge;
  });
  const panels = new ThreadPanels(context.extensionUri, service);
  const documents = new DocumentProvider();
  const needsYou = new NeedsYou(context, service);
  const notifier = needsYou.notifier;
  context.subscriptions.push(
    log,
    service,
    tree,
    treeView,
    panels,
    documents,
    statusBar,
    needsYou,
    vscode.window.registerFileDecorationProvider(tree),
    vscode.workspace.registerTextDocumentContentProvider(DOC_SCHEME, documents),
    service.onDidChange(() => tree.refresh()),
  );
  registerCommands({ context, service, panels, statusBar, documents });

  // Heavy work after activate() returns.
  const handle = setImmediate(() => void service.load());
  context.subscriptions.push({ dispose: () => clearImmediate(handle) });

  const activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms (room decorations: ${ROOM_SCHEME})`);
  return {
    service,
    tree,
    treeView,
    panels,
    statusBar,
    notifier,
    needsYou,
    whenLoaded: () => service.whenLoaded(),
    activationMs,
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
