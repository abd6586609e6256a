/** `coord` commands of the Messaging area. */
import { Command, Option } from 'commander';
import { CoordError, sanitizeForTerminal, searchMessages, sendOptionsFromFlags } from '../../core';
import type { SearchOptions } from '../../core';
import { emitFor, limitOption, openFor } from '../cliContext';
import { addImportanceOptions, messageRef, messageText, positiveInt } from '../args';
import * as out from '../format';
import type { CommandArea } from '../cliContext';

type SendFlags = { stdin?: boolean; urgent?: boolean; high?: boolean; low?: boolean; ack?: boolean };

export const messagingArea: CommandArea = {
  title: 'Messaging',
  register(program: Command): void {
    addImportanceOptions(program.command('send'))
      .description('send a message to #room or @instance')
      .argument('<target>', '#room or @instance')
      .argument('[message...]', 'the text (quote it); or - / --stdin to read it from stdin')
      .option('--stdin', 'read the text from stdin')
      .action(async (target: string, words: string[], opts: SendFlags, cmd: Command) => {
        const m = await (await openFor(cmd)).send(target, messageText(words, !!opts.stdin), sendOptionsFromFlags(opts));
        emitFor(cmd, m, () => `Sent ${out.messageRef(m)} to ${m.target} (id ${m.id})`);
      });

    addImportanceOptions(program.command('reply'))
      .description('reply to a message; the reply goes to the same room or conversation')
      .argument('<number>', 'message number, or a legacy 8-hex id')
      .argument('[message...]', 'the text; or - / --stdin')
      .option('--stdin', 'read the text from stdin')
      .action(async (ref: string, words: string[], opts: SendFlags, cmd: Command) => {
        const m = await (
          await openFor(cmd)
        ).reply(messageRef(ref), messageText(words, !!opts.stdin), sendOptionsFromFlags(opts));
        emitFor(
          cmd,
          m,
          () =>
            `Replied ${out.messageRef(m)} in ${m.target} to ` +
            `${typeof m.replyTo === 'number' ? '#' + m.replyTo : m.replyTo}`,
        );
      });

    addImportanceOptions(program.command('send-dm'))
      .description('send a direct message to an instance')
      .argument('<instance>', 'the recipient, e.g. instance-2')
      .argument('[message...]', 'the text; or - / --stdin')
      .option('--stdin', 'read the text from stdin')
      .action(async (peer: string, words: string[], opts: SendFlags, cmd: Command) => {
        const m = await (await openFor(cmd)).sendDm(peer, messageText(words, !!opts.stdin), sendOptionsFromFlags(opts));
        emitFor(cmd, m, () => `DM ${out.messageRef(m)} sent to ${m.target} (id ${m.id})`);
      });

    program
      .command('search')
      .description('search messages (ranked; --exact for substring, --regex for a pattern)')
      .argument('<query...>', 'words to find')
      .option('--exact', 'case-insensitive substring match')
      .option('--regex', 'the query is a JavaScript regular expression')
      .option('--room <room>', 'only this chatroom')
      .option('--from <id>', 'only from this instance')
      .option('--to <id>', 'only @-messages and DMs to this instance')
      .option('--since <time>', 'not before: YYYY-MM-DD, "YYYY-MM-DD HH:MM:SS", or an age like 2h, 7d')
      .option('--until <time>', 'not after (same forms)')
      .addOption(
        new Option('--recent <n>', 'only the last N messages (numbers stay real)').argParser((v) =>
          positiveInt(v, '--recent'),
        ),
      )
      .addOption(new Option('--thread <number>', 'only this message and its replies').argParser((v) => messageRef(v)))
      .addOption(limitOption())
      .action(async (words: string[], opts: SearchOptions, cmd: Command) => {
        if (opts.exact && opts.regex) throw new CoordError('usage', 'choose one of --exact and --regex');
        const query = words.join(' ');
        const c = await openFor(cmd);
        // The persisted index answers without loading the whole directory when it is current;
        // a server's replica is in memory.
        const found = searchMessages(c, query, opts);
        emitFor(cmd, found, () =>
          found.length === 0
            ? `No messages match '${sanitizeForTerminal(query)}'`
            : `${out.formatMessages(found, '')}\n(${found.length} match${found.length === 1 ? '' : 'es'})`,
        );
      });

    program
      .command('thread')
      .description('show a message and all replies to it')
      .argument('<number>', 'message number or legacy id')
      .action(async (ref: string, _opts: unknown, cmd: Command) => {
        const list = (await openFor(cmd)).thread(messageRef(ref));
        emitFor(cmd, list, () => out.formatMessages(list, 'No such thread'));
      });
  },
};
