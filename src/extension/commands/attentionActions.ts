/**
 * Commands for what needs the human: the "Needs You" rows' one-click actions
 * (reply, acknowledge, open: the conversation, or a claim conflict's file),
 * Show What Needs You, Acknowledge Message, Post with Importance or Ack,
 * per-room mute and the "quiet until" snooze.
 */
import * as vscode from 'vscode';
import { IMPORTANCE_LEVELS, queueLabel } from '../../core';
import type { Importance, MessageRef, QueueEntry } from '../../core';
import { inertText, messageRef, refLabel, relativeTime, snippet } from '../common/messageFormat';
import { Cancelled, UserError } from '../common/reportError';
import { LISTED_PER_KIND } from '../service/needsYouModel';
import { NEEDS_YOU_VIEW } from '../views/needsYouView';
import { mutedRooms } from '../views/needsYouNotifier';
import { openArgs } from '../views/needsYouRows';
import type { Args, CommandArea } from './actionRegistry';

export const attentionActions: CommandArea = ({ service, needsYou }) => {
  const { model, notifier } = needsYou;
  /** The entry a command is about: `{ key }` (notifications, tree rows) or a picked one. */
  const entryOf = async (
    args: Args | undefined,
    placeHolder: string,
    accept: (e: QueueEntry) => boolean,
  ): Promise<QueueEntry> => {
    await service.whenLoaded();
    model.update();
    const key = typeof args?.key === 'string' ? args.key : (args?.entry as QueueEntry | undefined)?.key;
    if (key) {
      const found = model.find(key);
      if (!found)
        throw new UserError(
          model.total > model.entries.length
            ? 'that item is no longer listed (it was read, acknowledged or answered, ' +
                `or newer ones took its place among the ${LISTED_PER_KIND} listed of its kind)`
            : 'that item no longer needs you (it was read, acknowledged or answered)',
        );
      return found;
    }
    const candidates = model.entries.filter(accept);
    if (candidates.length === 0) throw new UserError('nothing in the queue needs that');
    const pick = await vscode.window.showQuickPick(
      candidates.map((e) => ({
        label: inertText(snippet(e.title, 120)),
        description: `${e.reasons.map(queueLabel).join(' · ')}${e.time ? ` · ${relativeTime(e.time)}` : ''}`,
        entry: e,
      })),
      { placeHolder, matchOnDescription: true },
    );
    if (!pick) throw new Cancelled();
    return pick.entry;
  };

  /** A claim conflict opens its file; anything else its conversation. */
  const openEntry = (entry: QueueEntry) =>
    entry.file !== undefined
      ? vscode.commands.executeCommand('coordination.openClaimedFile', { pattern: entry.file })
      : vscode.commands.executeCommand('coordination.openChatroom', openArgs(entry));

  const acknowledge = async (refs: MessageRef[]) =>
    service.write(`acknowledged ${refs.join(', ')}`, (c) => c.ack(refs));

  return {
    'coordination.queue.open': async (args: Args | undefined) =>
      openEntry(await entryOf(args, 'Open which item?', () => true)),

    'coordination.queue.reply': async (args: Args | undefined) => {
      const entry = await entryOf(args, 'Reply to which item?', (e) => e.actions.includes('reply'));
      const text = typeof args?.text === 'string' ? args.text : undefined;
      const ui = text === undefined ? { fromTree: true } : {};
      if (entry.kind === 'stuck' || !entry.message)
        return vscode.commands.executeCommand('coordination.sendDirectMessage', {
          peer: entry.target.slice(1),
          ...(text !== undefined ? { text } : {}),
          ...ui,
        });
      return vscode.commands.executeCommand('coordination.replyToMessage', {
        ref: String(messageRef(entry.message)),
        ...(text !== undefined ? { text } : {}),
        ...ui,
      });
    },

    'coordination.queue.acknowledge': async (args: Args | undefined) => {
      const entry = await entryOf(args, 'Acknowledge which message?', (e) => e.actions.includes('ack'));
      if (!entry.message) throw new UserError('this item has no message to acknowledge');
      const result = await acknowledge([messageRef(entry.message)]);
      void vscode.window.setStatusBarMessage(`$(pass) Acknowledged ${refLabel(entry.message)}`, 4000);
      return result;
    },

    'coordination.acknowledge': async (args: Args | undefined) => {
      await service.whenLoaded();
      const c = service.coordination;
      service.requireIdentity();
      const given = args?.ref ?? args?.number;
      if (typeof given === 'number' || typeof given === 'string') {
        const ref = typeof given === 'string' && /^#?\d+$/.test(given) ? Number(given.replace('#', '')) : given;
        return acknowledge([ref]);
      }
      const owed = c.acks({ pendingOnly: true }).owe;
      if (owed.length === 0) {
        void vscode.window.showInformationMessage('Agent Coordination: you owe no acknowledgements.');
        return undefined;
      }
      const picks = await vscode.window.showQuickPick(
        owed.map((e) => ({
          label: `${refLabel(e.status.message)} ${e.status.message.from} → ${e.status.message.target}`,
          detail: inertText(snippet(e.status.message.text, 160)),
          description: relativeTime(e.status.message.time),
          ref: messageRef(e.status.message),
        })),
        { canPickMany: true, placeHolder: 'Acknowledge which messages?' },
      );
      if (!picks || picks.length === 0) throw new Cancelled();
      return acknowledge(picks.map((p) => p.ref));
    },

    'coordination.showNeedsYou': async (args: Args | undefined) => {
      await service.whenLoaded();
      await vscode.commands.executeCommand(`${NEEDS_YOU_VIEW}.focus`);
      model.update();
      if (args !== undefined) return model.entries;
      if (model.entries.length === 0) {
        void vscode.window.showInformationMessage('Agent Coordination: nothing needs you.');
        return model.entries;
      }
      // From the palette: the queue as a list, and the picked entry opened.
      await openEntry(await entryOf(undefined, 'What needs you (pick one to open it)', () => true));
      return model.entries;
    },

    'coordination.sendWithImportance': async (args: Args | undefined) => {
      await service.whenLoaded();
      const importance = await pickImportance(args);
      const ack =
        typeof args?.ack === 'boolean'
          ? args.ack
          : (
              await vscode.window.showQuickPick(
                [
                  { label: 'No acknowledgement needed', ack: false },
                  { label: 'Ask for an acknowledgement', description: 'recipients run "coord ack N"', ack: true },
                ],
                { placeHolder: 'Ask the recipients to acknowledge it?' },
              )
            )?.ack;
      if (ack === undefined) throw new Cancelled();
      return vscode.commands.executeCommand('coordination.sendMessage', {
        ...(args ?? { fromTree: true }),
        importance,
        ack,
      });
    },

    'coordination.muteRoom': async (args: Args | undefined) => {
      await service.whenLoaded();
      const c = service.coordination;
      const given = typeof args?.room === 'string' ? args.room : typeof args?.target === 'string' ? args.target : null;
      const muted = mutedRooms();
      let room = given?.replace(/^#/, '') ?? null;
      if (room === null) {
        const pick = await vscode.window.showQuickPick(
          c.listChatrooms().map((r) => ({
            label: `#${r.name}`,
            description: muted.some((m) => m.toLowerCase() === r.name.toLowerCase()) ? 'muted (pick to unmute)' : '',
            name: r.name,
          })),
          { placeHolder: 'Mute or unmute notifications from which room?' },
        );
        if (!pick) throw new Cancelled();
        room = pick.name;
      }
      const name = c.getChatroom(room).name;
      const isMuted = muted.some((m) => m.toLowerCase() === name.toLowerCase());
      const mute = typeof args?.mute === 'boolean' ? args.mute : !isMuted;
      const next = mute
        ? [...muted.filter((m) => m.toLowerCase() !== name.toLowerCase()), name]
        : muted.filter((m) => m.toLowerCase() !== name.toLowerCase());
      await vscode.workspace
        .getConfiguration('coordination')
        .update('notifications.mutedRooms', next, vscode.ConfigurationTarget.Workspace);
      void vscode.window.setStatusBarMessage(
        `$(${mute ? 'bell-slash' : 'bell'}) #${name} ${mute ? 'muted' : 'unmuted'}`,
        4000,
      );
      return next;
    },

    'coordination.quietNotifications': async (args: Args | undefined) => {
      let minutes = typeof args?.minutes === 'number' ? args.minutes : undefined;
      if (minutes === undefined) {
        const pick = await vscode.window.showQuickPick(
          [
            { label: 'For 30 minutes', minutes: 30 },
            { label: 'For 1 hour', minutes: 60 },
            { label: 'For 2 hours', minutes: 120 },
            { label: 'For 4 hours', minutes: 240 },
            { label: 'Until tomorrow 9:00', minutes: minutesUntilTomorrowNine() },
            { label: 'Notify me again now', minutes: 0 },
          ],
          { placeHolder: 'Quiet "Needs you" notifications (the queue keeps filling)' },
        );
        if (!pick) throw new Cancelled();
        minutes = pick.minutes;
      }
      if (!(minutes >= 0)) throw new UserError('minutes must be 0 or more');
      const until = minutes === 0 ? 0 : Date.now() + minutes * 60_000;
      await notifier.setQuietUntil(until);
      void vscode.window.setStatusBarMessage(
        until ? `$(bell-slash) Quiet until ${new Date(until).toLocaleTimeString()}` : '$(bell) Notifications on',
        4000,
      );
      return until;
    },
  };
};

async function pickImportance(args: Args | undefined): Promise<Importance> {
  const given = args?.importance;
  if (typeof given === 'string') {
    if (!(IMPORTANCE_LEVELS as readonly string[]).includes(given))
      throw new UserError(`importance must be one of ${IMPORTANCE_LEVELS.join(', ')}`);
    return given as Importance;
  }
  const pick = await vscode.window.showQuickPick(
    [
      {
        label: '$(flame) Urgent',
        description: 'older tools see [urgent] and count it as an alert',
        value: 'urgent' as const,
      },
      { label: '$(arrow-up) High', value: 'high' as const },
      { label: 'Normal', value: 'normal' as const },
      { label: '$(arrow-down) Low', value: 'low' as const },
    ],
    { placeHolder: 'How important is it?' },
  );
  if (!pick) throw new Cancelled();
  return pick.value;
}

function minutesUntilTomorrowNine(): number {
  const now = new Date();
  const t = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0);
  return Math.round((t.getTime() - now.getTime()) / 60_000);
}
