/** Commands for chatrooms and conversations: create, close, reopen, list, open, open the most urgent. */
import * as vscode from 'vscode';
import { Chatroom, isValidInstanceId, isValidRoomName } from '../../core';
import { relativeTime } from '../common/messageFormat';
import { askText, pickRoom, pickTarget } from '../common/prompts';
import { UserError } from '../common/reportError';
import { normaliseTarget } from '../panels/threadPanel';
import { Args, CommandArea, programmatic, ready as readyLib, str } from './actionRegistry';

export const roomActions: CommandArea = ({ service, panels }) => {
  const ready = () => readyLib(service);
  const me = () => service.requireIdentity();
  const setRoomStatus = async (args: Args | undefined, status: 'open' | 'closed'): Promise<Chatroom> => {
    const c = await ready();
    me();
    const verb = status === 'closed' ? 'Close' : 'Reopen';
    const name =
      str(args, 'name', 'room', 'target') ??
      (await pickRoom(service, `${verb} which chatroom?`, status === 'closed' ? 'open' : 'closed'));
    const reason =
      str(args, 'reason') ??
      (args && 'reason' in args
        ? ''
        : await askText({
            prompt: `Why ${verb.toLowerCase()} #${name.replace(/^#/, '')}? (optional)`,
            allowEmpty: true,
          }));
    const room = await service.write(`${verb.toLowerCase()}d ${name}`, () =>
      status === 'closed' ? c.closeChatroom(name, reason) : c.reopenChatroom(name, reason),
    );
    if (!programmatic(args))
      void vscode.window.setStatusBarMessage(
        `$(check) #${room.name} is ${status === 'closed' ? 'closed' : 'open'}`,
        4000,
      );
    return room;
  };
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
      const description =
        str(args, 'description') ??
        (args && 'description' in args
          ? ''
          : await askText({ prompt: `Description of #${name.replace(/^#/, '')} (optional)`, allowEmpty: true }));
      const room = await service.write(`created #${name}`, () => c.createChatroom(name, description));
      if (!programmatic(args)) {
        const pick = await vscode.window.showInformationMessage(`Created #${room.name}`, 'Open');
        if (pick === 'Open') panels.open(`#${room.name}`);
      }
      return room;
    },

    'coordination.closeChatroom': (args) => setRoomStatus(args, 'closed'),
    'coordination.reopenChatroom': (args) => setRoomStatus(args, 'open'),

    'coordination.listChatrooms': async (args) => {
      const c = await ready();
      const rooms = c.listChatrooms();
      if (programmatic(args)) return rooms;
      const counts = service.identity ? c.unreadCounts().byTarget : {};
      const items = [...rooms.filter((r) => r.status === 'open'), ...rooms.filter((r) => r.status === 'closed')].map(
        (r) => ({
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
        }),
      );
      const pick = await vscode.window.showQuickPick(items, {
        title: `Chatrooms (${rooms.filter((r) => r.status === 'open').length} open, ${rooms.filter((r) => r.status === 'closed').length} closed)`,
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
      const reveal = str(args, 'reveal');
      const panel = panels.open(target, reveal);
      return panel.target;
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
