/** `coord` commands of the Setup area: init and validate-command (help is main.ts's). */
import { Command } from 'commander';
import { closestName, initCoordination, sanitizeForTerminal } from '../../core';
import { emitFor, globals } from '../cliContext';
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
