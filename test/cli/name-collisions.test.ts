/** Ids and room names that would collide with other files or read as options are refused with a clear error. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { freshDir, runCoord, snapshotTree, tempDir } from '../support/helpers';
import { skipBecause } from '../support/skip';

describe('identity and name collisions (as a process)', function () {
  this.timeout(60000);

  const refused = (dir: string, args: string[], as: string | undefined, pattern: RegExp) => {
    const before = snapshotTree(dir);
    const r = runCoord(args, { dir, as });
    // A bad name is bad input a user can cause: exit 1 (README; 2 is for usage, 3 for I/O).
    assert.strictEqual(r.code, 1, r.stderr);
    assert.strictEqual(r.stdout, '');
    assert.match(r.stderr, /^coord: error: /);
    assert.match(r.stderr, pattern);
    assert.deepStrictEqual(snapshotTree(dir), before, `${args.join(' ')} changed files`);
  };

  it("an id naming another instance's positions file, a DM receipts file, or starting with '-' is refused", () => {
    const dir = freshDir();
    refused(dir, ['send', '#general', 'x'], 'instance-3_positions', /invalid instance id/);
    refused(dir, ['send', '#general', 'x'], 'dm_a_b', /invalid instance id/);
    refused(dir, ['--as=--help', 'send', '#general', 'x'], undefined, /invalid instance id/);
    assert.ok(!fs.existsSync(path.join(dir, 'read-status', '--help.txt')));
  });

  it("room names starting with '-' or carrying line ends are refused, not trimmed", () => {
    const dir = freshDir();
    refused(dir, ['create-chatroom', '--', '--help', 'x'], 'instance-1', /invalid chatroom name/);
    refused(dir, ['create-chatroom', 'room\r\n', 'x'], 'instance-1', /invalid chatroom name/);
    const ok = runCoord(['create-chatroom', '  spaced  ', 'x'], { dir, as: 'instance-1' });
    assert.strictEqual(ok.code, 0, ok.stderr);
  });
});

describe('misleading errors (as a process)', function () {
  this.timeout(60000);

  it('a message number too large to be one says so, not "must be 1 or more"', () => {
    const dir = freshDir();
    for (const args of [
      ['mark-read', '99999999999999999999999'],
      ['reply', '99999999999999999999999', 'x'],
    ]) {
      const r = runCoord(args, { dir, as: 'instance-1' });
      assert.strictEqual(r.code, 2, r.stderr);
      assert.match(r.stderr, /^coord: error: message number '99999999999999999999999' is too large/);
    }
  });

  const oneLineError = (r: { code: number; stdout: string; stderr: string }, code: number, pattern: RegExp) => {
    assert.strictEqual(r.code, code, r.stderr);
    assert.strictEqual(r.stdout, '');
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.strictEqual(lines.length, 1, r.stderr);
    assert.match(lines[0], /^coord: error: /);
    assert.match(lines[0], pattern);
  };

  it('init under a loop of symbolic links names the loop, not "is a symbolic link"', () => {
    const tmp = tempDir();
    fs.symlinkSync('loop', path.join(tmp, 'loop'));
    const r = runCoord(['init', path.join(tmp, 'loop', 'a', 'coord')]);
    oneLineError(r, 3, new RegExp(`${path.join(tmp, 'loop')} is a loop of symbolic links`));
    assert.doesNotMatch(r.stderr, /is a symbolic link;/);
    assert.deepStrictEqual(fs.readdirSync(tmp), ['loop']);
  });

  it('init where directories cannot be made (/proc) fails at once with one line', function () {
    if (!fs.existsSync('/proc/self')) skipBecause(this, 'no /proc file system on this machine');
    const started = Date.now();
    const r = runCoord(['init', '/proc/coord-no-such/coordination'], { timeout: 10_000 });
    oneLineError(r, 3, /cannot create directory \/proc\/coord-no-such\/coordination: \/proc exists but/);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });

  it('text on stdin that is not UTF-8 (a bad byte, a lone surrogate) is refused at its byte offset', () => {
    const dir = freshDir();
    const cases: Array<[Buffer, RegExp]> = [
      [Buffer.from([0x61, 0xc3, 0xa9, 0xff, 0x62]), /byte offset 3 \(0xff\) starts an invalid sequence/],
      [
        Buffer.from([0xef, 0xbf, 0xbd, 0x61, 0xed, 0xa0, 0x80]),
        /byte offset 4 \(0xed\) starts a lone UTF-16 surrogate/,
      ],
      [Buffer.from([0x61, 0xe2, 0x82]), /byte offset 1 \(0xe2\)/],
    ];
    for (const [input, pattern] of cases) {
      for (const args of [
        ['send', '#general', '--stdin'],
        ['send', '#general', '-'],
      ]) {
        const before = snapshotTree(dir);
        const r = runCoord(args, { dir, as: 'instance-1', input });
        oneLineError(r, 1, /the message on stdin is not valid UTF-8: /);
        assert.match(r.stderr, pattern);
        assert.deepStrictEqual(snapshotTree(dir), before, `${args.join(' ')} changed files`);
      }
    }
    // A real U+FFFD is text like any other.
    const ok = runCoord(['--json', 'send', '#general', '--stdin'], {
      dir,
      as: 'instance-1',
      input: Buffer.from('ok \ufffd\n', 'utf8'),
    });
    assert.strictEqual(ok.code, 0, ok.stderr);
    const shown = runCoord(['--json', 'check-chatroom', 'general'], { dir, as: 'instance-1' });
    assert.ok(shown.stdout.includes('ok \ufffd'), shown.stdout);
  });
});
