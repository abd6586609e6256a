import { CoordError } from './errors';

/**
 * Instance ids: letters, digits, `-`, `_`, `.`; starting with a letter, digit
 * or `_` (not `.`, and not `-`, which reads as an option); at most 64. Names
 * the read-status directory gives other meanings are refused: `X_positions`
 * (bash's positions file of X) and `dm_...` (DM read receipts).
 */
const INSTANCE_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
/** Room names: the same alphabet (no `/`, `:` or spaces), no `..`. Unique regardless of case. */
const ROOM_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

/** The instance id's shape alone (mentions are tagged by it: see mentionedNames). */
export function hasInstanceShape(id: string): boolean {
  return INSTANCE_RE.test(id);
}

export function isValidInstanceId(id: string): boolean {
  return INSTANCE_RE.test(id) && !id.includes('..') && !id.endsWith('_positions') && !id.startsWith('dm_');
}

export function isValidRoomName(name: string): boolean {
  return ROOM_RE.test(name) && !name.includes('..');
}

export function assertInstanceId(id: string, what = 'instance id'): string {
  if (!isValidInstanceId(id)) {
    throw new CoordError(
      'invalid-name',
      `invalid ${what} ${JSON.stringify(id)}: ` +
        "use 1-64 letters, digits, '-', '_' or '.', not starting with '.' or '-', " +
        "not starting with 'dm_' nor ending with '_positions' (e.g. instance-1)",
    );
  }
  return id;
}

export function assertRoomName(name: string): string {
  if (!isValidRoomName(name)) {
    throw new CoordError(
      'invalid-name',
      `invalid chatroom name ${JSON.stringify(name)}: ` +
        "use 1-64 letters, digits, '-', '_' or '.', not starting with '.' or '-' (e.g. backend-api)",
    );
  }
  return name;
}

/** Trims spaces and tabs around a typed name (not line ends or other control characters: those make it invalid). */
export function trimName(name: string): string {
  return name.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** Strips one leading `#` (rooms) or `@` (instances) that users often type. */
export function stripSigil(name: string, sigil: '#' | '@'): string {
  return name.startsWith(sigil) ? name.slice(1) : name;
}

/** DM conversations are keyed by the two ids sorted, as the Python tool names its files. */
export function dmPair(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

export function listChoices(names: Iterable<string>, sigil = ''): string {
  const list = [...names].sort().map((n) => sigil + n);
  if (list.length === 0) return 'none yet';
  return list.length > 20 ? `${list.slice(0, 20).join(', ')}, … (${list.length} in all)` : list.join(', ');
}

/** The acting instance, or the one error for acting without one; `why` ends the message with what needs it. */
export function requireIdentity(
  instance: string | null | undefined,
  why = 'e.g. export CLAUDE_INSTANCE_ID=instance-1',
): string {
  if (!instance) throw new CoordError('no-identity', `no identity: pass --as ID or set CLAUDE_INSTANCE_ID (${why})`);
  return instance;
}
