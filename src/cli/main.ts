/**
 * `coord`: the agents' command line over the coordination directory. Command
 * names and arguments follow the Python coordination.py so habits carry over.
 */
import { Command, CommanderError, Option } from 'commander';
import { CoordError, isCoordError } from '../core/errors';
import { Coordination, initCoordination, openCoordination } from '../core/coordination';
import type { SearchOptions } from '../core/search';
import { searchDirectory } from '../core/searchCache';
import { sanitizeForTerminal } from '../core/text';
import { markReadRefs, messageRef, messageText, positiveInt } from './args';
import * as out from './format';

interface GlobalOptions {
  dir?: string;
  as?: string;
  json?: boolean;
}

const COMMAND_GROUPS: Array<[string, string[]]> = [
  ['Messaging', ['send', 'reply', 'send-dm', 'search', 'thread']],
  ['Reading', ['check-notifications', 'check-unread', 'mark-read', 'check-inbox', 'check-dm', 'check-chatroom']],
  ['Chatrooms', ['list-chatrooms', 'create-chatroom', 'close-chatroom', 'reopen-chatroom']],
  ['Status', ['update-status', 'system-status', 'system-summary', 'action-log']],
  ['Setup', ['init', 'validate-command', 'help']],
];

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** JSON.stringify leaves DEL, C1 controls and bidi overrides raw: write them as \u escapes too (same JSON value). */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function emit(global: GlobalOptions, json: unknown, human: () => string): void {
  print(global.json ? JSON.stringify(json, null, 2).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : human());
}

function open(global: GlobalOptions): Coordination {
  return openCoordination({ dir: global.dir, instance: global.as });
}

function limitOption(): Option {
  return new Option('--limit <n>', 'only the last N').argParser((v) => positiveInt(v, '--limit'));
}

function buildProgram(): Command {
  const program = new Command('coord');
  program
    .description('Chatrooms, direct messages and threads for AI agents sharing a coordination directory.')
    .option('--dir <path>', 'coordination directory (default: $COORDINATION_DIR, else the nearest coordination/ above)')
    .option('--as <id>', 'act as this instance (default: $CLAUDE_INSTANCE_ID)')
    .option('--json', 'print JSON for programs instead of text')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: () => undefined });

  const g = (cmd: Command) => cmd.optsWithGlobals() as GlobalOptions;

  program
    .command('send')
    .description('send a message to #room or @instance')
    .argument('<target>', '#room or @instance')
    .argument('[message...]', 'the text (quote it); or - / --stdin to read it from stdin')
    .option('--stdin', 'read the text from stdin')
    .action(async (target: string, words: string[], opts: { stdin?: boolean }, cmd: Command) => {
      const m = await open(g(cmd)).send(target, messageText(words, !!opts.stdin));
      emit(g(cmd), m, () => `Sent ${out.messageRef(m)} to ${m.target} (id ${m.id})`);
    });

  program
    .command('reply')
    .description('reply to a message; the reply goes to the same room or conversation')
    .argument('<number>', 'message number, or a legacy 8-hex id')
    .argument('[message...]', 'the text; or - / --stdin')
    .option('--stdin', 'read the text from stdin')
    .action(async (ref: string, words: string[], opts: { stdin?: boolean }, cmd: Command) => {
      const m = await open(g(cmd)).reply(messageRef(ref), messageText(words, !!opts.stdin));
      emit(g(cmd), m, () => `Replied ${out.messageRef(m)} in ${m.target} to ${typeof m.replyTo === 'number' ? '#' + m.replyTo : m.replyTo}`);
    });

  program
    .command('send-dm')
    .description('send a direct message to an instance')
    .argument('<instance>', 'the recipient, e.g. instance-2')
    .argument('[message...]', 'the text; or - / --stdin')
    .option('--stdin', 'read the text from stdin')
    .action(async (peer: string, words: string[], opts: { stdin?: boolean }, cmd: Command) => {
      const m = await open(g(cmd)).sendDm(peer, messageText(words, !!opts.stdin));
      emit(g(cmd), m, () => `DM ${out.messageRef(m)} sent to ${m.target} (id ${m.id})`);
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
    .addOption(new Option('--recent <n>', 'only the last N messages (numbers stay real)').argParser((v) => positiveInt(v, '--recent')))
    .addOption(new Option('--thread <number>', 'only this message and its replies').argParser((v) => messageRef(v)))
    .addOption(limitOption())
    .action((words: string[], opts: SearchOptions, cmd: Command) => {
      if (opts.exact && opts.regex) throw new CoordError('usage', 'choose one of --exact and --regex');
      const query = words.join(' ');
      const c = open(g(cmd));
      // The persisted index answers without loading the whole directory when it is current.
      const found = searchDirectory(c.dir, c.instance, query, opts);
      emit(g(cmd), found, () =>
        found.length === 0 ? `No messages match '${sanitizeForTerminal(query)}'` : `${out.formatMessages(found, '')}\n(${found.length} match${found.length === 1 ? '' : 'es'})`,
      );
    });

  program
    .command('thread')
    .description('show a message and all replies to it')
    .argument('<number>', 'message number or legacy id')
    .action((ref: string, _opts: unknown, cmd: Command) => {
      const list = open(g(cmd)).thread(messageRef(ref));
      emit(g(cmd), list, () => out.formatMessages(list, 'No such thread'));
    });

  program
    .command('check-notifications')
    .description('unread @mentions of you and alerts (urgent, alert, system:)')
    .action((_opts: unknown, cmd: Command) => {
      const n = open(g(cmd)).checkNotifications();
      emit(g(cmd), n, () => {
        if (n.mentions.length === 0 && n.alerts.length === 0) return 'No new notifications';
        const parts: string[] = [];
        if (n.mentions.length) parts.push(`@mentions (${n.mentions.length}):`, out.formatMessages(n.mentions, ''));
        if (n.alerts.length) parts.push(`Alerts (${n.alerts.length}):`, out.formatMessages(n.alerts, ''));
        return parts.join('\n');
      });
    });

  program
    .command('check-unread')
    .description('unread messages you can see (open rooms, @-messages and DMs to you), not your own')
    .option('--room <room>', 'only this chatroom')
    .addOption(limitOption())
    .action((opts: { room?: string; limit?: number }, cmd: Command) => {
      const list = open(g(cmd)).checkUnread(opts);
      emit(g(cmd), list, () => (list.length === 0 ? 'All caught up: no unread messages' : `${out.formatMessages(list, '')}\n(${list.length} unread; mark them with 'coord mark-read N', ranges like 10-20, or all)`));
    });

  program
    .command('mark-read')
    .description('mark messages read: 12, 10-20, 3,5,8, legacy ids, or all')
    .argument('<numbers...>', 'message numbers, ranges, ids, or all')
    .action(async (values: string[], _opts: unknown, cmd: Command) => {
      const result = await open(g(cmd)).markRead(markReadRefs(values));
      emit(g(cmd), result, () => {
        const n = result.marked.length;
        const already = result.alreadyRead ? ` (${result.alreadyRead} already read)` : '';
        return n === 0 ? `Nothing new to mark${already}` : `Marked ${n} message${n === 1 ? '' : 's'} read${already}`;
      });
    });

  program
    .command('check-inbox')
    .description('your unread direct messages and mentions')
    .action((_opts: unknown, cmd: Command) => {
      const inbox = open(g(cmd)).checkInbox();
      emit(g(cmd), inbox, () =>
        [
          `Unread: ${inbox.unread}    Direct: ${inbox.directMessages.length}    Mentions: ${inbox.mentions.length}`,
          ...(inbox.directMessages.length ? ['Direct messages:', out.formatMessages(inbox.directMessages, '')] : []),
          ...(inbox.mentions.length ? ['Mentions:', out.formatMessages(inbox.mentions, '')] : []),
        ].join('\n'),
      );
    });

  program
    .command('check-dm')
    .description('your direct-message conversations, or the messages with one instance')
    .argument('[instance]', 'show the conversation with this instance')
    .addOption(limitOption())
    .action((peer: string | undefined, opts: { limit?: number }, cmd: Command) => {
      const c = open(g(cmd));
      if (peer === undefined && !g(cmd).json) {
        print(out.formatConversations(c.conversations()));
        return;
      }
      const list = c.checkDm(peer, opts);
      emit(g(cmd), list, () => out.formatMessages(list, `No direct messages with ${sanitizeForTerminal(peer ?? '')}`));
    });

  program
    .command('check-chatroom')
    .description('messages in one chatroom (the last 50 unless --limit or --json)')
    .argument('<room>', 'the chatroom')
    .addOption(limitOption())
    .action((room: string, opts: { limit?: number }, cmd: Command) => {
      const c = open(g(cmd));
      const info = c.getChatroom(room);
      const json = g(cmd).json;
      const list = c.checkChatroom(room, { limit: opts.limit ?? (json ? undefined : 50) });
      emit(g(cmd), list, () => {
        const head = `#${sanitizeForTerminal(info.name)} (${info.status}${info.reason ? `: ${sanitizeForTerminal(info.reason)}` : ''})${info.description ? ` - ${sanitizeForTerminal(info.description)}` : ''}`;
        return `${head}\n${out.formatMessages(list, 'No messages yet')}`;
      });
    });

  program
    .command('list-chatrooms')
    .description('all chatrooms with status, creator and description')
    .action((_opts: unknown, cmd: Command) => {
      const c = open(g(cmd));
      const rooms = c.listChatrooms();
      emit(g(cmd), rooms, () => out.formatRooms(rooms, c.instance ? c.unreadCounts().byTarget : undefined));
    });

  program
    .command('create-chatroom')
    .description('create a chatroom (names are unique regardless of case)')
    .argument('<name>', 'letters, digits, - _ .')
    .argument('[description...]', 'what the room is for')
    .action(async (name: string, words: string[], _opts: unknown, cmd: Command) => {
      const room = await open(g(cmd)).createChatroom(name, words.join(' '));
      emit(g(cmd), room, () => `Created #${room.name}`);
    });

  for (const [name, verb] of [['close-chatroom', 'close'], ['reopen-chatroom', 'reopen']] as const) {
    program
      .command(name)
      .description(`${verb} a chatroom, with a reason`)
      .argument('<name>', 'the chatroom')
      .argument('[reason...]', `why you ${verb} it`)
      .action(async (room: string, words: string[], _opts: unknown, cmd: Command) => {
        const c = open(g(cmd));
        const result = verb === 'close' ? await c.closeChatroom(room, words.join(' ')) : await c.reopenChatroom(room, words.join(' '));
        emit(g(cmd), result, () => `${verb === 'close' ? 'Closed' : 'Reopened'} #${result.name}`);
      });
  }

  program
    .command('update-status')
    .description('set your status line')
    .argument('<text...>', 'what you are doing')
    .action(async (words: string[], _opts: unknown, cmd: Command) => {
      const s = await open(g(cmd)).updateStatus(words.join(' '));
      emit(g(cmd), s, () => `Status updated: ${sanitizeForTerminal(s.text)}`);
    });

  program
    .command('system-status')
    .description('counts, open rooms, known instances and recent activity')
    .action((_opts: unknown, cmd: Command) => {
      const s = open(g(cmd)).systemStatus();
      emit(g(cmd), s, () => out.formatSystemStatus(s));
    });

  program
    .command('system-summary')
    .description('statuses of every instance and recent activity')
    .action((_opts: unknown, cmd: Command) => {
      const s = open(g(cmd)).systemSummary();
      emit(g(cmd), s, () => out.formatSystemSummary(s));
    });

  program
    .command('action-log')
    .description('the action log, newest last')
    .addOption(limitOption())
    .action((opts: { limit?: number }, cmd: Command) => {
      const list = open(g(cmd)).actionLog({ limit: opts.limit ?? 20 });
      emit(g(cmd), list, () => (list.length ? list.map(out.formatAction).join('\n') : 'The action log is empty'));
    });

  program
    .command('init')
    .description('create a coordination directory (default ./coordination)')
    .argument('[dir]', 'where', 'coordination')
    .action((dir: string, _opts: unknown, cmd: Command) => {
      const { coordination, created } = initCoordination(dir, { instance: g(cmd).as });
      emit(g(cmd), { dir: coordination.dir, created }, () => `${created ? 'Created' : 'Already a coordination directory:'} ${coordination.dir}`);
    });

  program
    .command('validate-command')
    .description('check that a command name exists (exit 1 if not)')
    .argument('<command>', 'a command name')
    .action((name: string, _opts: unknown, cmd: Command) => {
      const names = program.commands.map((c) => c.name());
      const valid = names.includes(name);
      const suggestion = valid ? null : closest(name, names);
      emit(g(cmd), { command: name, valid, suggestion }, () =>
        valid ? `'${name}' is a valid command` : `'${sanitizeForTerminal(name)}' is not a command${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
      );
      if (!valid) process.exitCode = 1;
    });

  program
    .command('help')
    .description('list the commands, or show one command\'s help')
    .argument('[command]', 'a command name')
    .action((name: string | undefined) => {
      if (name) {
        const sub = program.commands.find((c) => c.name() === name);
        if (!sub) throw new CoordError('usage', `unknown command '${name}'; run 'coord help' for the list`);
        print(sub.helpInformation());
        return;
      }
      print(overview(program));
    });

  return program;
}

function overview(program: Command): string {
  const lines = ['coord: chatrooms, direct messages and threads for AI agents sharing a coordination directory', ''];
  for (const [group, names] of COMMAND_GROUPS) {
    lines.push(`${group}:`);
    for (const name of names) {
      const sub = program.commands.find((c) => c.name() === name);
      if (!sub) continue;
      const args = sub.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ');
      lines.push(`  ${`${name} ${args}`.padEnd(42)} ${sub.description()}`);
    }
    lines.push('');
  }
  lines.push('Global options: --dir PATH, --as ID, --json.  Each command has --help.');
  return lines.join('\n');
}

function closest(word: string, names: string[]): string | null {
  let best: string | null = null;
  let bestScore = Infinity;
  for (const name of names) {
    const score = name.includes(word) || word.includes(name) ? 0 : editDistance(word, name);
    if (score < bestScore) [best, bestScore] = [name, score];
  }
  return bestScore <= 3 ? best : null;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

function fail(message: string, exitCode: number): void {
  process.stderr.write(`coord: error: ${sanitizeForTerminal(message.replace(/\s*\n\s*/g, ' ').trim())}\n`);
  process.exitCode = exitCode;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  if (argv.length === 0) {
    print(overview(program));
    return;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        process.exitCode = 0;
        return;
      }
      const text = error.message.replace(/^error: /, '');
      const hint = error.code === 'commander.unknownCommand' ? "run 'coord help' for the list" : `see 'coord ${commandName(argv)}--help'`;
      fail(`${text} (${hint})`, 2);
      return;
    }
    if (isCoordError(error)) {
      fail(error.message, error.exitCode);
      return;
    }
    fail(`unexpected failure: ${(error as Error)?.message ?? String(error)}; please report it with the command you ran`, 70);
  }
}

function commandName(argv: string[]): string {
  const first = argv.find((a) => !a.startsWith('-'));
  return first && /^[a-z-]+$/.test(first) ? `${first} ` : '';
}

/** The entry the launcher (dist/cli.js) calls. */
export function run(): Promise<void> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  return main(process.argv.slice(2));
}
