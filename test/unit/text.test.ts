import * as assert from 'assert';
import { escapeMessageText, sanitizeForTerminal, unescapeMessageText } from '../../src/core/common/text';
import { assertInstanceId, assertRoomName, isValidInstanceId, isValidRoomName } from '../../src/core/common/names';
import { CoordError } from '../../src/core/common/errors';
import { parseTimeInput, timestampToMillis } from '../../src/core/common/time';

describe('text escaping', () => {
  it('round-trips every control character and backslash', () => {
    let all = '';
    for (let c = 0; c < 0xa0; c++) all += String.fromCharCode(c);
    all += '\\n literal \\\\ \u2028\u2029 ✅';
    assert.strictEqual(unescapeMessageText(escapeMessageText(all)), all);
  });
  it('reads bash \\! and leaves unknown escapes alone', () => {
    assert.strictEqual(unescapeMessageText('done\\! C:\\temp \\u0041'), 'done! C:\\temp \\u0041');
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
