/**
 * The commit guard's git pre-commit hook: installed beside any hook already
 * there (that one is renamed to `pre-commit.before-coord` and run first, so
 * it keeps working), removed again by uninstall, which puts the old hook
 * back. The hook calls `coord guard check` with the absolute node, CLI and
 * directory paths known at install time; COORD_GUARD=off skips our check.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CoordError, ioError } from '../common/errors';

const MARKER = '# coord-guard-hook';
export const GUARD_HOOK_NAME = 'pre-commit';
export const CHAINED_HOOK_NAME = 'pre-commit.before-coord';
export const GUARD_OFF_ENV = 'COORD_GUARD';

export type GuardHookCommand = {
  /** Absolute path of the node executable. */
  node: string;
  /** Absolute path of the coord CLI script. */
  cli: string;
} & (
  | {
      /** Absolute path of the coordination directory. */
      dir: string;
    }
  | {
      /** The NATS server, without credentials (the hook takes them from the environment: COORD_USER ...). */
      server: string;
    }
);

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function guardHookScript(cmd: GuardHookCommand): string {
  const where = 'server' in cmd ? `--server ${quote(cmd.server)}` : `--dir ${quote(cmd.dir)}`;
  return `#!/bin/sh
${MARKER} (added by 'coord guard install'; 'coord guard uninstall' removes it)
# Refuses a commit touching files another instance holds exclusively.
# Skip the check for one commit: ${GUARD_OFF_ENV}=off git commit ...
hooks=$(dirname "$0")
if [ -x "$hooks/${CHAINED_HOOK_NAME}" ]; then
  "$hooks/${CHAINED_HOOK_NAME}" "$@" || exit $?
fi
if [ "$${GUARD_OFF_ENV}" = "off" ]; then
  echo "coord guard: skipped for this commit (${GUARD_OFF_ENV}=off)" >&2
  exit 0
fi
if [ ! -x ${quote(cmd.node)} ] || [ ! -f ${quote(cmd.cli)} ]; then
  echo "coord guard: ${cmd.cli.replace(/["$`\\]/g, '')} is gone;" \\
    "run 'coord guard install' again, or commit with ${GUARD_OFF_ENV}=off" >&2
  exit 1
fi
exec ${quote(cmd.node)} ${quote(cmd.cli)} ${where} guard check
`;
}

function isOurs(file: string): boolean {
  try {
    return fs.readFileSync(file, 'utf8').includes(MARKER);
  } catch {
    return false;
  }
}

function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Installs (or refreshes) the hook in `hooksDir`; says what it did. */
export function installGuardHook(hooksDir: string, cmd: GuardHookCommand): string {
  const hook = path.join(hooksDir, GUARD_HOOK_NAME);
  const chained = path.join(hooksDir, CHAINED_HOOK_NAME);
  try {
    fs.mkdirSync(hooksDir, { recursive: true });
    if (exists(hook) && isOurs(hook)) {
      fs.writeFileSync(hook, guardHookScript(cmd), { mode: 0o755 });
      return `coord guard hook refreshed in ${hook}`;
    }
    let note = '';
    if (exists(hook)) {
      if (exists(chained)) {
        throw new CoordError(
          'conflict',
          `both ${hook} and ${chained} exist and neither is coord's; ` +
            "move one of them away, then run 'coord guard install' again",
        );
      }
      fs.renameSync(hook, chained);
      note = `; your existing hook now lives in ${chained} and still runs first`;
    }
    fs.writeFileSync(hook, guardHookScript(cmd), { mode: 0o755, flag: 'wx' });
    return `coord guard hook installed in ${hook}${note}`;
  } catch (error) {
    if (error instanceof CoordError) throw error;
    throw ioError(error, `install the pre-commit hook in ${hooksDir}`);
  }
}

/** Removes our hook only, putting back the hook that was there before. */
export function uninstallGuardHook(hooksDir: string): string {
  const hook = path.join(hooksDir, GUARD_HOOK_NAME);
  const chained = path.join(hooksDir, CHAINED_HOOK_NAME);
  if (!exists(hook) || !isOurs(hook)) {
    throw new CoordError(
      'not-found',
      `no coord guard hook in ${hooksDir}` +
        `${exists(hook) ? ` (${hook} is not coord's and was left alone)` : ''}; nothing to uninstall`,
    );
  }
  try {
    fs.rmSync(hook);
    if (exists(chained)) {
      fs.renameSync(chained, hook);
      return `coord guard hook removed; your earlier hook is back in ${hook}`;
    }
    return `coord guard hook removed from ${hook}`;
  } catch (error) {
    throw ioError(error, `remove the pre-commit hook from ${hooksDir}`);
  }
}
