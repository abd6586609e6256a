/** `coord` commands of the Status area. */
import { Command } from 'commander';
import { sanitizeForTerminal } from '../../core';
import { emitFor, limitOption, openFor } from '../cliContext';
import * as out from '../format';
import type { CommandArea } from '../cliContext';

export const statusArea: CommandArea = {
  title: 'Status',
  register(program: Command): void {
    program
      .command('update-status')
      .description('set your status line')
      .argument('<text...>', 'what you are doing')
      .action(async (words: string[], _opts: unknown, cmd: Command) => {
        const s = await (await openFor(cmd)).updateStatus(words.join(' '));
        emitFor(cmd, s, () => `Status updated: ${sanitizeForTerminal(s.text)}`);
      });

    program
      .command('system-status')
      .description('counts, open rooms, known instances and recent activity')
      .action(async (_opts: unknown, cmd: Command) => {
        const s = (await openFor(cmd)).systemStatus();
        emitFor(cmd, s, () => out.formatSystemStatus(s));
      });

    program
      .command('system-summary')
      .description('statuses of every instance and recent activity')
      .action(async (_opts: unknown, cmd: Command) => {
        const s = (await openFor(cmd)).systemSummary();
        emitFor(cmd, s, () => out.formatSystemSummary(s));
      });

    program
      .command('action-log')
      .description('the action log, newest last')
      .addOption(limitOption())
      .action(async (opts: { limit?: number }, cmd: Command) => {
        const list = (await openFor(cmd)).actionLog({ limit: opts.limit ?? 20 });
        emitFor(cmd, list, () => (list.length ? list.map(out.formatAction).join('\n') : 'The action log is empty'));
      });
  },
};
