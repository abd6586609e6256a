/**
 * The one error type the core throws for anything a user can cause.
 * `message` is a single line that says what is wrong and how to fix it;
 * the CLI prints it as is and exits with `exitCode`.
 */
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

  constructor(code: ErrorCode, message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'CoordError';
    this.code = code;
    this.exitCode = code === 'usage' ? 2 : code === 'io' || code === 'locked' ? 3 : 1;
  }
}

export function isCoordError(error: unknown): error is CoordError {
  return error instanceof CoordError;
}

/** Turns a Node fs error into a one-line CoordError that names the file and the fix. */
export function ioError(error: unknown, what: string): CoordError {
  if (error instanceof CoordError) return error;
  const err = error as NodeJS.ErrnoException;
  const path = err.path ? ` (${err.path})` : '';
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return new CoordError(
        'io',
        `cannot ${what}: permission denied${path}; check the directory's owner and mode (chmod u+rw)`,
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
    case 'ELOOP':
      return new CoordError(
        'io',
        `cannot ${what}: ${err.path ?? 'a file'} is a symbolic link; ` +
          'coordination files must be regular files inside the directory',
      );
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
