/**
 * Pure helpers of the extension and the core, outside VS Code: the text shown
 * from messages in notifications and prompts, and which paths under the
 * directory are our own bookkeeping (the watcher ignores those).
 */
import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';
import { inertText } from '../../src/extension/model';
import { isBookkeepingPath } from '../../src/core';

describe('text from messages in notifications and prompts', () => {
  it('cannot form a link: "](" is broken, the text otherwise kept', () => {
    const hostile =
      '@instance-1 [Mark all read](command:coordination.markAllRead) [site](https://example.com) [x] (y) <b>b</b>';
    const shown = inertText(hostile);
    assert.ok(!/\]\(/.test(shown), shown);
    assert.ok(!/\[[^\]]+\]\((?:https?:|command:|file:)/i.test(shown), shown);
    assert.strictEqual(
      shown,
      '@instance-1 [Mark all read] (command:coordination.markAllRead) [site] (https://example.com) [x] (y) <b>b</b>',
    );
    assert.strictEqual(inertText('[a]\n(command:x)'), '[a] (command:x)');
  });

  it('shows bidi controls as visible codes', () => {
    assert.strictEqual(
      inertText('Invoice \u202Efdp.exe\u202C and \u2067x\u2069 \u200F'),
      'Invoice ⟨U+202E⟩fdp.exe⟨U+202C⟩ and ⟨U+2067⟩x⟨U+2069⟩ ⟨U+200F⟩',
    );
  });
});

describe('bookkeeping paths', () => {
  it('tells our own bookkeeping files from the data', () => {
    const d = path.join(os.tmpdir(), 'some-workspace', 'coordination');
    for (const p of [
      'data/.coord.lock',
      'data/.coord.lock/x',
      'data/.coord-log-index.json',
      'data/.coord-log-index.json.3141592653',
      'data/.coord-search-index',
      'data/.coord-search-index.123.1700000000000.tmp',
      'data/messages.log.2718281828',
      'read-status/instance-1.txt.tmp-abc',
      'data/status.txt.tmp',
    ]) {
      assert.ok(isBookkeepingPath(path.join(d, p)), p);
    }
    for (const p of [
      'data/messages.log',
      'data/status.txt',
      'data/status_instance-2.txt',
      'chatrooms/v1.2.txt',
      'read-status/instance-1.txt',
      'read-status/instance-1_positions.txt',
      'dms/dm_a_b.txt',
      'inboxes/instance-1.txt',
      'data/chatroom-status.txt',
    ]) {
      assert.ok(!isBookkeepingPath(path.join(d, p)), p);
    }
  });
});
