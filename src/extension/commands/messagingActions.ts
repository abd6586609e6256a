/** Commands that write messages: to a room or an instance, a direct message, a reply. */
import * as vscode from 'vscode';
import { inertText, messageRef, refLabel, snippet } from '../common/messageFormat';
import { askText, parseRef, pickInstance, pickMessage, pickTarget } from '../common/prompts';
import { UserError } from '../common/reportError';
import { normaliseTarget } from '../panels/threadPanel';
import { CommandArea, programmatic, ready as readyLib, str } from './actionRegistry';

export const messagingActions: CommandArea = ({ service }) => {
  const ready = () => readyLib(service);
  const me = () => service.requireIdentity();
  return {
    'coordination.sendMessage': async (args) => {
      const c = await ready();
      me();
      const target = str(args, 'target', 'room') ?? (await pickTarget(service, 'Send to which room or instance?'));
      const text =
        str(args, 'text') ??
        (await askText({
          prompt: `Message to ${target}`,
          placeHolder: 'Message text (use @instance to mention someone)',
        }));
      const sent = await service.write(`sent to ${target}`, () => c.send(target, text));
      if (!programmatic(args))
        void vscode.window.setStatusBarMessage(`$(check) Sent to ${sent.target} (${refLabel(sent)})`, 4000);
      return sent;
    },

    'coordination.sendDirectMessage': async (args) => {
      const c = await ready();
      const self = me();
      const peer =
        str(args, 'peer', 'to', 'target') ?? (await pickInstance(service, 'Send a direct message to…', self));
      const text =
        str(args, 'text') ?? (await askText({ prompt: `Direct message to ${peer}`, placeHolder: 'Message text' }));
      const sent = await service.write(`sent a direct message to ${peer}`, () =>
        c.sendDm(peer.replace(/^@/, ''), text),
      );
      if (!programmatic(args))
        void vscode.window.setStatusBarMessage(`$(check) Sent to ${sent.target} (${refLabel(sent)})`, 4000);
      return sent;
    },

    'coordination.replyToMessage': async (args) => {
      const c = await ready();
      me();
      const refText = str(args, 'ref', 'number', 'id') ?? (await pickMessage(service, 'Reply to which message?'));
      const ref = parseRef(refText);
      const parent = c.getMessage(ref);
      const text =
        str(args, 'text') ??
        (await askText({
          prompt: `Reply to ${parent.from} (${refLabel(parent)}): ${inertText(snippet(parent.text, 80))}`,
          placeHolder: 'Reply text',
        }));
      const sent = await service.write(`replied to ${refText}`, () => c.reply(ref, text));
      if (!programmatic(args))
        void vscode.window.setStatusBarMessage(`$(check) Replied in ${sent.target} (${refLabel(sent)})`, 4000);
      return sent;
    },

    'coordination.replyToLatest': async (args) => {
      const c = await ready();
      const self = me();
      const target = str(args, 'target') ?? (await pickTarget(service, 'Reply to the latest message in…'));
      const t = normaliseTarget(target);
      const list = t.startsWith('#') ? c.checkChatroom(t.slice(1)) : c.checkDm(t.slice(1));
      const latest = [...list].reverse().find((m) => m.from !== self) ?? list[list.length - 1];
      if (!latest) throw new UserError(`${t} has no messages to reply to`);
      const text =
        str(args, 'text') ??
        (await askText({
          prompt: `Reply to ${latest.from} (${refLabel(latest)}): ${inertText(snippet(latest.text, 80))}`,
          placeHolder: 'Reply text',
        }));
      return service.write(`replied to ${refLabel(latest)}`, () => c.reply(messageRef(latest), text));
    },
  };
};
