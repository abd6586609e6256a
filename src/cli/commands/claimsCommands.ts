/** `coord` commands of the Claims area: claim, release, claims, and the commit guard. */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Command, Option } from 'commander';
import {
  Claim,
  ClaimBook,
  CoordError,
  describeHold,
  formatTimeLeft,
  GUARD_OFF_ENV,
  installGuardHook,
  parseClaimTtl,
  sanitizeForTerminal,
  uninstallGuardHook,
} from '../../core';
import { emitFor, openFor } from '../cliContext';
import type { CommandArea } from '../cliContext';

/** The claims on the configured backend (the directory, or the NATS server). */
async function bookFor(cmd: Command): Promise<ClaimBook> {
  return (await openFor(cmd)).claimBook({ cwd: process.cwd() });
}

function claimLine(c: Claim, book: ClaimBook, live: Claim[], now: Date): string {
  const clashes = book.conflictsOf(c, live);
  const conflict = clashes.length
    ? `  CONFLICT with ${clashes.map((x) => `${x.instance} (${x.pattern})`).join(', ')}`
    : '';
  const kind = c.exclusive ? 'exclusive' : 'shared';
  return sanitizeForTerminal(
    `${c.instance.padEnd(12)} ${c.pattern.padEnd(28)} ${kind.padEnd(9)} ` +
      `${formatTimeLeft(c.expires, now).padStart(7)} left${c.reason ? `  ${c.reason}` : ''}${conflict}`,
  );
}

function git(root: string, args: string[]): string {
  const r = spawnSync('git', ['-C', root, ...args], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || '').trim().split('\n')[0];
    throw new CoordError(
      'invalid-input',
      `git ${args[0]} failed in ${root} (${why}); ` +
        'the guard needs the git repository that holds the coordination directory',
    );
  }
  return r.stdout;
}

export const claimsArea: CommandArea = {
  title: 'Claims',
  register(program: Command): void {
    program
      .command('claim')
      .description('claim files, folders or globs (relative to the repository) for a while')
      .argument('<paths...>', 'paths or globs, e.g. src/api/** docs/README.md')
      .option('--exclusive', 'nobody else may claim or commit these paths meanwhile')
      .addOption(
        new Option('--ttl <duration>', 'how long the claim lasts: 30m, 2h, 1d (default 2h, at most 7d)').argParser(
          parseClaimTtl,
        ),
      )
      .option('--reason <text>', 'why, shown to the others')
      .option('--force', 'claim even over another instance’s claim, recording the conflict')
      .action(
        async (
          paths: string[],
          opts: { exclusive?: boolean; ttl?: number; reason?: string; force?: boolean },
          cmd: Command,
        ) => {
          const book = await bookFor(cmd);
          const result = await book.claim(paths, {
            exclusive: opts.exclusive,
            ttlMs: opts.ttl,
            reason: opts.reason,
            force: opts.force,
          });
          emitFor(cmd, result, () => {
            const now = book.clock();
            const lines = result.claims.map(
              (c) =>
                `Claimed ${c.pattern} (${c.exclusive ? 'exclusive' : 'shared'}) for ${formatTimeLeft(c.expires, now)}`,
            );
            for (const x of result.conflicts)
              lines.push(`CONFLICT recorded: ${x.holder} also holds ${x.pattern}${x.exclusive ? ' exclusively' : ''}`);
            return sanitizeForTerminal(lines.join('\n'));
          });
        },
      );

    program
      .command('release')
      .description('release your claims on the given paths, or all of them')
      .argument('[paths...]', 'the paths or globs as you claimed them')
      .option('--all', 'release every claim you hold')
      .action(async (paths: string[], opts: { all?: boolean }, cmd: Command) => {
        if (opts.all && paths.length > 0) throw new CoordError('usage', 'give either paths or --all, not both');
        const book = await bookFor(cmd);
        const released = await book.release(opts.all ? 'all' : paths);
        emitFor(cmd, released, () =>
          released.length
            ? sanitizeForTerminal(`Released ${released.map((c) => c.pattern).join(', ')}`)
            : 'You held no claims',
        );
      });

    program
      .command('claims')
      .description('the claims in force (expired ones are gone)')
      .option('--mine', 'only your claims')
      .option('--holder <id>', "only this instance's claims")
      .action(async (opts: { mine?: boolean; holder?: string }, cmd: Command) => {
        const coordination = await openFor(cmd);
        const book = coordination.claimBook({ cwd: process.cwd() });
        if (opts.mine && coordination.instance === null)
          throw new CoordError('no-identity', '--mine needs an identity: pass --as ID or set CLAUDE_INSTANCE_ID');
        const holder = opts.holder ? book.requireHolder(opts.holder, coordination.knownInstances()) : undefined;
        const live = book.list();
        const now = book.clock();
        const shown = live.filter(
          (c) => (!opts.mine || c.instance === coordination.instance) && (!holder || c.instance === holder),
        );
        const json = shown.map((c) => ({ ...c, conflictsWith: book.conflictsOf(c, live).map((x) => x.id) }));
        emitFor(cmd, json, () =>
          shown.length ? shown.map((c) => claimLine(c, book, live, now)).join('\n') : 'No claims in force',
        );
      });

    const guard = program
      .command('guard')
      .description('the commit guard: install | uninstall | check [paths...]')
      .argument('<action>', 'install, uninstall or check')
      .argument('[paths...]', 'for check: paths to check instead of the staged ones')
      .action(async (action: string, paths: string[], _opts: unknown, cmd: Command) => {
        const coordination = await openFor(cmd);
        const book = coordination.claimBook({ cwd: process.cwd() });
        if (action === 'install' || action === 'uninstall') {
          if (paths.length > 0) throw new CoordError('usage', `guard ${action} takes no paths`);
          const hooks = path.resolve(book.root, git(book.root, ['rev-parse', '--git-path', 'hooks']).trim());
          const said =
            action === 'install'
              ? installGuardHook(hooks, {
                  node: process.execPath,
                  cli: path.resolve(process.argv[1]),
                  ...(coordination.backend === 'nats' ? { server: coordination.dir } : { dir: coordination.dir }),
                })
              : uninstallGuardHook(hooks);
          emitFor(cmd, { action, hooks }, () => said);
          return;
        }
        if (action !== 'check')
          throw new CoordError('usage', `unknown guard action '${action}': use install, uninstall or check`);
        const files =
          paths.length > 0
            ? paths.map((p) => book.normalize(p))
            : git(book.root, ['diff', '--cached', '--name-only', '--no-renames', '-z']).split('\0').filter(Boolean);
        const violations = book.guardCheck(files);
        if (violations.length > 0) {
          const now = book.clock();
          const named = violations
            .slice(0, 8)
            .map((v) => `${v.path} (${describeHold(v.claim, now)})`)
            .join('; ');
          const more = violations.length > 8 ? `; and ${violations.length - 8} more` : '';
          throw new CoordError(
            'conflict',
            `commit refused: it touches files another instance holds exclusively: ${named}${more}; ` +
              'ask them to release, unstage those files, ' +
              `or skip the guard once with ${GUARD_OFF_ENV}=off git commit ...`,
          );
        }
        emitFor(
          cmd,
          { checked: files.length, violations: [] },
          () =>
            `coord guard: ${files.length} path${files.length === 1 ? '' : 's'} checked, ` +
            'none held exclusively by another instance',
        );
      });
    guard.addHelpText('after', `\nThe hook runs 'coord guard check'; ${GUARD_OFF_ENV}=off skips it for one commit.`);
  },
};
