/** Parsing of the few argument shapes commander does not know. */
import * as fs from 'fs';
import type { Command } from 'commander';
import { CoordError, decodeUtf8Strictly, parseDuration } from '../core';
import type { MessageRef } from '../core';

export function positiveInt(value: string, flag: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new CoordError('usage', `${flag} takes a whole number of at least 1, not '${value}'`);
  }
  return Number(value);
}

/** A message reference: a number (`12` or `#12`) or a legacy 8-hex id. */
export function messageRef(value: string): MessageRef {
  const text = value.trim();
  // Eight digits may be a legacy id (ids are hex); the core decides by what exists.
  if (/^\d{8}$/.test(text)) return text;
  if (/^#?\d+$/.test(text)) {
    const n = Number(text.replace('#', ''));
    if (n < 1) throw new CoordError('usage', `message number '${value}' must be 1 or more`);
    if (!Number.isSafeInteger(n))
      throw new CoordError(
        'usage',
        `message number '${value}' is too large: numbers are log lines (see check-chatroom)`,
      );
    return n;
  }
  if (/^(id:)?[0-9a-f]{8}$/i.test(text)) return text.replace(/^id:/i, '').toLowerCase();
  throw new CoordError('usage', `'${value}' is not a message number (like 12) or a legacy 8-hex id (like 8abda4b6)`);
}

const MAX_RANGE = 100_000;

/** mark-read arguments: numbers, `10-20` ranges, ids, commas allowed, or `all`. */
export function markReadRefs(values: string[]): MessageRef[] | 'all' {
  const tokens = values
    .flatMap((v) => v.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  if (tokens.length === 0)
    throw new CoordError('usage', "mark-read needs message numbers (12, 10-20, 3,5,8), legacy ids, or 'all'");
  if (tokens.some((t) => t.toLowerCase() === 'all')) {
    if (tokens.length > 1) throw new CoordError('usage', "'all' cannot be combined with other message numbers");
    return 'all';
  }
  const refs: MessageRef[] = [];
  for (const token of tokens) {
    const range = /^#?(\d+)\s*-\s*#?(\d+)$/.exec(token);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (!Number.isSafeInteger(b))
        throw new CoordError('usage', `range '${token}' is too large: numbers are log lines (see check-chatroom)`);
      if (a < 1 || b < a)
        throw new CoordError('usage', `range '${token}' must go from low to high, starting at 1 (e.g. 10-20)`);
      if (b - a + 1 > MAX_RANGE)
        throw new CoordError(
          'usage',
          `range '${token}' is longer than ${MAX_RANGE} messages; use 'all' or a shorter range`,
        );
      for (let n = a; n <= b; n++) refs.push(n);
    } else {
      refs.push(messageRef(token));
    }
  }
  return refs;
}

/** Message text from the arguments, or from stdin with --stdin or a lone `-`. */
export function messageText(words: string[], fromStdin: boolean): string {
  if (fromStdin || (words.length === 1 && words[0] === '-')) {
    if (words.length > 0 && !(words.length === 1 && words[0] === '-')) {
      throw new CoordError('usage', 'give the text either as arguments or on stdin (--stdin), not both');
    }
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(0);
    } catch {
      throw new CoordError(
        'usage',
        'could not read the message from stdin; pipe it in, e.g. echo "text" | coord send #general --stdin',
      );
    }
    return decodeUtf8Strictly(bytes, 'the message on stdin').replace(/\r?\n$/, '');
  }
  return words.join(' ');
}

/** --urgent / --high / --low and --ack, for the commands that write a message. */
export function addImportanceOptions(cmd: Command): Command {
  return cmd
    .option('--urgent', 'mark it urgent (older tools see "[urgent]" and count it as an alert)')
    .option('--high', 'mark it high importance')
    .option('--low', 'mark it low importance')
    .option('--ack', 'ask the recipients to acknowledge it (coord ack N)');
}

/** A length of time such as 15m, 2h, 90s. */
export function durationArg(value: string, flag: string): number {
  const ms = parseDuration(value);
  if (Number.isNaN(ms) || ms <= 0)
    throw new CoordError('usage', `${flag} takes a length of time like 90s, 15m, 2h or 1d, not '${value}'`);
  return ms;
}
