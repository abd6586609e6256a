/**
 * Running `coord` as an unprivileged user (uid 65534 through setpriv), for the
 * cases where a write must fail on permissions. Only root can switch users:
 * elsewhere the case is skipped with that reason. As root it must run, so a
 * missing setpriv is a failure, not a skip.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import type { Context } from 'mocha';
import * as path from 'path';
import { CLI, RunResult, tempDir } from '../../support/helpers';
import { skipBecause } from '../../support/skip';

export const NOBODY = 65534;

export interface NobodyCli {
  /** A mode-755 temporary directory that user can enter, to hold the case's coordination directory. */
  parent: string;
  run(dir: string, as: string, args: string[]): RunResult;
}

export function nobodyCli(ctx: Context): NobodyCli {
  if (process.getuid?.() !== 0) skipBecause(ctx, 'running as another user needs root');
  assert.strictEqual(spawnSync('setpriv', ['--version']).status, 0, 'setpriv(1) (util-linux) is not installed');
  const parent = tempDir('coord-perm-');
  fs.chmodSync(parent, 0o755);
  // The checkout may sit where that user cannot read (a mode-700 temp dir):
  // give it its own copy of the self-contained CLI.
  const bin = path.join(parent, 'bin');
  fs.mkdirSync(bin, { mode: 0o755 });
  for (const f of ['cli.js', 'cli-main.js', 'cli-main.js.cache'])
    if (fs.existsSync(path.join(path.dirname(CLI), f)))
      fs.copyFileSync(path.join(path.dirname(CLI), f), path.join(bin, f));
  for (const f of fs.readdirSync(bin)) fs.chmodSync(path.join(bin, f), 0o755);
  const cli = path.join(bin, 'cli.js');
  return {
    parent,
    run(dir, as, args) {
      const r = spawnSync(
        'setpriv',
        [
          `--reuid=${NOBODY}`,
          `--regid=${NOBODY}`,
          '--clear-groups',
          process.execPath,
          cli,
          '--dir',
          dir,
          '--as',
          as,
        ].concat(args),
        { encoding: 'utf8' },
      );
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
  };
}
