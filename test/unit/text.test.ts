import * as assert from 'assert';
import { decodeMessageText, encodeMessageText, sanitizeForTerminal } from '../../src/core/common/text';
import { assertInstanceId, assertRoomName, isValidInstanceId, isValidRoomName } from '../../src/core/common/names';
import { CoordError } from '../../src/core/common/errors';
import { parseTimeInput, timestampToMillis } from '../../src/core/common/time';

describe('text escaping', () => {
  it('round-trips every control character and backslash', () => {
    let all = '';
    for (let c = 0; c < 0xa0; c++) all += String.fromCharCode(c);
    all += '\\n literal \\\\ \u2028\u2029 ✅';
    assert.strictEqual(decodeMessageText(encodeMessageText(all)), all);
    assert.strictEqual(
      decodeMessageText(encodeMessageText('\u2060starts with the mark')),
      '\u2060starts with the mark',
    );
  });
  it('stores text that needs no escape byte for byte, and marks escaped text', () => {
    assert.strictEqual(encodeMessageText('plain text ✅ tab\t'), 'plain text ✅ tab\t');
    assert.strictEqual(encodeMessageText('a\nb C:\\x'), '\u2060a\\nb C:\\\\x');
  });
  it("reads unmarked (older tools') text verbatim except bash \\!, and keeps unknown escapes in marked text", () => {
    assert.strictEqual(decodeMessageText('done\\! C:\\new\\table \\u0041'), 'done! C:\\new\\table \\u0041');
    assert.strictEqual(decodeMessageText('\u2060C:\\temp \\u0041 a\\nb'), 'C:\\temp \\u0041 a\nb');
  });
  it("keeps block transcript lines as they are, marking only text that bash's \\! rule would change", () => {
    assert.strictEqual(encodeMessageText('a\nb C:\\x', false), 'a\nb C:\\x');
    assert.strictEqual(encodeMessageText('yes\\!', false), '\u2060yes\\!');
    assert.strictEqual(decodeMessageText('\u2060yes\\!', false), 'yes\\!');
    assert.strictEqual(decodeMessageText('yes\\! C:\\new', false), 'yes! C:\\new');
  });
  it('neutralises terminal escapes and bidi overrides but keeps newlines and tabs', () => {
    const s = sanitizeForTerminal('red\u001b[31m bell\u0007 nl\n tab\t rlo\u202e end\u009b');
    assert.strictEqual(s, 'red\\x1b[31m bell\\x07 nl\n tab\t rlo\\u202e end\\x9b');
  });
});

describe('names', () => {
  it('accepts ordinary names and rejects traversal, separators and empties', () => {
    for (const ok of ['instance-1', 'agent_2', 'a.b', 'X']) assert.ok(isValidInstanceId(ok) && isValidRoomName(ok), ok);
    for (const bad of [
      '',
      '.',
      '..',
      '../etc',
      'a/b',
      'a\\b',
      '.hidden',
      'has space',
      'a:b',
      'x'.repeat(65),
      'a..b',
      'nul\u0000',
    ]) {
      assert.ok(!isValidInstanceId(bad) && !isValidRoomName(bad), JSON.stringify(bad));
    }
    assert.throws(
      () => assertRoomName('../x'),
      (e: unknown) => e instanceof CoordError && /invalid chatroom name/.test(e.message),
    );
    assert.throws(() => assertInstanceId('a/b'), CoordError);
  });
});

describe('time input', () => {
  it('parses dates, timestamps and ages', () => {
    const now = new Date(2025, 5, 15, 12, 0, 0);
    assert.strictEqual(parseTimeInput('2h', now), now.getTime() - 2 * 3600e3);
    assert.strictEqual(parseTimeInput('2025-06-15', now), new Date(2025, 5, 15).getTime());
    assert.strictEqual(parseTimeInput('2025-06-15 05:04:03', now), timestampToMillis('2025-06-15 05:04:03'));
    assert.ok(Number.isNaN(parseTimeInput('yesterday-ish', now)));
  });
});
