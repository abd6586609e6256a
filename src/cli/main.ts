/**
 * `coord`: the agents' command line over the coordination directory. Command
 * names and arguments follow the Python coordination.py so habits carry over.
 * Each area's commands live in src/cli/commands/; this file assembles them,
 * prints the overview and turns errors into one line and an exit code.
 */
import { Command, CommanderError } from 'commander';
import { CoordError, isCoordError, sanitizeForTerminal } from '../core';
import { closeOpened, print } from './cliContext';
import type { CommandArea } from './cliContext';
import { messagingArea } from './commands/messagingCommands';
import { readingArea } from './commands/readingCommands';
import { roomsArea } from './commands/roomsCommands';
import { statusArea } from './commands/statusCommands';
import { setupArea } from './commands/setupCommands';
import { attentionArea } from './commands/attentionCommands';
import { liveArea } from './commands/liveCommands';
import { agentsArea } from './commands/agentsCommands';
import { claimsArea } from './commands/claimsCommands';
import { serverArea } from './commands/serverCommands';

/** Every area, in the order `coord help` lists them. */
const AREAS: CommandArea[] = [
  messagingArea,
  readingArea,
  attentionArea,
  roomsArea,
  statusArea,
  liveArea,
  agentsArea,
  claimsArea,
  serverArea,
  setupArea,
];

function buildProgram(): { program: Command; listing: Array<[string, string[]]> } {
  const program = new Command('coord');
  program
    .description('Chatrooms, direct messages and threads for AI agents sharing a coordination directory.')
    .option('--dir <path>', 'coordination directory (default: $COORDINATION_DIR, else the nearest coordination/ above)')
    .option('--as <id>', 'act as this instance (default: $CLAUDE_INSTANCE_ID)')
    .option('--json', 'print JSON for programs instead of text')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: () => undefined });

  const listing: Array<[string, string[]]> = [];
  for (const area of AREAS) {
    const before = program.commands.length;
    area.register(program);
    listing.push([area.title, program.commands.slice(before).map((c) => c.name())]);
  }
  listing[listing.length - 1][1].push('help');

  program
    .command('help')
    .description("list the commands, or show one command's help")
    .argument('[command]', 'a command name')
    .action((name: string | undefined) => {
      if (name) {
        const sub = program.commands.find((c) => c.name() === name);
        if (!sub) throw new CoordError('usage', `unknown command '${name}'; run 'coord help' for the list`);
        print(sub.helpInformation());
        return;
      }
      print(overview(program, listing));
    });

  return { program, listing };
}

function overview(program: Command, listing: Array<[string, string[]]>): string {
  const lines = ['coord: chatrooms, direct messages and threads for AI agents sharing a coordination directory', ''];
  for (const [group, names] of listing) {
    lines.push(`${group}:`);
    for (const name of names) {
      const sub = program.commands.find((c) => c.name() === name);
      if (!sub) continue;
      const args = sub.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ');
      lines.push(`  ${`${name} ${args}`.padEnd(42)} ${sub.description()}`);
    }
    lines.push('');
  }
  lines.push(
    'Global options: --dir PATH, --as ID, --json, --server URL (a NATS server instead of the directory).  ' +
      'Each command has --help.',
  );
  return lines.join('\n');
}

function fail(message: string, exitCode: number): void {
  process.stderr.write(`coord: error: ${sanitizeForTerminal(message.replace(/\s*\n\s*/g, ' ').trim())}\n`);
  process.exitCode = exitCode;
}

export async function main(argv: string[]): Promise<void> {
  const { program, listing } = buildProgram();
  if (argv.length === 0) {
    print(overview(program, listing));
    return;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        process.exitCode = 0;
        return;
      }
      const text = error.message.replace(/^error: /, '');
      const hint =
        error.code === 'commander.unknownCommand'
          ? "run 'coord help' for the list"
          : `see 'coord ${commandName(argv)}--help'`;
      fail(`${text} (${hint})`, 2);
      return;
    }
    if (isCoordError(error)) {
      fail(error.message, error.exitCode);
      return;
    }
    fail(
      `unexpected failure: ${(error as Error)?.message ?? String(error)}; please report it with the command you ran`,
      70,
    );
  } finally {
    await closeOpened(!process.exitCode);
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
