/** `coord` commands of the Setup area: init and validate-command (help is main.ts's). */
import { Command } from 'commander';
import { initCoordination, sanitizeForTerminal } from '../../core';
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
        const suggestion = valid ? null : closest(name, names);
        emitFor(cmd, { command: name, valid, suggestion }, () =>
          valid
            ? `'${name}' is a valid command`
            : `'${sanitizeForTerminal(name)}' is not a command${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
        );
        if (!valid) process.exitCode = 1;
      });
  },
};

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
