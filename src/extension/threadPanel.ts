/** The thread panel: one webview per room or DM conversation, reused when reopened. */
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import { Message } from '../core';
import type { SendOptions } from '../core';
import { CompletionNames, HostToWebview, PAGE_SIZE, PanelInfo, ViewMessage, WebviewToHost } from '../shared/protocol';
import { conversationMessages, conversationOf, messageKey, referableRefs, toViewMessages, unreadIn } from './model';
import { CoordinationService, errorMessage, isUserError } from './service';

export class ThreadPanels implements vscode.Disposable {
  private readonly panels = new Map<string, ThreadPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly service: CoordinationService,
  ) {
    this.disposables.push(
      service.onDidChange(() => {
        for (const p of this.panels.values()) p.update();
      }),
    );
  }

  /** Opens (or reveals) the panel of "#room" / "@peer", optionally scrolled to a message key. */
  open(target: string, reveal?: string): ThreadPanel {
    const key = normaliseTarget(target);
    let panel = this.panels.get(key.toLowerCase());
    if (panel) {
      panel.reveal();
    } else {
      panel = new ThreadPanel(this.extensionUri, this.service, key, () => this.panels.delete(key.toLowerCase()));
      this.panels.set(key.toLowerCase(), panel);
    }
    if (reveal) panel.revealMessage(reveal);
    return panel;
  }

  get(target: string): ThreadPanel | undefined {
    return this.panels.get(normaliseTarget(target).toLowerCase());
  }

  all(): ThreadPanel[] {
    return [...this.panels.values()];
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

export function normaliseTarget(target: string): string {
  const t = target.trim();
  return t.startsWith('#') || t.startsWith('@') ? t : `#${t}`;
}

export class ThreadPanel implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  /** Index (in the conversation) of the oldest message the webview has. */
  private firstLoaded = -1;
  private ready = false;
  private pending: HostToWebview[] = [];
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];
  /** What the host posted and received, newest last (for tests and diagnostics). */
  readonly posted: HostToWebview[] = [];
  readonly received: WebviewToHost[] = [];
  private readonly receivedEmitter = new vscode.EventEmitter<WebviewToHost>();
  readonly onDidReceive = this.receivedEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly service: CoordinationService,
    readonly target: string,
    private readonly onDispose: () => void,
  ) {
    this.panel = vscode.window.createWebviewPanel('coordination.thread', target, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', target.startsWith('#') ? 'room.svg' : 'dm.svg');
    this.panel.webview.html = this.html();
    this.disposables.push(
      this.receivedEmitter,
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((m: WebviewToHost) => void this.handle(m)),
    );
    // The first page is computed now so it is ready when the script starts.
    this.post({ type: 'init', info: this.info(), names: this.names() });
    this.postDigest();
    this.sendMessages('init');
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** "Since you last looked": a room's unread messages summed up, before the panel marks them read. */
  private postDigest(): void {
    if (!this.target.startsWith('#') || !this.service.loaded || !this.service.identity) return;
    try {
      const digest = this.service.coordination.roomDigest(this.target.slice(1));
      if (digest.count > 0) this.post({ type: 'digest', summary: digest.summary });
    } catch (error) {
      this.service.log.warn(`digest for ${this.target}: ${errorMessage(error)}`);
    }
  }

  /** Loads enough history to include `key` and asks the webview to scroll to it. */
  revealMessage(key: string): void {
    const all = this.all();
    const index = all.findIndex((m) => messageKey(m) === key);
    if (index < 0) return;
    if (index < this.firstLoaded) this.firstLoaded = Math.max(0, index - 20);
    this.sendMessages('reveal', all);
    this.post({ type: 'reveal', key });
  }

  /** Re-sends the loaded messages after the directory changed. */
  update(): void {
    if (this.disposed) return;
    if (!this.service.loaded) return;
    this.post({ type: 'info', info: this.info(), names: this.names() });
    this.sendMessages('update');
  }

  /** Handles one message from the webview (public so tests can act as the webview). */
  async handle(m: WebviewToHost): Promise<void> {
    this.received.push(m);
    if (this.received.length > 500) this.received.splice(0, this.received.length - 500);
    this.receivedEmitter.fire(m);
    try {
      switch (m.type) {
        case 'ready':
          this.ready = true;
          for (const p of this.pending.splice(0)) void this.panel.webview.postMessage(p);
          break;
        case 'send':
          await this.send(m.text, m.replyTo, { importance: m.importance, ack: m.ack === true });
          break;
        case 'ack':
          if (typeof m.ref === 'number' || typeof m.ref === 'string')
            await this.service.write(`acknowledged ${m.ref} in ${this.target}`, (c) => c.ack([m.ref]));
          break;
        case 'loadEarlier':
          this.firstLoaded = Math.max(0, this.firstLoaded - PAGE_SIZE);
          this.sendMessages('earlier');
          break;
        case 'markRead': {
          if (!this.service.identity || m.refs.length === 0) break;
          const c = this.service.coordination;
          const refs = referableRefs(
            c,
            m.refs.filter((r) => typeof r === 'number' || typeof r === 'string').slice(0, 1000),
          );
          if (refs.length)
            await this.service.write(`marked ${refs.length} read in ${this.target}`, () => c.markRead(refs));
          break;
        }
        case 'filter':
          this.filter(m.query);
          break;
        case 'reveal':
          this.revealMessage(m.key);
          break;
        case 'openTarget':
          await vscode.commands.executeCommand('coordination.openChatroom', { target: m.target });
          break;
        case 'reopen':
          // As if picked from the tree: the command asks for the reason and shows its own errors.
          if (this.target.startsWith('#'))
            await vscode.commands.executeCommand('coordination.reopenChatroom', {
              name: this.target.slice(1),
              fromTree: true,
            });
          break;
        case 'rendered':
          break;
      }
    } catch (error) {
      this.report(error);
    }
  }

  private async send(text: string, replyTo: number | string | null, options: SendOptions): Promise<void> {
    try {
      const sent = await this.service.write(
        `sent to ${this.target}${replyTo !== null ? ` (reply to ${replyTo})` : ''}`,
        (c) => {
          if (replyTo !== null) return c.reply(replyTo, text, options);
          return this.target.startsWith('@')
            ? c.sendDm(this.target.slice(1), text, options)
            : c.send(this.target, text, options);
        },
      );
      this.post({ type: 'sendResult', ok: true, key: messageKey(sent) });
    } catch (error) {
      this.post({ type: 'sendResult', ok: false, error: errorMessage(error) });
      this.report(error);
    }
  }

  private filter(query: string): void {
    const q = query.trim();
    if (!q) {
      this.post({ type: 'filterResult', query, messages: [] });
      return;
    }
    const c = this.service.coordination;
    const me = this.service.identity;
    try {
      let found: Message[];
      if (this.target.startsWith('#')) found = c.search(q, { room: this.target.slice(1), limit: 500 });
      else
        found = c
          .search(q)
          .filter((m) => !m.target.startsWith('#') && conversationOf(m, me) === this.target)
          .slice(-500);
      this.post({ type: 'filterResult', query, messages: this.view(found) });
    } catch (error) {
      this.post({ type: 'filterResult', query, messages: [], error: errorMessage(error) });
    }
  }

  private all(): Message[] {
    try {
      return conversationMessages(this.service.coordination, this.service.identity, this.target);
    } catch (error) {
      this.service.log.warn(`${this.target}: ${errorMessage(error)}`);
      return [];
    }
  }

  private sendMessages(reason: 'init' | 'update' | 'earlier' | 'reveal', all = this.all()): void {
    if (this.firstLoaded < 0) this.firstLoaded = Math.max(0, all.length - PAGE_SIZE);
    if (this.firstLoaded > all.length) this.firstLoaded = Math.max(0, all.length - PAGE_SIZE);
    const slice = all.slice(this.firstLoaded);
    this.post({
      type: 'messages',
      messages: this.view(slice),
      hasEarlier: this.firstLoaded > 0,
      total: all.length,
      reason,
    });
  }

  private view(list: Message[]): ViewMessage[] {
    const me = this.service.identity;
    const c = this.service.coordination;
    const unread = new Set(unreadIn(c, me, this.target).map(messageKey));
    return toViewMessages(c, me, list, unread);
  }

  private info(): PanelInfo {
    const base: PanelInfo = {
      target: this.target,
      title: this.target,
      me: this.service.identity,
      kind: this.target.startsWith('#') ? 'room' : 'dm',
      closed: false,
      closedReason: '',
      description: '',
    };
    if (base.kind === 'room') {
      try {
        const room = this.service.coordination.getChatroom(this.target.slice(1));
        base.title = `#${room.name}`;
        base.closed = room.status === 'closed';
        base.closedReason = room.reason;
        base.description = room.description;
      } catch (error) {
        base.description = errorMessage(error);
      }
    } else {
      base.description = `Direct messages between ${this.service.identity ?? 'you'} and ${this.target.slice(1)}`;
    }
    this.panel.title = base.title;
    return base;
  }

  private names(): CompletionNames {
    if (!this.service.loaded) return { instances: [], rooms: [] };
    const c = this.service.coordination;
    return {
      instances: [...new Set([...c.knownInstances(), ...Object.keys(c.statuses())])].sort(),
      rooms: c
        .listChatrooms()
        .filter((r) => r.status === 'open')
        .map((r) => r.name),
    };
  }

  /** Posts now, or queues until the webview script says it is ready. */
  post(message: HostToWebview): void {
    if (this.disposed) return;
    this.posted.push(message);
    if (this.posted.length > 200) this.posted.splice(0, this.posted.length - 200);
    if (!this.ready) {
      // Only the newest 'messages'/'info' matter before the script runs.
      if (message.type === 'messages' || message.type === 'info')
        this.pending = this.pending.filter((p) => p.type !== message.type);
      this.pending.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  private report(error: unknown): void {
    const text = errorMessage(error);
    if (isUserError(error)) void vscode.window.showErrorMessage(text);
    else {
      this.service.log.error(`${this.target}: ${error instanceof Error ? (error.stack ?? text) : text}`);
      void vscode.window.showErrorMessage(`Agent Coordination: ${text}`);
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = crypto.randomBytes(16).toString('hex');
    const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...p)).toString();
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('dist', 'codicons', 'codicon.css')}">
<link rel="stylesheet" href="${asset('media', 'thread.css')}">
<title>${escapeHtml(this.target)}</title>
</head>
<body>
<div id="app" data-target="${escapeHtml(this.target)}"></div>
<script nonce="${nonce}" src="${asset('dist', 'webview.js')}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
