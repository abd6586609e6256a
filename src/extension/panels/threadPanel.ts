/** The thread panel: the webview of one room or DM conversation, and what it asks the host. */
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import { Message } from '../../core';
import type { SendOptions } from '../../core';
import {
  CompletionNames,
  HostToWebview,
  PAGE_SIZE,
  PanelInfo,
  ViewMessage,
  WebviewToHost,
} from '../../shared/protocol';
import { Disposable } from '../common/dispose';
import { conversationSlice, referableRefs, toViewMessages, unreadIn } from '../common/conversationQueries';
import { conversationOf, messageKey } from '../common/messageFormat';
import { errorMessage, reportError } from '../common/reportError';
import { CoordinationService } from '../service/coordinationService';
import { attachCodeRefs, openCodeRef } from './codeRefLinks';

export function normaliseTarget(target: string): string {
  const t = target.trim();
  return t.startsWith('#') || t.startsWith('@') ? t : `#${t}`;
}

export class ThreadPanel extends Disposable {
  readonly panel: vscode.WebviewPanel;
  /** Index (in the conversation) of the oldest message the webview has. */
  private firstLoaded = -1;
  private ready = false;
  private pending: HostToWebview[] = [];
  /** What the host posted and received, newest last (for tests and diagnostics). */
  readonly posted: HostToWebview[] = [];
  readonly received: WebviewToHost[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly service: CoordinationService,
    readonly target: string,
    private readonly onDispose: () => void,
  ) {
    super();
    this.panel = vscode.window.createWebviewPanel('coordination.thread', target, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', target.startsWith('#') ? 'room.svg' : 'dm.svg');
    this.panel.webview.html = this.html();
    this._register(this.panel.onDidDispose(() => this.dispose()));
    this._register(this.panel.webview.onDidReceiveMessage((m: WebviewToHost) => void this.handle(m)));
    // The page cannot tell a background tab from a visible one (its document stays 'visible'): the host can.
    this._register(
      this.panel.onDidChangeViewState(() => this.post({ type: 'visibility', visible: this.panel.visible })),
    );
    // The first page is computed now so it is ready when the script starts.
    this.post({ type: 'init', info: this.info(), names: this.names() });
    this.postDigest();
    this.sendMessages('init');
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

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** Loads enough history to include `key` and asks the webview to scroll to it. */
  revealMessage(key: string): void {
    const shown = this.slice(this.firstLoaded < 0 ? -PAGE_SIZE : this.firstLoaded);
    if (!shown.messages.some((m) => messageKey(m) === key)) {
      // An older message: its place in the whole conversation, read for this request only.
      const index = this.slice(0).messages.findIndex((m) => messageKey(m) === key);
      if (index < 0) return;
      this.firstLoaded = Math.max(0, index - 20);
    }
    this.sendMessages('reveal');
    this.post({ type: 'reveal', key });
  }

  /** Re-sends the loaded messages after the directory changed. */
  update(): void {
    if (this.isDisposed) return;
    if (!this.service.loaded) return;
    this.post({ type: 'info', info: this.info(), names: this.names() });
    this.sendMessages('update');
  }

  /** Handles one message from the webview (public so tests can act as the webview). */
  async handle(m: WebviewToHost): Promise<void> {
    this.received.push(m);
    if (this.received.length > 500) this.received.splice(0, this.received.length - 500);
    try {
      switch (m.type) {
        case 'ready':
          this.ready = true;
          for (const p of this.pending.splice(0)) void this.panel.webview.postMessage(p);
          break;
        case 'send':
          await this.send(m.text, m.replyTo, { importance: m.importance, ack: m.ack === true }, m.requestId);
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
          this.filter(m.query, m.requestId);
          break;
        case 'reveal':
          this.revealMessage(m.key);
          break;
        case 'openTarget':
          await vscode.commands.executeCommand('coordination.openChatroom', { target: m.target });
          break;
        case 'openCodeRef':
          if (!(await openCodeRef(m.path, m.line, m.endLine)))
            void vscode.window.showWarningMessage(`Agent Coordination: ${m.path} is not a file in this workspace.`);
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
      reportError(this.service.log, this.target, error);
    }
  }

  private async send(
    text: string,
    replyTo: number | string | null,
    options: SendOptions,
    requestId?: number,
  ): Promise<void> {
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
      this.post({ type: 'sendResult', requestId, ok: true, key: messageKey(sent) });
    } catch (error) {
      this.post({ type: 'sendResult', requestId, ok: false, error: reportError(this.service.log, this.target, error) });
    }
  }

  private filter(query: string, requestId?: number): void {
    const q = query.trim();
    if (!q) {
      this.post({ type: 'filterResult', requestId, query, messages: [] });
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
      this.post({ type: 'filterResult', requestId, query, messages: this.view(found) });
    } catch (error) {
      this.post({ type: 'filterResult', requestId, query, messages: [], error: errorMessage(error) });
    }
  }

  /** The conversation's messages from `start` on (negative: from the end), and how many it holds. */
  private slice(start: number): { total: number; messages: Message[] } {
    try {
      return conversationSlice(this.service.coordination, this.service.identity, this.target, start);
    } catch (error) {
      this.service.log.warn(`${this.target}: ${errorMessage(error)}`);
      return { total: 0, messages: [] };
    }
  }

  /** Posts the messages from the oldest loaded one to the newest: the last page at first, more as the webview asks. */
  private sendMessages(reason: 'init' | 'update' | 'earlier' | 'reveal'): void {
    let page = this.slice(this.firstLoaded < 0 ? -PAGE_SIZE : this.firstLoaded);
    if (this.firstLoaded > page.total) page = this.slice(-PAGE_SIZE);
    if (this.firstLoaded < 0 || this.firstLoaded > page.total) this.firstLoaded = page.total - page.messages.length;
    this.post({
      type: 'messages',
      messages: this.view(page.messages, true),
      hasEarlier: this.firstLoaded > 0,
      total: page.total,
      reason,
    });
  }

  /** `list` as the webview shows it; `tail`: it is the conversation's newest messages (their unread are the newest). */
  private view(list: Message[], tail = false): ViewMessage[] {
    const me = this.service.identity;
    const c = this.service.coordination;
    let unread: Message[] = [];
    try {
      unread = unreadIn(c, me, this.target, tail ? list.length : undefined);
    } catch {
      // A room that is gone has nothing unread.
    }
    return attachCodeRefs(toViewMessages(c, me, list, new Set(unread.map(messageKey))));
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
    if (this.isDisposed) return;
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

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.onDispose();
    this.panel.dispose();
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
