import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { copySample, runCoord, snapshotTree, tempDir } from '../support/helpers';

interface Case {
  name: string;
  args: string[];
  as?: string | null;
  input?: string;
  /** What the one-line error must say. */
  error: RegExp;
  /** The documented exit code: 2 usage, 1 anything else a user can cause, 3 I/O. */
  code: 1 | 2 | 3;
}

const big = 'x'.repeat(64 * 1024 + 1);

const CASES: Case[] = [
  {
    name: 'no identity for a write',
    args: ['send', '#general', 'hi'],
    as: null,
    error: /no identity: pass --as ID or set CLAUDE_INSTANCE_ID/,
    code: 1,
  },
  {
    name: 'invalid --as',
    args: ['send', '#general', 'hi'],
    as: '../evil',
    error: /invalid instance id \(--as \/ CLAUDE_INSTANCE_ID\) "\.\.\/evil"/,
    code: 1,
  },
  { name: 'empty message', args: ['send', '#general', '   '], error: /message text is empty/, code: 1 },
  { name: 'no message at all', args: ['send', '#general'], error: /message text is empty/, code: 1 },
  { name: 'message over 64 KiB', args: ['send', '#general', big], error: /limit is 65536 \(64 KiB\)/, code: 1 },
  {
    name: 'unknown room',
    args: ['send', '#nope', 'hi'],
    error: /unknown chatroom 'nope': open rooms are #ai-messaging, .*create one with/,
    code: 1,
  },
  {
    name: 'closed room',
    args: ['send', '#system-testing', 'hi'],
    error: /chatroom #system-testing is closed .*reopen it with/,
    code: 1,
  },
  {
    name: 'room name with traversal',
    args: ['send', '#../../etc/passwd', 'hi'],
    error: /invalid chatroom name/,
    code: 1,
  },
  {
    name: 'room name with a slash',
    args: ['create-chatroom', 'a/b', 'desc'],
    error: /invalid chatroom name "a\/b"/,
    code: 1,
  },
  {
    name: 'duplicate room, other case',
    args: ['create-chatroom', 'GENERAL', 'dup'],
    error: /chatroom 'general' already exists \(names are unique regardless of case\)/,
    code: 1,
  },
  { name: 'empty target', args: ['send', '', 'hi'], error: /empty target: send to #room or @instance/, code: 1 },
  { name: 'bare @', args: ['send', '@', 'hi'], error: /empty target/, code: 1 },
  {
    name: 'unknown instance',
    args: ['send', '@nobody', 'hi'],
    error: /unknown instance 'nobody': known instances are @instance-1, @instance-2, @instance-3/,
    code: 1,
  },
  {
    name: 'direct message to oneself',
    args: ['send-dm', 'instance-2', 'hi'],
    error: /you are instance-2: a direct message needs another instance \(@instance-1, @instance-3/,
    code: 1,
  },
  {
    name: 'invalid instance name',
    args: ['send-dm', 'a/../b', 'hi'],
    error: /invalid recipient "a\/\.\.\/b"/,
    code: 1,
  },
  {
    name: 'unknown bare target',
    args: ['send', 'whoever', 'hi'],
    error: /unknown target 'whoever': use #room .* or @instance/,
    code: 1,
  },
  { name: 'reply to a number past the log', args: ['reply', '999', 'hi'], error: /no message #999/, code: 1 },
  { name: 'reply to a non-number', args: ['reply', 'abc', 'hi'], error: /'abc' is not a message number/, code: 2 },
  { name: 'reply to zero', args: ['reply', '0', 'hi'], error: /must be 1 or more/, code: 2 },
  {
    name: 'reply in a closed room',
    args: ['reply', 'e88248ef', 'hi'],
    error: /chatroom #system-testing is closed/,
    code: 1,
  },
  {
    name: "reply to others' DM",
    args: ['reply', '8c10dbe0', 'hi'],
    as: 'instance-1',
    error: /is a direct message between instance-3 and instance-2/,
    code: 1,
  },
  { name: 'mark-read nothing', args: ['mark-read', ','], error: /mark-read needs message numbers/, code: 2 },
  { name: 'mark-read backwards range', args: ['mark-read', '20-10'], error: /must go from low to high/, code: 2 },
  { name: 'mark-read huge range', args: ['mark-read', '1-1000000'], error: /longer than 100000 messages/, code: 2 },
  { name: 'mark-read all plus numbers', args: ['mark-read', 'all', '3'], error: /'all' cannot be combined/, code: 2 },
  { name: 'mark-read unknown number', args: ['mark-read', '5'], error: /no message #5/, code: 1 },
  { name: 'mark-read junk', args: ['mark-read', 'seven'], error: /'seven' is not a message number/, code: 2 },
  { name: 'close unknown room', args: ['close-chatroom', 'nope', 'why'], error: /unknown chatroom 'nope'/, code: 1 },
  {
    name: 'close closed room',
    args: ['close-chatroom', 'system-testing', 'again'],
    error: /already closed; nothing to close/,
    code: 1,
  },
  {
    name: 'reopen open room',
    args: ['reopen-chatroom', 'general', 'x'],
    error: /already open; nothing to reopen/,
    code: 1,
  },
  { name: 'empty status', args: ['update-status', ' '], error: /status text is empty/, code: 1 },
  {
    name: 'bad --limit',
    args: ['check-unread', '--limit', '-3'],
    error: /--limit takes a whole number of at least 1/,
    code: 2,
  },
  { name: 'bad --recent', args: ['search', 'x', '--recent', 'lots'], error: /--recent takes a whole number/, code: 2 },
  { name: 'invalid regex', args: ['search', '(unclosed', '--regex'], error: /invalid regular expression/, code: 1 },
  {
    name: 'bad --since',
    args: ['search', 'x', '--since', 'someday'],
    error: /--since 'someday' is not a time/,
    code: 1,
  },
  {
    name: 'unknown command',
    args: ['sned', '#general', 'hi'],
    error: /unknown command 'sned' \(Did you mean send\?\)/,
    code: 2,
  },
  { name: 'unknown option', args: ['send', '#general', 'hi', '--shout'], error: /unknown option '--shout'/, code: 2 },
  { name: 'missing argument', args: ['reply'], error: /missing required argument 'number'/, code: 2 },
  { name: 'check unknown room', args: ['check-chatroom', 'nope'], error: /unknown chatroom 'nope'/, code: 1 },
  {
    name: 'text on args and stdin',
    args: ['send', '#general', 'a', '--stdin'],
    input: 'b',
    error: /either as arguments or on stdin/,
    code: 2,
  },
];

describe('bad input: one-line error, non-zero exit, no file changed', function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = copySample();
  });

  for (const c of CASES) {
    it(c.name, () => {
      const before = snapshotTree(dir);
      const r = runCoord(c.args, { dir, as: c.as === null ? undefined : (c.as ?? 'instance-2'), input: c.input });
      assert.strictEqual(r.code, c.code, `exit code (stderr: ${r.stderr.trim()})`);
      assert.strictEqual(r.stdout, '');
      const lines = r.stderr.split('\n').filter(Boolean);
      assert.strictEqual(lines.length, 1, `one line, got: ${r.stderr}`);
      assert.match(lines[0], /^coord: error: /);
      assert.match(lines[0], c.error);
      assert.ok(lines[0].length < 2000, 'bounded length');
      assert.deepStrictEqual(snapshotTree(dir), before, 'no file changed');
    });
  }

  it('a missing --dir, a file as --dir, and a plain directory are clear errors', () => {
    const tmp = tempDir();
    const file = path.join(tmp, 'file');
    fs.writeFileSync(file, 'x');
    const cases: Array<[string, RegExp]> = [
      [path.join(tmp, 'missing'), /does not exist; create it with 'coord init/],
      [file, /is not a directory/],
      [tmp, /is not a coordination directory \(it has no data\/, chatrooms\/ or inboxes\/\); run 'coord init/],
    ];
    for (const [d, re] of cases) {
      const r = runCoord(['send', '#general', 'x'], { dir: d, as: 'instance-1' });
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, re);
    }
    const none = runCoord(['list-chatrooms'], { cwd: tmp });
    assert.strictEqual(none.code, 1);
    assert.match(none.stderr, /no coordination directory found here or above/);
    assert.deepStrictEqual(fs.readdirSync(tmp).sort(), ['file']);
  });
});
