/** Commands that write messages: to a room or an instance, a direct message, a reply. */
import { Message } from '../../core';
import { conversationSlice } from '../common/conversationQueries';
import { inertText, messageRef, refLabel, snippet } from '../common/messageFormat';
import { askText, parseRef, pickInstance, pickMessage, pickTarget } from '../common/prompts';
import { UserError } from '../common/reportError';
import { normaliseTarget } from '../panels/threadPanel';
import { sendOptionsOf } from './sendOptions';
import { Args, CommandArea, confirm, str } from './actionRegistry';

/** The reply's text: given, or asked for under the parent's sender, ref and first words (made inert). */
function replyText(args: Args | undefined, parent: Message): Promise<string> | string {
  return (
    str(args, 'text') ??
    askText({
      prompt: `Reply to ${parent.from} (${refLabel(parent)}): ${inertText(snippet(parent.text, 80))}`,
      placeHolder: 'Reply text',
    })
  );
}

export const messagingActions: CommandArea = ({ service, ready, me }) => ({
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
    const sent = await service.write(`sent to ${target}`, () => c.send(target, text, sendOptionsOf(args)));
    confirm(args, `Sent to ${sent.target} (${refLabel(sent)})`);
    return sent;
  },

  'coordination.sendDirectMessage': async (args) => {
    const c = await ready();
    const self = me();
    const peer = str(args, 'peer', 'to', 'target') ?? (await pickInstance(service, 'Send a direct message to…', self));
    const text =
      str(args, 'text') ?? (await askText({ prompt: `Direct message to ${peer}`, placeHolder: 'Message text' }));
    const sent = await service.write(`sent a direct message to ${peer}`, () =>
      c.sendDm(peer.replace(/^@/, ''), text, sendOptionsOf(args)),
    );
    confirm(args, `Sent to ${sent.target} (${refLabel(sent)})`);
    return sent;
  },

  'coordination.replyToMessage': async (args) => {
    const c = await ready();
    me();
    const refText = str(args, 'ref', 'number', 'id') ?? (await pickMessage(service, 'Reply to which message?'));
    const ref = parseRef(refText);
    const text = await replyText(args, c.getMessage(ref));
    const sent = await service.write(`replied to ${refText}`, () => c.reply(ref, text, sendOptionsOf(args)));
    confirm(args, `Replied in ${sent.target} (${refLabel(sent)})`);
    return sent;
  },

  'coordination.replyToLatest': async (args) => {
    const c = await ready();
    const self = me();
    const t = normaliseTarget(str(args, 'target') ?? (await pickTarget(service, 'Reply to the latest message in…')));
    // The newest messages first; the whole conversation only when none of them is from someone else.
    const newest = conversationSlice(c, self, t, -200);
    const list =
      newest.messages.some((m) => m.from !== self) || newest.total === newest.messages.length
        ? newest.messages
        : conversationSlice(c, self, t, 0).messages;
    const latest = [...list].reverse().find((m) => m.from !== self) ?? list[list.length - 1];
    if (!latest) throw new UserError(`${t} has no messages to reply to`);
    const text = await replyText(args, latest);
    return service.write(`replied to ${refLabel(latest)}`, () => c.reply(messageRef(latest), text));
  },
});
