/**
 * JSON output, written as it is produced: a list of millions of messages is
 * more text than one JavaScript string may hold ("Invalid string length"), so
 * arrays (and the top-level object around them) are written element by
 * element, in chunks. The bytes are exactly JSON.stringify(value, null, 2)'s,
 * with the characters a terminal would act on written as \u escapes.
 */

/** JSON.stringify leaves DEL, C1 controls and bidi overrides raw: write them as \u escapes too (same JSON value). */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeUnsafe(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** An array written element by element as its items are made (a million messages are never all in memory). */
export class StreamedArray {
  constructor(readonly items: Iterable<unknown>) {}
}

/** One value as a string: for small values (a watch event, one line with indent 0). */
export function toSafeJson(value: unknown, indent: number | undefined = 2): string {
  return escapeUnsafe(JSON.stringify(value, null, indent));
}

const CHUNK_CHARS = 1 << 20;

/** Writes `value` and a newline through `write`, in chunks of about a MiB. */
export function writeSafeJson(value: unknown, write: (text: string) => void = (t) => process.stdout.write(t)): void {
  let pending = '';
  const put = (text: string) => {
    pending += text;
    if (pending.length >= CHUNK_CHARS) {
      write(escapeUnsafe(pending));
      pending = '';
    }
  };
  putValue(value, '', true, put);
  put('\n');
  if (pending) write(escapeUnsafe(pending));
}

/**
 * Arrays at any depth and the top-level object are walked; anything else is
 * one JSON.stringify, indented to its place (JSON text holds no raw newline
 * inside a string, so every newline in it is a line break of the layout).
 * Answers false for what JSON.stringify leaves out (undefined, functions).
 */
function putValue(value: unknown, indent: string, top: boolean, put: (text: string) => void): boolean {
  const inner = indent + '  ';
  if (Array.isArray(value) || value instanceof StreamedArray) {
    let count = 0;
    for (const item of Array.isArray(value) ? value : value.items) {
      put(count++ === 0 ? `[\n${inner}` : `,\n${inner}`);
      if (!putValue(item, inner, false, put)) put('null');
    }
    put(count === 0 ? '[]' : `\n${indent}]`);
    return true;
  }
  if (top && isPlainObject(value)) {
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      if (!serializable(item)) continue;
      put(`${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `);
      putValue(item, inner, false, put);
      first = false;
    }
    put(first ? '{}' : `\n${indent}}`);
    return true;
  }
  const text = JSON.stringify(value, null, 2) as string | undefined;
  if (text === undefined) return false;
  put(indent ? text.replace(/\n/g, `\n${indent}`) : text);
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function serializable(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}
