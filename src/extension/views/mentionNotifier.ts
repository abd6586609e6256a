/** A VS Code notification for every new @mention of the identity (coordination.notifications.mentions). */
import * as vscode from 'vscode';
import { Message } from '../../core';
import { Disposable } from '../common/dispose';
import { conversationOf, inertText, messageKey, messageRef, refLabel, snippet } from '../common/messageFormat';
import { errorMessage, reportError } from '../common/reportError';
import { CoordinationService } from '../service/coordinationService';

const MAX_SEPARATE = 3;

export class MentionNotifier extends Disposable {
  private seen: Set<string> | null = null;
  private identity: string | null = null;
  /** Mentions notified so far (newest last), for diagnostics and tests. */
  readonly shown: Message[] = [];

  constructor(private readonly service: CoordinationService) {
    super();
    this._register(service.onDidChange(() => this.check()));
  }

  check(): void {
    if (!this.service.loaded || !this.service.identity) return;
    let mentions: Message[];
    try {
      mentions = this.service.unread.summary()?.mentionList ?? [];
    } catch (error) {
      this.service.log.warn(`notifications: ${errorMessage(error)}`);
      return;
    }
    const keys = mentions.map(messageKey);
    // The first look (or a new identity) only records what is already there.
    if (this.seen === null || this.identity !== this.service.identity) {
      this.seen = new Set(keys);
      this.identity = this.service.identity;
      return;
    }
    const fresh = mentions.filter((m) => !this.seen!.has(messageKey(m)));
    for (const k of keys) this.seen.add(k);
    if (fresh.length === 0) return;
    this.shown.push(...fresh);
    if (this.shown.length > 100) this.shown.splice(0, this.shown.length - 100);
    if (!vscode.workspace.getConfiguration('coordination').get<boolean>('notifications.mentions', true)) return;
    const me = this.service.identity;
    if (fresh.length > MAX_SEPARATE) {
      void vscode.window
        .showInformationMessage(`Agent Coordination: ${fresh.length} new mentions of @${me}`, 'Show', 'Mark All Read')
        .then((pick) => {
          if (pick === 'Show') void vscode.commands.executeCommand('coordination.checkNotifications');
          else if (pick === 'Mark All Read') void this.markRead(fresh);
        });
      return;
    }
    for (const m of fresh) {
      const where = conversationOf(m, me);
      void vscode.window
        .showInformationMessage(
          `${m.from} mentioned you in ${where} (${refLabel(m)}): ${inertText(snippet(m.text, 160))}`,
          'Open',
          'Mark Read',
        )
        .then((pick) => {
          if (pick === 'Open')
            void vscode.commands.executeCommand('coordination.openChatroom', { target: where, reveal: messageKey(m) });
          else if (pick === 'Mark Read') void this.markRead([m]);
        });
    }
  }

  private async markRead(list: Message[]): Promise<void> {
    try {
      await this.service.write(`marked ${list.length} mentions read`, (c) => c.markRead(list.map(messageRef)));
    } catch (error) {
      reportError(this.service.log, 'mark mentions read', error);
    }
  }
}
