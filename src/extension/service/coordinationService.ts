/**
 * One coordination directory as the extension sees it: finds the directory in
 * the workspace, resolves the identity, opens the core library, watches the
 * directory and tells the views when anything changed.
 */
import * as vscode from 'vscode';
import {
  type ClaimBook,
  type CoordinationBackend,
  type ServerOptions,
  describeServer,
  openBackend,
  openCoordination,
  isValidInstanceId,
  isBookkeepingPath,
  serverOptionsFrom,
  summaryReadyToFollow,
} from '../../core';
import { Disposable } from '../common/dispose';
import { UserError, errorMessage } from '../common/reportError';
import { SummaryRebuilder } from './summaryRebuilder';
import { UnreadModel } from './unreadModel';
import { directorySetting, findDirectory, serverSetting } from './workspaceDirectory';

export const IDENTITY_STATE_KEY = 'coordination.instanceId';
/** Quiet time after the last watcher event before re-reading. */
export const REFRESH_DEBOUNCE_MS = 40;
/** A stream of events never postpones a re-read longer than this after the first one. */
export const REFRESH_MAX_WAIT_MS = 100;

export type ServiceState = 'idle' | 'loading' | 'ready' | 'no-directory' | 'error';

export class CoordinationService extends Disposable {
  private coord: CoordinationBackend | null = null;
  /** Stops the server backend's change events (a directory is watched through VS Code instead). */
  private stopBackendEvents: (() => void) | null = null;
  private watcher: vscode.Disposable | null = null;
  /** Rebuilds the followed directory's summary in a child process when the core asks. */
  rebuilder: SummaryRebuilder | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private readonly changeEmitter = this._register(new vscode.EventEmitter<void>());
  private loadPromise: Promise<void> | null = null;
  private askedForIdentity = false;
  private lastVersion = -1;
  private firstEventAt = 0;
  /** Watcher events seen, those ignored as our bookkeeping, and re-reads that found a change (diagnostics, tests). */
  readonly watchStats = { events: 0, ignored: 0, refreshes: 0, changes: 0 };

  /** Fires after the directory (or the identity) changed and was re-read. */
  readonly onDidChange = this.changeEmitter.event;
  /** When the change being announced began to be (Date.now()): a listener sees how long those before it took. */
  changeStartedAt = 0;
  state: ServiceState = 'idle';
  /** The directory in use, or null. */
  dir: string | null = null;
  /** The workspace folder that holds it. */
  folder: vscode.WorkspaceFolder | null = null;
  identity: string | null = null;
  lastError: string | null = null;
  /** True while a child process builds the directory's first summary (the views say so). */
  indexing = false;
  /** The identity's unread counts and mentions, computed once per change of the directory. */
  readonly unread = new UnreadModel(() =>
    this.coord && this.identity ? { coord: this.coord, identity: this.identity } : null,
  );

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (
          e.affectsConfiguration('coordination.directory') ||
          e.affectsConfiguration('coordination.instanceId') ||
          e.affectsConfiguration('coordination.humanId') ||
          e.affectsConfiguration('coordination.server')
        ) {
          this.log.info('settings changed; reloading');
          void this.load();
        }
      }),
    );
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.load()));
    this._register(
      vscode.window.onDidChangeWindowState((s) => {
        if (s.focused) this.scheduleRefresh();
      }),
    );
    this._register({ dispose: () => this.stopWatching() });
    this._register({ dispose: () => this.closeBackend() });
  }

  /** The loaded library; throws a one-line error when there is no directory. */
  get coordination(): CoordinationBackend {
    if (!this.coord) {
      throw new UserError(
        this.state === 'no-directory'
          ? `no coordination directory in this workspace (looked for '${directorySetting()}'); ` +
              'run "Coordination: Initialize Directory"'
          : 'the coordination directory is not loaded yet',
      );
    }
    return this.coord;
  }

  /** The claims on the loaded backend; on a server, paths are relative to the first workspace folder's repository. */
  claimBook(): ClaimBook {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return this.coordination.claimBook({ env: process.env, ...(folder ? { cwd: folder } : {}) });
  }

  get loaded(): boolean {
    return this.coord !== null;
  }

  /** The identity, or a one-line error that says how to set it. */
  requireIdentity(): string {
    if (!this.identity)
      throw new UserError('no identity: run "Coordination: Set Identity" or set coordination.instanceId');
    return this.identity;
  }

  /** Resolves when the first load (or the reload in progress) finished. */
  whenLoaded(): Promise<void> {
    return this.loadPromise ?? this.load();
  }

  /** Finds the directory and identity and (re)opens the library. Cheap to call again. */
  load(): Promise<void> {
    const run = this.doLoad().catch((error) => {
      this.state = 'error';
      this.lastError = errorMessage(error);
      this.log.error(`loading failed: ${this.lastError}`);
      this.fireChange();
    });
    this.loadPromise = run;
    return run;
  }

  private async doLoad(): Promise<void> {
    const started = Date.now();
    this.state = 'loading';
    this.stopWatching();
    this.closeBackend();
    // Setting coordination.server: the conversation is on a NATS server (credentials from the environment).
    const server = serverOptionsFrom({ server: serverSetting() || undefined }, { ...process.env, COORD_SERVER: '' });
    if (server) {
      await this.loadServer(server, started);
      return;
    }
    const found = findDirectory();
    if (!found) {
      this.coord = null;
      this.dir = null;
      this.folder = null;
      this.state = 'no-directory';
      await setContext('coordination.hasDirectory', false);
      await setContext('coordination.noDirectory', true);
      const folders = vscode.workspace.workspaceFolders ?? [];
      this.log.info(
        folders.length > 1
          ? `none of the ${folders.length} workspace folders has a coordination directory ('${directorySetting()}')`
          : `no coordination directory ('${directorySetting()}') in the workspace`,
      );
      if (folders.length > 1) {
        void vscode.window
          .showInformationMessage(
            `Agent Coordination: none of the ${folders.length} workspace folders ` +
              `has a '${directorySetting()}' directory.`,
            'Initialize Directory',
          )
          .then((pick) => pick && vscode.commands.executeCommand('coordination.initializeDirectory'));
      }
      this.fireChange();
      return;
    }
    this.dir = found.dir;
    this.folder = found.folder;
    this.identity = await this.resolveIdentity();
    // Followed from the directory's summary: the whole directory is loaded only for what the summary cannot answer.
    const rebuilder = new SummaryRebuilder(found.dir, this.log, () => this.scheduleRefresh());
    this.rebuilder = rebuilder;
    if (!summaryReadyToFollow(found.dir)) {
      // Built by a child process, not in the host: at a million messages that takes seconds and hundreds of MB.
      // If it fails (a directory we cannot write to), the core answers without it as before.
      await this.buildSummaryFirst(rebuilder);
      if (this.rebuilder !== rebuilder) return; // another load began meanwhile
    }
    const coord = openCoordination({
      dir: found.dir,
      instance: this.identity ?? undefined,
      env: {},
      follow: true,
      rebuildSummary: () => rebuilder.request(),
      onStoreLoad: (ms) =>
        this.log.info(
          `loaded the whole directory (${coord.lineCount} log lines) in ${ms} ms, for ${callers(new Error().stack)}`,
        ),
    });
    this.coord = coord;
    coord.refresh();
    this.lastVersion = this.coord.version;
    this.state = 'ready';
    this.lastError = null;
    this.watch(found.dir);
    await setContext('coordination.hasDirectory', true);
    await setContext('coordination.noDirectory', false);
    const folders = vscode.workspace.workspaceFolders ?? [];
    this.log.info(
      `loaded ${found.dir}${folders.length > 1 ? ` (workspace folder '${found.folder?.name}')` : ''} ` +
        `as ${this.identity ?? '(no identity)'} in ${Date.now() - started} ms`,
    );
    this.fireChange();
    // The listeners (status bar first, then the tree) have shown the first counts.
    this.log.info(
      `first counts shown ${Date.now() - started} ms after the load began, ` +
        `${coord.storeLoaded ? 'from the loaded directory' : 'from the summary (the directory is not loaded)'}`,
    );
  }

  /** The directory's first summary, built in a child process while the window shows that it is indexing. */
  private async buildSummaryFirst(rebuilder: SummaryRebuilder): Promise<boolean> {
    this.log.info('no summary of this directory yet: building it in a child process');
    this.indexing = true;
    this.fireChange();
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Agent Coordination: indexing the coordination directory' },
        () => rebuilder.build(),
      );
    } finally {
      this.indexing = false;
    }
  }

  /** The conversation on a NATS server: its replica pushes changes, so no file watcher. */
  private async loadServer(server: ServerOptions, started: number): Promise<void> {
    this.identity = await this.resolveIdentity();
    const coord = await openBackend({ instance: this.identity ?? undefined, server });
    this.coord = coord;
    this.dir = describeServer(server.url);
    this.folder = null;
    this.lastVersion = coord.version;
    this.stopBackendEvents = coord.onChange(() => this.scheduleRefresh());
    this.state = 'ready';
    this.lastError = null;
    await setContext('coordination.hasDirectory', true);
    await setContext('coordination.noDirectory', false);
    this.log.info(`loaded ${this.dir} as ${this.identity ?? '(no identity)'} in ${Date.now() - started} ms`);
    this.fireChange();
  }

  private closeBackend(): void {
    this.stopBackendEvents?.();
    this.stopBackendEvents = null;
    const previous = this.coord;
    this.coord = null;
    if (previous) void previous.close().catch(() => undefined);
  }

  private async resolveIdentity(): Promise<string | null> {
    const human = vscode.workspace.getConfiguration('coordination').get<string>('humanId', '').trim();
    const configured = vscode.workspace.getConfiguration('coordination').get<string>('instanceId', '').trim();
    const remembered = this.context.workspaceState.get<string>(IDENTITY_STATE_KEY);
    const env = process.env.CLAUDE_INSTANCE_ID?.trim();
    for (const [source, value] of [
      // The human watching the agents acts as the human identity when one is configured.
      ['setting coordination.humanId', human],
      ['setting coordination.instanceId', configured],
      ['$CLAUDE_INSTANCE_ID', env],
      ['workspace', remembered],
    ] as const) {
      if (!value) continue;
      if (isValidInstanceId(value)) return value;
      this.log.warn(`ignoring invalid instance id ${JSON.stringify(value)} from ${source}`);
    }
    if (!this.askedForIdentity) {
      this.askedForIdentity = true;
      // Asked once per session, without blocking the load.
      setImmediate(() => void vscode.commands.executeCommand('coordination.setIdentity'));
    }
    return null;
  }

  /** Sets and remembers the identity for this workspace, then reloads. */
  async setIdentity(id: string): Promise<void> {
    if (!isValidInstanceId(id))
      throw new UserError(
        `invalid instance id ${JSON.stringify(id)}: use 1-64 letters, digits, '-', '_' or '.', e.g. instance-1`,
      );
    await this.context.workspaceState.update(IDENTITY_STATE_KEY, id);
    const config = vscode.workspace.getConfiguration('coordination');
    const inspected = config.inspect<string>('instanceId');
    // An explicit setting wins over the remembered value, so change it where it is set.
    if (inspected?.workspaceFolderValue || inspected?.workspaceValue) {
      await config.update('instanceId', id, vscode.ConfigurationTarget.Workspace);
    } else if (inspected?.globalValue) {
      await config.update('instanceId', id, vscode.ConfigurationTarget.Global);
    }
    this.log.info(`identity set to ${id}`);
    await this.load();
  }

  private watch(dir: string): void {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '**/*'));
    const onEvent = (uri: vscode.Uri) => {
      this.watchStats.events++;
      if (isBookkeepingPath(uri.fsPath)) {
        this.watchStats.ignored++;
        return;
      }
      this.scheduleRefresh();
    };
    this.watcher = vscode.Disposable.from(
      watcher,
      watcher.onDidChange(onEvent),
      watcher.onDidCreate(onEvent),
      watcher.onDidDelete(onEvent),
    );
  }

  /** Stops the watcher and any pending re-read. */
  private stopWatching(): void {
    this.watcher?.dispose();
    this.watcher = null;
    this.rebuilder?.dispose();
    this.rebuilder = null;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  /**
   * Debounced with a maximum wait: re-reads REFRESH_DEBOUNCE_MS after the last
   * event, but never later than REFRESH_MAX_WAIT_MS after the first one of a
   * burst, so a steady stream of events cannot hold an update back.
   */
  scheduleRefresh(): void {
    if (!this.coord) return;
    const now = Date.now();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    else this.firstEventAt = now;
    const delay = Math.max(0, Math.min(REFRESH_DEBOUNCE_MS, this.firstEventAt + REFRESH_MAX_WAIT_MS - now));
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      this.refreshNow();
    }, delay);
  }

  /** Re-reads now (after our own writes); fires onDidChange when the state changed. */
  refreshNow(): boolean {
    if (!this.coord) return false;
    if (this.refreshTimer) {
      // This re-read covers what a pending one would have.
      clearTimeout(this.refreshTimer);
      this.refreshTimer = null;
    }
    this.watchStats.refreshes++;
    try {
      this.coord.refresh();
    } catch (error) {
      this.log.warn(`refresh failed: ${errorMessage(error)}`);
      return false;
    }
    if (this.coord.version === this.lastVersion) return false;
    this.lastVersion = this.coord.version;
    this.watchStats.changes++;
    this.fireChange();
    return true;
  }

  private fireChange(): void {
    this.changeStartedAt = Date.now();
    this.changeEmitter.fire();
  }

  /** Runs a write, then refreshes at once so every view shows it. */
  async write<T>(what: string, fn: (c: CoordinationBackend) => Promise<T>): Promise<T> {
    const c = this.coordination;
    this.requireIdentity();
    const result = await fn(c);
    this.log.info(what);
    this.refreshNow();
    return result;
  }
}

/** The frames of a stack above the core's loading code: what needed the whole directory. */
function callers(stack: string | undefined): string {
  const frames = (stack ?? '').split('\n').slice(1);
  return (
    frames
      .slice(3, 7)
      .map((f) => f.trim().replace(/^at /, ''))
      .join(' < ') || 'an unknown caller'
  );
}

function setContext(key: string, value: unknown): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', key, value);
}
