/** `coord` commands of the Setup area: init, reindex and validate-command (help is main.ts's). */
import { Command } from 'commander';
import { closestName, Coordination, CoordError, initCoordination, sanitizeForTerminal } from '../../core';
import { emitFor, globals, openFor } from '../cliContext';
import type { CommandArea } from '../cliContext';

export const setupArea: CommandArea = {
  title: 'Setup',
  register(program: Command): void {
    program
      .command('init')
      .description('create a coordination directory (default ./coordination)')
      .argument('[dir]', 'where', 'coordination')
      .action(async (dir: string, _opts: unknown, cmd: Command) => {
        const { coordination, created } = initCoordination(dir, { instance: globals(cmd).as });
        emitFor(
          cmd,
          { dir: coordination.dir, created },
          () => `${created ? 'Created' : 'Already a coordination directory:'} ${coordination.dir}`,
        );
      });

    program
      .command('reindex')
      .description("rebuild the directory's summary and search index now (reads otherwise rebuild it when stale)")
      .action(async (_opts: unknown, cmd: Command) => {
        const coordination = await openFor(cmd);
        if (!(coordination instanceof Coordination))
          throw new CoordError('usage', 'reindex works on a coordination directory; a server keeps no summary');
        const started = Date.now();
        const messages = coordination.rebuildSummary();
        const ms = Date.now() - started;
        emitFor(
          cmd,
          { dir: coordination.dir, messages, ms },
          () => `Rebuilt the summary of ${messages} message${messages === 1 ? '' : 's'} in ${ms} ms`,
        );
      });

    program
      .command('validate-command')
      .description('check that a command name exists (exit 1 if not)')
      .argument('<command>', 'a command name')
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        const names = program.commands.map((c) => c.name());
        const valid = names.includes(name);
        const suggestion = valid ? null : closestName(name, names);
        emitFor(cmd, { command: name, valid, suggestion }, () =>
          valid
            ? `'${name}' is a valid command`
            : `'${sanitizeForTerminal(name)}' is not a command${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
        );
        if (!valid) process.exitCode = 1;
      });
  },
};
