/** Commands that read: notifications, unread messages, marking read, search. */
import * as vscode from 'vscode';
import { Message, MessageRef } from '../../core';
import { referableRefs, unreadIn } from '../common/conversationQueries';
import { conversationOf, messageKey, messageRef } from '../common/messageFormat';
import { messageItem, parseRef } from '../common/prompts';
import { Cancelled } from '../common/reportError';
import { normaliseTarget } from '../panels/threadPanel';
import { runSearchQuickPick } from '../views/searchQuickPick';
import { AreaContext, CommandArea, confirm, programmatic, str } from './actionRegistry';

type MessageItem = vscode.QuickPickItem & { message?: Message };

/** Lets the user pick one of `items` and opens its message in its thread. */
async function pickAndOpen({ service, panels }: AreaContext, items: MessageItem[], title: string): Promise<void> {
  const pick = await vscode.window.showQuickPick(items, {
    title,
    matchOnDescription: true,
    matchOnDetail: true,
    placeHolder: 'Open a message in its thread',
  });
  if (pick?.message) panels.open(conversationOf(pick.message, service.identity), messageKey(pick.message));
}

export const readingActions: CommandArea = (ctx) => {
  const { service, panels, ready, me } = ctx;
  return {
    'coordination.checkNotifications': async (args) => {
      const c = await ready();
      me();
      const n = c.checkNotifications();
      if (programmatic(args)) return n;
      const items: MessageItem[] = [];
      if (n.mentions.length)
        items.push(
          { label: 'Mentions', kind: vscode.QuickPickItemKind.Separator },
          ...n.mentions.map((m) => messageItem(m, service.identity, '$(mention)')),
        );
      if (n.alerts.length)
        items.push(
          { label: 'Alerts', kind: vscode.QuickPickItemKind.Separator },
          ...n.alerts.map((m) => messageItem(m, service.identity, '$(warning)')),
        );
      if (items.length === 0) {
        void vscode.window.showInformationMessage('Agent Coordination: no unread mentions or alerts.');
        return n;
      }
      await pickAndOpen(
        ctx,
        items,
        `${n.mentions.length} mention${n.mentions.length === 1 ? '' : 's'}, ` +
          `${n.alerts.length} alert${n.alerts.length === 1 ? '' : 's'}`,
      );
      return n;
    },

    'coordination.showUnread': async (args) => {
      const c = await ready();
      me();
      const room = str(args, 'room');
      const unread = c.checkUnread(room ? { room } : {});
      if (programmatic(args)) return unread;
      if (unread.length === 0) {
        void vscode.window.showInformationMessage(
          `Agent Coordination: no unread messages${room ? ` in ${room}` : ''}.`,
        );
        return unread;
      }
      const items = [...unread].reverse().map((m) => messageItem(m, service.identity));
      await pickAndOpen(ctx, items, `${unread.length} unread`);
      return unread;
    },

    'coordination.markRead': async (args) => {
      const c = await ready();
      me();
      let refs: MessageRef[];
      const given = args?.refs ?? args?.ref ?? args?.number ?? args?.id;
      if (Array.isArray(given)) refs = given.map((r) => parseRef(String(r)));
      else if (given !== undefined && given !== null && String(given).trim())
        refs = String(given)
          .split(/[\s,]+/)
          .filter(Boolean)
          .map(parseRef);
      else {
        const unread = c.checkUnread();
        if (unread.length === 0) {
          void vscode.window.showInformationMessage('Agent Coordination: no unread messages.');
          return { marked: [], alreadyRead: 0 };
        }
        const picks = await vscode.window.showQuickPick(
          [...unread].reverse().map((m) => messageItem(m, service.identity)),
          {
            canPickMany: true,
            title: 'Mark read',
            placeHolder: 'Pick the messages to mark read',
            matchOnDetail: true,
            matchOnDescription: true,
          },
        );
        if (!picks || picks.length === 0) throw new Cancelled();
        refs = picks.map((p) => messageRef(p.message!));
      }
      const result = await service.write(`marked ${refs.join(', ')} read`, () => c.markRead(refs));
      confirm(args, `Marked ${result.marked.length} read`);
      return result;
    },

    'coordination.markAllRead': async (args) => {
      const c = await ready();
      const self = me();
      const target = str(args, 'target', 'room');
      let result;
      if (!target) result = await service.write('marked all read', () => c.markRead('all'));
      else {
        const t = normaliseTarget(target);
        const dropped: MessageRef[] = [];
        const refs = referableRefs(c, unreadIn(c, self, t).map(messageRef), (r) => dropped.push(r));
        if (dropped.length)
          service.log.warn(
            `mark all read in ${t}: ${dropped.length} message(s) no longer resolve (${dropped.join(', ')})`,
          );
        result = refs.length
          ? await service.write(`marked ${t} read`, () => c.markRead(refs))
          : { marked: [], alreadyRead: 0 };
      }
      confirm(args, `Marked ${result.marked.length} read${target ? ` in ${target}` : ''}`);
      return result;
    },
    'coordination.searchMessages': async (args) => {
      const c = await ready();
      const query = str(args, 'query');
      if (query !== undefined && programmatic(args)) {
        const { query: _q, ...rest } = args ?? {};
        return c.search(query, rest as Parameters<typeof c.search>[1]);
      }
      await runSearchQuickPick(service, panels, str(args, 'room', 'target'));
      return undefined;
    },
  };
};
