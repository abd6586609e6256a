/** `coord` commands of the Live area: wait (block until a message for me) and watch (a live stream). */
import { Command, Option } from 'commander';
import { CoordError, DirectoryFollower, LiveFeed, sanitizeForTerminal, waitForMessages } from '../../core';
import type { LiveEvent } from '../../core';
import { globals, openFor, print } from '../cliContext';
import { toSafeJson, writeSafeJson } from '../jsonOutput';
import { positiveInt } from '../args';
import * as out from '../format';
import type { CommandArea } from '../cliContext';

/** `coord wait` exits with this when the timeout passes first (like timeout(1)). */
export const WAIT_TIMEOUT_EXIT = 124;

export const liveArea: CommandArea = {
  title: 'Live',
  register(program: Command): void {
    program
      .command('wait')
      .description(`block until an unread message for me arrives, print it, exit 0 (${WAIT_TIMEOUT_EXIT} on timeout)`)
      .option('--mentions', 'only direct messages to me and messages that @-mention me')
      .option('--room <room...>', 'only these rooms')
      .addOption(
        new Option('--timeout <seconds>', 'give up after this many seconds').argParser((v) =>
          positiveInt(v, '--timeout'),
        ),
      )
      .action(async (opts: { mentions?: boolean; room?: string[]; timeout?: number }, cmd: Command) => {
        const c = await openFor(cmd);
        const found = await waitForMessages(c, {
          mentionsOnly: !!opts.mentions,
          rooms: opts.room,
          timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000,
        });
        if (!found) {
          process.stderr.write(`coord: no message for ${c.instance} within ${opts.timeout} s\n`);
          process.exitCode = WAIT_TIMEOUT_EXIT;
          return;
        }
        if (globals(cmd).json) writeSafeJson(found);
        else print(out.formatMessages(found, ''));
      });

    program
      .command('watch')
      .description('stream new messages, room and status changes as they happen (Ctrl-C stops)')
      .addOption(
        new Option(
          '--since <number>',
          'first replay the messages after this number (a cursor from an earlier watch)',
        ).argParser((v) => nonNegativeInt(v, '--since')),
      )
      .action(async (opts: { since?: number }, cmd: Command) => {
        const c = await openFor(cmd);
        const json = !!globals(cmd).json;
        const feed = new LiveFeed(c, opts.since);
        const emit = (events: LiveEvent[]) => {
          for (const e of events) print(json ? toSafeJson(eventJson(e, feed.position), 0) : eventLine(e));
        };
        emit(feed.changes());
        const follower = new DirectoryFollower(c, () => emit(feed.changes()));
        await new Promise<void>((resolve) => {
          const stop = () => {
            follower.close();
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          process.stdout.once('close', stop);
        });
      });
  },
};

function nonNegativeInt(value: string, what: string): number {
  if (!/^\d+$/.test(value)) throw new CoordError('usage', `${what} takes a message number (0 or more), not '${value}'`);
  return Number(value);
}

function eventJson(e: LiveEvent, cursor: number): unknown {
  return { ...e, cursor };
}

function eventLine(e: LiveEvent): string {
  switch (e.type) {
    case 'message':
      return out.formatMessages([e.message], '');
    case 'room':
      return `-- #${e.room.name} ${e.change}${e.room.reason ? `: ${sanitizeForTerminal(e.room.reason)}` : ''}`;
    case 'status':
      return `-- ${e.instance} status: ${sanitizeForTerminal(e.status.text)}`;
    case 'log-replaced':
      return `-- data/messages.log was replaced (${e.lines} lines); following the new one`;
  }
}
