/**
 * Pure helpers of the extension and the core, outside VS Code: the text shown
 * from messages in notifications and prompts, message labels, conversations,
 * relative times and idleness in the tree, and which paths under the
 * directory are our own bookkeeping (the watcher ignores those).
 */
import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';
import {
  conversationOf,
  inertText,
  refLabel,
  relativeTime,
  snippet,
  timeMillis,
} from '../../src/extension/common/messageFormat';
import type { Message } from '../../src/core';
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
      'data/.coord-read-marks-instance-2',
      'data/.coord-read-marks-instance-2.tmp-123-0',
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

describe('labels, conversations and times in the views', () => {
  const msg = (from: string, target: string): Message =>
    ({ number: 3, id: 'abcdef12', time: '2025-06-15 05:00:00', from, target, text: 't', replyTo: null }) as Message;

  it('refers to a message by its number, or by its legacy id when it has none', () => {
    assert.strictEqual(refLabel({ number: 12, id: 'abcdef12' }), '#12');
    assert.strictEqual(refLabel({ number: null, id: '70986932' }), '70986932');
  });

  it('puts a message in its room, or in the conversation with the other instance', () => {
    assert.strictEqual(conversationOf(msg('instance-2', '#general'), 'instance-1'), '#general');
    assert.strictEqual(conversationOf(msg('instance-2', '@instance-1'), 'instance-1'), '@instance-2');
    assert.strictEqual(conversationOf(msg('instance-1', '@instance-3'), 'instance-1'), '@instance-3');
  });

  it('folds a message onto one line of at most max characters', () => {
    assert.strictEqual(snippet('a\n  b\tc'), 'a b c');
    assert.strictEqual(snippet('x'.repeat(10), 5), 'xxxx…');
    assert.strictEqual(snippet('x'.repeat(5), 5), 'xxxxx');
  });

  it('says how long ago a local time was, and calls a status older than 30 minutes idle', () => {
    const t = '2025-06-15 05:00:00';
    const at = timeMillis(t);
    assert.ok(!Number.isNaN(at));
    assert.strictEqual(relativeTime(t, at + 30_000), 'just now');
    assert.strictEqual(relativeTime(t, at + 5 * 60_000), '5 min ago');
    assert.strictEqual(relativeTime(t, at + 3 * 3_600_000), '3 h ago');
    assert.strictEqual(relativeTime(t, at + 86_400_000), '1 day ago');
    assert.strictEqual(relativeTime(t, at + 2 * 86_400_000), '2 days ago');
    assert.strictEqual(relativeTime('garbled'), 'garbled');
  });
});
