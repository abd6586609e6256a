/**
 * Agent Coordination for VS Code. activate() only wires things up; the
 * directory is read after it returns (setImmediate), so activation stays
 * fast on a directory of any size.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands/allActions';
import { ThreadPanels } from './panels/threadPanels';
import { CoordinationService } from './service/coordinationService';
import { ChatroomsView } from './views/chatroomsView';
import { CoordinationTree, Node } from './views/chatroomsTree';
import { HumanRegistration } from './service/humanRegistration';
import { NeedsYouModel } from './service/needsYouModel';
import { NeedsYouNotifier } from './views/needsYouNotifier';
import { NeedsYouStatusBar } from './views/needsYouStatusBar';
import { NeedsYouView } from './views/needsYouView';
import { ReportDocuments } from './views/reportDocuments';
import { StatusBar } from './views/statusBar';
import { ClaimsModel } from './service/claimsModel';
import { feedClaimConflicts } from './service/claimConflictFeed';
import { ClaimsView } from './views/claimsView';
import { ClaimWarnings } from './views/claimWarnings';
import { CodeRefHovers } from './views/codeRefHovers';

/** What activate() returns: used by the integration tests and by other extensions. */
export interface CoordinationApi {
  service: CoordinationService;
  tree: CoordinationTree;
  treeView: vscode.TreeView<Node>;
  panels: ThreadPanels;
  statusBar: StatusBar;
  /** Notifications for what needs you (mentions included). */
  notifier: NeedsYouNotifier;
  needsYou: { model: NeedsYouModel; view: NeedsYouView; statusBar: NeedsYouStatusBar; notifier: NeedsYouNotifier };
  /** File claims: the model, the Claims view (with the Explorer badges) and the edit warnings. */
  claims: { model: ClaimsModel; view: ClaimsView; warnings: ClaimWarnings };
  /** Resolves when the directory has been loaded (or found missing). */
  whenLoaded(): Promise<void>;
  /** Milliseconds activate() took. */
  activationMs: number;
}

export function activate(context: vscode.ExtensionContext): CoordinationApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Agent Coordination', { log: true });
  const service = new CoordinationService(context, log);
  // The status bar listens first: it is what a person watches for a new message.
  const statusBar = new StatusBar(service);
  const chatrooms = new ChatroomsView(service);
  const panels = new ThreadPanels(context.extensionUri, service);
  const documents = new ReportDocuments();
  const model = new NeedsYouModel(service);
  const notifier = new NeedsYouNotifier(model, context);
  const needsYou = { model, view: new NeedsYouView(model), statusBar: new NeedsYouStatusBar(model), notifier };
  const claimsModel = new ClaimsModel(service);
  const claims = { model: claimsModel, view: new ClaimsView(claimsModel), warnings: new ClaimWarnings(claimsModel) };
  context.subscriptions.push(
    log,
    service,
    statusBar,
    chatrooms,
    panels,
    documents,
    model,
    needsYou.view,
    needsYou.statusBar,
    notifier,
    claims.model,
    claims.view,
    claims.warnings,
    feedClaimConflicts(service, claimsModel, model),
    new CodeRefHovers(service),
    new HumanRegistration(service),
    registerCommands({ service, panels, documents, needsYou }),
  );

  // Heavy work after activate() returns.
  const handle = setImmediate(() => void service.load());
  context.subscriptions.push({ dispose: () => clearImmediate(handle) });

  const activationMs = performance.now() - started;
  // The wall-clock start rides along: the log's own timestamps come late when the host is busy right after.
  log.info(`activated in ${activationMs.toFixed(1)} ms (started at ${Math.round(performance.timeOrigin + started)})`);
  const { tree, treeView } = chatrooms;
  return {
    service,
    tree,
    treeView,
    panels,
    statusBar,
    notifier,
    claims,
    needsYou,
    whenLoaded: () => service.whenLoaded(),
    activationMs,
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
