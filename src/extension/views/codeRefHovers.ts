/**
 * A hover on lines that messages point at (`src/x.ts:42-50` in their text):
 * those messages, newest first, each with a link to its thread. Message text
 * comes from other agents: it is shown as text (never markdown) and labelled.
 * The index of places is rebuilt only when the directory changed.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { findCodeRefs, Message } from '../../core';
import { Disposable } from '../common/dispose';
import { conversationOf, messageKey, snippet } from '../common/messageFormat';
import { CoordinationService } from '../service/coordinationService';

const MAX_SHOWN = 5;

interface Pointer {
  message: Message;
  line: number;
  endLine: number;
}

export class CodeRefHovers extends Disposable implements vscode.HoverProvider {
  private index: { version: number; dir: string | null; byPath: Map<string, Pointer[]> } | null = null;

  constructor(private readonly service: CoordinationService) {
    super();
    this._register(vscode.languages.registerHoverProvider({ scheme: 'file' }, this));
  }

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (doc.uri.scheme !== 'file' || !this.service.loaded) return undefined;
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (!folder) return undefined;
    const rel = path.relative(folder.uri.fsPath, doc.uri.fsPath).split(path.sep).join('/');
    const line = position.line + 1;
    const hits = this.pointers(rel).filter((p) => p.line <= line && line <= p.endLine);
    if (hits.length === 0) return undefined;
    const me = this.service.identity;
    const md = new vscode.MarkdownString();
    md.isTrusted = { enabledCommands: ['coordination.openChatroom'] };
    md.appendMarkdown(`**Coordination:** ${hits.length} message${hits.length === 1 ? ' points' : 's point'} here\n\n`);
    for (const { message: m } of hits.slice(-MAX_SHOWN).reverse()) {
      const args = encodeURIComponent(JSON.stringify({ target: conversationOf(m, me), reveal: messageKey(m) }));
      md.appendText(`${m.from} in ${conversationOf(m, me)}, ${m.time} (message from another agent): `);
      md.appendText(snippet(m.text, 300));
      md.appendMarkdown(` [Open thread](command:coordination.openChatroom?${args})\n\n`);
    }
    if (hits.length > MAX_SHOWN) md.appendText(`and ${hits.length - MAX_SHOWN} older`);
    return new vscode.Hover(md);
  }

  /**
   * The messages that point into `rel` (a workspace-relative path), oldest
   * first: only messages whose text names the path are looked at.
   */
  private pointers(rel: string): Pointer[] {
    const c = this.service.coordination;
    if (this.index?.version !== c.version || this.index.dir !== this.service.dir)
      this.index = { version: c.version, dir: this.service.dir, byPath: new Map() };
    const cached = this.index.byPath.get(rel);
    if (cached) return cached;
    const list: Pointer[] = [];
    for (const message of c.messagesContaining(`${rel}:`)) {
      const refs = findCodeRefs(message.text).filter((r) => r.path === rel);
      if (refs.length === 0 || !c.isVisible(message)) continue;
      for (const r of refs) list.push({ message, line: r.line, endLine: r.endLine });
    }
    this.index.byPath.set(rel, list);
    return list;
  }
}
