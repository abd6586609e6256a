/**
 * Message text is stored one physical line per message. Characters that would
 * break a line for any reader (Python's universal newlines end a line at \r,
 * \n or \r\n) or that are control characters are escaped on write:
 *   \\ -> backslash, \n -> LF, \r -> CR, \uXXXX -> any other control character
 * Tab stays as it is (block transcripts keep the text's lines). Escaped text
 * is marked by a U+2060 WORD JOINER before it (zero-width: `cat` and the older
 * tools show the line as before), because the older tools write text raw:
 * their `C:\new` must read back as written. Text that needs no escape is
 * stored as it is, unmarked. Unmarked text (theirs, or
 * ours from before the mark) is read verbatim except the bash tools' `\!`,
 * which stands for `!`. Unknown sequences in marked text are kept verbatim.
 */
import { CoordError } from './errors';

const NEEDS_ESCAPE = /[\\\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeMessageText(text: string): string {
  return text.replace(NEEDS_ESCAPE, (ch) => {
    switch (ch) {
      case '\\':
        return '\\\\';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      default:
        return '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
    }
  });
}

const ESCAPE_SEQUENCE = /\\(\\|n|r|u[0-9a-fA-F]{4})/g;

function unescapeMessageText(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, (_, seq: string) => {
    switch (seq) {
      case '\\':
        return '\\';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      default: {
        const code = parseInt(seq.slice(1), 16);
        // Only control characters are ever written as \u; anything else is literal text.
        return isEscapedControl(code) ? String.fromCharCode(code) : `\\${seq}`;
      }
    }
  });
}

function isEscapedControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

const ESCAPED_MARK = '\u2060';

/**
 * Message text as stored. `oneLine` files (messages.log, Python DM files)
 * escape it; block transcripts keep its lines. Either way the mark goes
 * first whenever reading the stored text unmarked would not give it back.
 */
export function encodeMessageText(text: string, oneLine = true): string {
  const body = oneLine ? escapeMessageText(text) : text;
  const plain = body === text && unescapeBashText(text) === text && !text.startsWith(ESCAPED_MARK);
  return plain ? text : ESCAPED_MARK + body;
}

/** The text encodeMessageText stored; unmarked (foreign or older) text verbatim but for bash's `\!`. */
export function decodeMessageText(stored: string, oneLine = true): string {
  if (!stored.startsWith(ESCAPED_MARK)) return unescapeBashText(stored);
  return oneLine ? unescapeMessageText(stored.slice(1)) : stored.slice(1);
}

/**
 * What coord meant by a line it wrote before the mark: its `\\`, `\n`, `\r` and
 * `\uXXXX` escapes read. Only for recognising such a line beside its transcript
 * copy (read/messageIdentity.ts); unmarked text still reads verbatim.
 */
export function unescapeUnmarked(text: string): string {
  return text.includes('\\') ? unescapeMessageText(text) : text;
}

/** Text from bash writers: only `\!` is an escape there. */
export function unescapeBashText(text: string): string {
  return text.includes('\\!') ? text.replace(/\\!/g, '!') : text;
}

/**
 * Makes untrusted text safe for a terminal: every control character except
 * newline and tab, and every bidirectional override, is shown as a visible
 * escape instead of being sent raw.
 */
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function sanitizeForTerminal(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * `bytes` as UTF-8 text; bytes that are not UTF-8 (or a UTF-16 surrogate
 * written as UTF-8) are refused, naming the first one's offset, instead of
 * being silently replaced with U+FFFD.
 */
export function decodeUtf8Strictly(bytes: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const surrogate = bytes[at] === 0xed && bytes[at + 1] >= 0xa0 && bytes[at + 1] <= 0xbf;
    throw new CoordError(
      'invalid-input',
      `${what} is not valid UTF-8: byte offset ${at} (0x${bytes[at].toString(16).padStart(2, '0')}) starts ` +
        `${surrogate ? 'a lone UTF-16 surrogate' : 'an invalid sequence'}; send the text as UTF-8`,
    );
  }
}

/** Every replacement the lenient decoder made that is not a real U+FFFD (EF BF BD) marks a bad byte. */
function firstInvalidUtf8(bytes: Buffer): number {
  const text = bytes.toString('utf8');
  let offset = 0;
  let from = 0;
  for (let i = text.indexOf('\ufffd'); i >= 0; i = text.indexOf('\ufffd', i + 1)) {
    offset += Buffer.byteLength(text.slice(from, i));
    from = i + 1;
    if (bytes[offset] !== 0xef || bytes[offset + 1] !== 0xbf || bytes[offset + 2] !== 0xbd) return offset;
    offset += 3;
  }
  return bytes.length;
}

/**
 * A copy of `s` that holds no reference to the text it was cut from (V8
 * keeps a whole text alive for any slice of 13 characters or more), for a
 * string kept long after that text is done with.
 */
export function detachedString(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf16le').toString('utf16le');
}
