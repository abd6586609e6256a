/** Commands for chatrooms and conversations: create, close, reopen, list, open, open the most urgent. */
import * as vscode from 'vscode';
import { Chatroom, isValidInstanceId, isValidRoomName } from '../../core';
import { relativeTime } from '../common/messageFormat';
import { askText, pickRoom, pickTarget } from '../common/prompts';
import { UserError } from '../common/reportError';
import { normaliseTarget } from '../panels/threadPanel';
import { AreaContext, Args, CommandArea, confirm, programmatic, str } from './actionRegistry';

/** An optional text: given, given as absent (''), or asked for (may be left empty). */
async function optionalText(args: Args | undefined, key: string, prompt: string): Promise<string> {
  return str(args, key) ?? (args && key in args ? '' : await askText({ prompt, allowEmpty: true }));
}

async function setRoomStatus(
  { service, ready, me }: AreaContext,
  args: Args | undefined,
  status: 'open' | 'closed',
): Promise<Chatroom> {
  const c = await ready();
  me();
  const verb = status === 'closed' ? 'close' : 'reopen';
  const name =
    str(args, 'name', 'room', 'target') ??
    (await pickRoom(
      service,
      `${status === 'closed' ? 'Close' : 'Reopen'} which chatroom?`,
      status === 'closed' ? 'open' : 'closed',
    ));
  const reason = await optionalText(args, 'reason', `Why ${verb} #${name.replace(/^#/, '')}? (optional)`);
  const room = await service.write(`${verb}d ${name}`, () =>
    status === 'closed' ? c.closeChatroom(name, reason) : c.reopenChatroom(name, reason),
  );
  confirm(args, `#${room.name} is ${status}`);
  return room;
}

export const roomActions: CommandArea = (ctx) => {
  const { service, panels, ready, me } = ctx;
  return {
    'coordination.createChatroom': async (args) => {
      const c = await ready();
      me();
      const name =
        str(args, 'name', 'room') ??
        (await askText({
          prompt: 'New chatroom name',
          placeHolder: 'e.g. backend-api',
          validateInput: (v) => {
            const n = v.trim().replace(/^#/, '');
            if (!n) return 'Give a name';
            if (!isValidRoomName(n)) return "Use 1-64 letters, digits, '-', '_' or '.', not starting with '.'";
            if (c.listChatrooms().some((r) => r.name.toLowerCase() === n.toLowerCase())) return `#${n} already exists`;
            return undefined;
          },
        }));
      const description = await optionalText(
        args,
        'description',
        `Description of #${name.replace(/^#/, '')} (optional)`,
      );
      const room = await service.write(`created #${name}`, () => c.createChatroom(name, description));
      if (!programmatic(args)) {
        const pick = await vscode.window.showInformationMessage(`Created #${room.name}`, 'Open');
        if (pick === 'Open') panels.open(`#${room.name}`);
      }
      return room;
    },

    'coordination.closeChatroom': (args) => setRoomStatus(ctx, args, 'closed'),
    'coordination.reopenChatroom': (args) => setRoomStatus(ctx, args, 'open'),

    'coordination.listChatrooms': async (args) => {
      const c = await ready();
      const rooms = c.listChatrooms();
      if (programmatic(args)) return rooms;
      const counts = service.unread.summary()?.byTarget ?? {};
      const open = rooms.filter((r) => r.status === 'open');
      const closed = rooms.filter((r) => r.status === 'closed');
      const items = [...open, ...closed].map((r) => ({
        label: `${r.status === 'closed' ? '$(lock)' : '$(comment-discussion)'} #${r.name}`,
        description:
          r.status === 'closed' ? `closed${r.reason ? ` — ${r.reason}` : ''}` : `${counts[`#${r.name}`] ?? 0} unread`,
        detail: [
          r.description,
          r.creator ? `created by ${r.creator}${r.created ? ` ${relativeTime(r.created)}` : ''}` : '',
        ]
          .filter(Boolean)
          .join(' · '),
        room: r,
      }));
      const pick = await vscode.window.showQuickPick(items, {
        title: `Chatrooms (${open.length} open, ${closed.length} closed)`,
        placeHolder: 'Open a chatroom',
        matchOnDescription: true,
        matchOnDetail: true,
      });
      if (pick) panels.open(`#${pick.room.name}`);
      return rooms;
    },

    'coordination.openChatroom': async (args) => {
      const c = await ready();
      const target = normaliseTarget(
        str(args, 'target', 'room', 'name') ?? (await pickTarget(service, 'Open which room or conversation?', true)),
      );
      if (target.startsWith('#')) c.getChatroom(target.slice(1));
      else if (!isValidInstanceId(target.slice(1))) throw new UserError(`invalid instance id '${target.slice(1)}'`);
      return panels.open(target, str(args, 'reveal')).target;
    },

    'coordination.openMostUrgent': async () => {
      await ready();
      me();
      const first = service.unread.mostUrgent();
      if (!first) {
        void vscode.window.showInformationMessage('Agent Coordination: no unread messages.');
        return undefined;
      }
      return panels.open(first).target;
    },
  };
};
