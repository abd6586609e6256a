/** `coord` commands of the Reading area. */
import { Command } from 'commander';
import { type Message, sanitizeForTerminal } from '../../core';
import { emitFor, globals, limitOption, openFor, print } from '../cliContext';
import { markReadRefs } from '../args';
import * as out from '../format';
import { StreamedArray } from '../jsonOutput';
import type { CommandArea } from '../cliContext';

/** check-unread's human output stops here (820,000 lines help nobody); --limit and --json give the rest. */
const UNREAD_SHOWN = 200;
/** check-inbox's human output: the last this many direct messages, and as many mentions. */
const INBOX_SHOWN = 50;

export const readingArea: CommandArea = {
  title: 'Reading',
  register(program: Command): void {
    program
      .command('check-notifications')
      .description('unread @mentions of you and alerts (urgent, alert, system:)')
      .action(async (_opts: unknown, cmd: Command) => {
        const n = (await openFor(cmd)).checkNotifications();
        emitFor(cmd, n, () => {
          if (n.mentions.length === 0 && n.alerts.length === 0) return 'No new notifications';
          const parts: string[] = [];
          if (n.mentions.length) parts.push(`@mentions (${n.mentions.length}):`, out.formatMessages(n.mentions, ''));
          if (n.alerts.length) parts.push(`Alerts (${n.alerts.length}):`, out.formatMessages(n.alerts, ''));
          return parts.join('\n');
        });
      });

    program
      .command('check-unread')
      .description(
        'unread messages you can see (open rooms, @-messages and DMs to you), not your own; ' +
          `the last ${UNREAD_SHOWN} unless --limit or --json`,
      )
      .option('--room <room>', 'only this chatroom')
      .addOption(limitOption())
      .action(async (opts: { room?: string; limit?: number }, cmd: Command) => {
        const c = await openFor(cmd);
        if (globals(cmd).json) {
          const unread = opts.limit === undefined ? new StreamedArray(c.eachUnread(opts)) : c.checkUnread(opts);
          emitFor(cmd, unread, () => '');
          return;
        }
        const { total, messages: shown } = c.unreadPage({ room: opts.room, limit: opts.limit ?? UNREAD_SHOWN });
        emitFor(cmd, shown, () => {
          if (total === 0) return 'All caught up: no unread messages';
          const more = opts.limit === undefined ? total - shown.length : 0;
          return (
            `${out.formatMessages(shown, '')}\n(${total} unread; ` +
            `mark them with 'coord mark-read N', ranges like 10-20, or all)` +
            (more > 0 ? `\n${more} more before these: use --limit N or --json` : '')
          );
        });
      });

    program
      .command('mark-read')
      .description('mark messages read: 12, 10-20, 3,5,8, legacy ids, or all')
      .argument('<numbers...>', 'message numbers, ranges, ids, or all')
      .action(async (values: string[], _opts: unknown, cmd: Command) => {
        const result = await (await openFor(cmd)).markRead(markReadRefs(values));
        emitFor(cmd, result, () => {
          const n = result.marked.length;
          const already = result.alreadyRead ? ` (${result.alreadyRead} already read)` : '';
          return n === 0 ? `Nothing new to mark${already}` : `Marked ${n} message${n === 1 ? '' : 's'} read${already}`;
        });
      });

    program
      .command('check-inbox')
      .description(
        `your unread direct messages and mentions (the last ${INBOX_SHOWN} of each unless --limit or --json)`,
      )
      .addOption(limitOption())
      .action(async (opts: { limit?: number }, cmd: Command) => {
        const limit = opts.limit ?? (globals(cmd).json ? undefined : INBOX_SHOWN);
        const inbox = (await openFor(cmd)).checkInbox({ limit });
        const section = (title: string, list: Message[], total: number) =>
          list.length === 0
            ? []
            : [
                `${title}:`,
                out.formatMessages(list, ''),
                ...(total > list.length ? [`${total - list.length} more before these: use --limit N or --json`] : []),
              ];
        emitFor(cmd, inbox, () =>
          [
            `Unread: ${inbox.unread}    Direct: ${inbox.directTotal}    Mentions: ${inbox.mentionTotal}`,
            ...section('Direct messages', inbox.directMessages, inbox.directTotal),
            ...section('Mentions', inbox.mentions, inbox.mentionTotal),
          ].join('\n'),
        );
      });

    program
      .command('check-dm')
      .description('your direct-message conversations, or the messages with one instance')
      .argument('[instance]', 'show the conversation with this instance')
      .addOption(limitOption())
      .action(async (peer: string | undefined, opts: { limit?: number }, cmd: Command) => {
        const c = await openFor(cmd);
        if (peer === undefined && !globals(cmd).json) {
          print(out.formatConversations(c.conversations()));
          return;
        }
        const list = c.checkDm(peer, opts);
        emitFor(cmd, list, () =>
          out.formatMessages(list, `No direct messages with ${sanitizeForTerminal(peer ?? '')}`),
        );
      });

    program
      .command('check-chatroom')
      .description('messages in one chatroom (the last 50 unless --limit or --json)')
      .argument('<room>', 'the chatroom')
      .addOption(limitOption())
      .action(async (room: string, opts: { limit?: number }, cmd: Command) => {
        const c = await openFor(cmd);
        const info = c.getChatroom(room);
        const json = globals(cmd).json;
        const list = c.checkChatroom(room, { limit: opts.limit ?? (json ? undefined : 50) });
        emitFor(cmd, list, () => {
          const reason = info.reason ? `: ${sanitizeForTerminal(info.reason)}` : '';
          const description = info.description ? ` - ${sanitizeForTerminal(info.description)}` : '';
          const head = `#${sanitizeForTerminal(info.name)} (${info.status}${reason})${description}`;
          return `${head}\n${out.formatMessages(list, 'No messages yet')}`;
        });
      });
  },
};
