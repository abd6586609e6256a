/**
 * The one error type the core throws for anything a user can cause.
 * `message` is a single line that says what is wrong and how to fix it;
 * the CLI prints it as is and exits with `exitCode`.
 */
import * as fs from 'fs';
import * as path from 'path';

export type ErrorCode =
  | 'usage'
  | 'not-found'
  | 'invalid-name'
  | 'invalid-input'
  | 'closed'
  | 'conflict'
  | 'no-directory'
  | 'no-identity'
  | 'io'
  | 'locked';

export class CoordError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** For 'io' errors: the file system's error code (ENOSPC, EACCES, ...). */
  fsCode?: string;

  constructor(code: ErrorCode, message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'CoordError';
    this.code = code;
    this.exitCode = code === 'usage' ? 2 : code === 'io' || code === 'locked' ? 3 : 1;
  }

  /** Also true for a CoordError from another bundle: the lazily loaded dist/nats.js has its own copy of this class. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    const e = value as { name?: unknown; exitCode?: unknown; code?: unknown } | null;
    return (
      value instanceof Error && e?.name === 'CoordError' && typeof e.exitCode === 'number' && typeof e.code === 'string'
    );
  }
}

export function isCoordError(error: unknown): error is CoordError {
  return error instanceof CoordError;
}

/** Turns a Node fs error into a one-line CoordError that names the file and the fix. */
export function ioError(error: unknown, what: string): CoordError {
  if (error instanceof CoordError) return error;
  const made = describeIoError(error, what);
  made.fsCode = (error as NodeJS.ErrnoException).code;
  return made;
}

function describeIoError(error: unknown, what: string): CoordError {
  const err = error as NodeJS.ErrnoException;
  const path = err.path && !what.endsWith(err.path) ? ` (${err.path})` : '';
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return new CoordError(
        'io',
        `cannot ${what}: permission denied${path}; check the owner and mode of it and the directories above it ` +
          '(chmod u+rw a file, u+rwx a directory)',
      );
    case 'EROFS':
      return new CoordError(
        'io',
        `cannot ${what}: the file system is read-only${path}; use a writable coordination directory`,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new CoordError(
        'io',
        `cannot ${what}: no space left on the device${path}; free some space and try again (nothing was written)`,
      );
    case 'ELOOP': {
      const loop = err.path ? linkLoopIn(err.path) : null;
      if (loop)
        return new CoordError(
          'io',
          `cannot ${what}: ${loop} is a loop of symbolic links (following it never ends); fix or remove that link`,
        );
      return new CoordError(
        'io',
        `cannot ${what}: ${err.path ?? 'a file'} is a symbolic link; ` +
          'coordination files must be regular files inside the directory',
      );
    }
    case 'ENOTDIR':
    case 'EISDIR':
      return new CoordError(
        'io',
        `cannot ${what}: unexpected file type${path}; the coordination directory layout is damaged`,
      );
    default:
      return new CoordError('io', `cannot ${what}: ${err.message ?? String(error)}`);
  }
}

/**
 * ELOOP means either "the last part is a link" (O_NOFOLLOW) or "too many
 * links" (a link loop somewhere on the path): the first part of `file` whose
 * links never end, or null when there is none.
 */
function linkLoopIn(file: string): string | null {
  const parts = path.resolve(file).split(path.sep);
  for (let i = 2; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join(path.sep) || path.sep;
    try {
      fs.statSync(prefix);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ELOOP' ? prefix : null;
    }
  }
  return null;
}
