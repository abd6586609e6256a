/** Finding, checking and initialising a coordination directory. */
import * as fs from 'fs';
import * as path from 'path';
import { CoordError } from '../common/errors';
import { statIfExists } from './fsutil';
import { Layout } from './layout';

export const DEFAULT_DIR_NAME = 'coordination';

/** `--dir`, else $COORDINATION_DIR, else the nearest `coordination/` walking up from `cwd`. */
export function resolveDirectory(opts: { dir?: string; env?: NodeJS.ProcessEnv; cwd?: string }): string | null {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  if (opts.dir) return path.resolve(cwd, opts.dir);
  if (env.COORDINATION_DIR) return path.resolve(cwd, env.COORDINATION_DIR);
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, DEFAULT_DIR_NAME);
    if (looksLikeCoordinationDir(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * A directory with at least one of the known sub-directories. One this user
 * may not look into is an error that says so, not "no coordination directory".
 */
export function looksLikeCoordinationDir(dir: string): boolean {
  if (!statIfExists(dir)?.isDirectory()) return false;
  const layout = new Layout(dir);
  return [layout.dataDir, layout.chatroomsDir, layout.inboxesDir].some((d) => statIfExists(d)?.isDirectory());
}

export function assertCoordinationDir(dir: string | null): string {
  if (dir === null) {
    throw new CoordError(
      'no-directory',
      'no coordination directory found here or above; ' +
        "pass --dir PATH, set COORDINATION_DIR, or create one with 'coord init'",
    );
  }
  const st = statIfExists(dir);
  if (st === null)
    throw new CoordError(
      'no-directory',
      `coordination directory ${dir} does not exist; create it with 'coord init ${dir}' or pass the right --dir`,
    );
  if (!st.isDirectory())
    throw new CoordError('no-directory', `${dir} is not a directory; pass --dir with the coordination directory`);
  if (!looksLikeCoordinationDir(dir)) {
    throw new CoordError(
      'no-directory',
      `${dir} is not a coordination directory (it has no data/, chatrooms/ or inboxes/); ` +
        `run 'coord init ${dir}' to make it one`,
    );
  }
  const real = fs.realpathSync(dir);
  assertNoLinkedSubdirs(real);
  return real;
}

/**
 * O_NOFOLLOW guards the last part of a path only: a sub-directory that is a
 * symbolic link (chatrooms -> /elsewhere) would carry every write out of the
 * coordination directory. Such a directory is refused before anything is read
 * or written.
 */
export function assertNoLinkedSubdirs(dir: string): void {
  for (const sub of new Layout(dir).allDirs) {
    let linked = false;
    try {
      linked = fs.lstatSync(sub).isSymbolicLink();
    } catch {
      /* missing: created as a real directory when needed */
    }
    if (linked) {
      let target = '';
      try {
        target = ` (to ${fs.readlinkSync(sub)})`;
      } catch {
        /* unreadable */
      }
      throw new CoordError(
        'io',
        `${sub} is a symbolic link${target}; the sub-directories of a coordination directory must be ` +
          'real directories inside it, so nothing is read or written through it: replace the link with a directory',
      );
    }
  }
}
