/**
 * Files edited by hand while a reader (the extension's library object) is
 * live: each edit is picked up by the next refresh() — which the extension
 * calls from its file watcher — with numbers that match Python's count of the
 * edited file, and the next write numbers right after it.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { freshDir, runCoord } from '../support/helpers';
import { core, pythonLines } from './support/check';

function send(dir: string, text: string, as = 'instance-1'): number {
  const r = runCoord(['--json', 'send', '#general', text], { dir, as });
  assert.strictEqual(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).number;
}

function logFile(dir: string): string {
  return path.join(dir, 'data', 'messages.log');
}

function numbered(c: ReturnType<typeof core.openCoordination>): Array<[number, string]> {
  return c
    .messages()
    .filter((m) => m.number !== null)
    .map((m) => [m.number as number, m.text]);
}

describe('fault: files edited by hand while a reader is live', function () {
  this.timeout(60_000);
  let dir: string;
  let live: ReturnType<typeof core.openCoordination>;
  beforeEach(() => {
    dir = freshDir();
    for (let i = 1; i <= 6; i++) send(dir, `message ${i}`);
    live = core.openCoordination({ dir, instance: 'instance-2' });
    live.refresh();
  });

  const edits: Array<[string, (text: string) => string, (lines: Array<[number, string]>) => void]> = [
    [
      'a line appended by hand (as the Python tool does)',
      (t) => t + '[2025-06-15 05:00:00] instance-3 -> #general: typed by hand\n',
      (l) => assert.deepStrictEqual(l[6], [7, 'typed by hand']),
    ],
    [
      'a line inserted in the middle',
      (t) => {
        const ls = t.split('\n');
        ls.splice(2, 0, '[2025-06-15 05:00:00] instance-3 -> #general: inserted');
        return ls.join('\n');
      },
      (l) => {
        assert.deepStrictEqual(l[2], [3, 'inserted']);
        assert.deepStrictEqual(l[3], [4, 'message 3']);
      },
    ],
    [
      'a line deleted',
      (t) => {
        const ls = t.split('\n');
        ls.splice(1, 1);
        return ls.join('\n');
      },
      (l) => {
        assert.strictEqual(l.length, 5);
        assert.deepStrictEqual(l[1], [2, 'message 3']);
      },
    ],
    [
      'a text changed by an editor (length changes)',
      (t) => t.replace('message 4', 'message four'),
      (l) => assert.deepStrictEqual(l[3], [4, 'message four']),
    ],
    [
      'line endings converted to CRLF',
      (t) => t.replace(/\n/g, '\r\n'),
      (l) => {
        assert.strictEqual(l.length, 6);
        assert.deepStrictEqual(l[5], [6, 'message 6']);
      },
    ],
    ['the file truncated to nothing', () => '', (l) => assert.strictEqual(l.length, 0)],
    [
      'the file replaced by another (editor save: new inode)',
      (t) => t.split('\n').slice(0, 3).join('\n') + '\n',
      (l) => assert.strictEqual(l.length, 3),
    ],
  ];

  for (const [what, edit, check] of edits) {
    it(`messages.log: ${what} is picked up, numbers as Python counts them, next send follows`, () => {
      const file = logFile(dir);
      const edited = edit(fs.readFileSync(file, 'utf8'));
      if (what.includes('new inode')) {
        fs.writeFileSync(file + '.tmp', edited, { mode: 0o600 });
        fs.renameSync(file + '.tmp', file);
      } else {
        fs.writeFileSync(file, edited);
      }
      assert.ok(live.refresh() || what.includes('same length'), 'refresh() reports the change');
      live.refresh();
      const lines = numbered(live);
      check(lines);
      const expected = pythonLines(fs.readFileSync(file, 'utf8')).length;
      assert.strictEqual(
        lines.length === 0 ? 0 : lines[lines.length - 1][0],
        expected,
        'the last number is the physical line count',
      );
      assert.strictEqual(send(dir, 'after the edit'), expected + 1, 'the writer (and its checkpoint) saw the edit');
      live.refresh();
      assert.deepStrictEqual(numbered(live).pop(), [expected + 1, 'after the edit']);
    });
  }

  it('messages.log: a text changed in place with the same length (no size change) is picked up', () => {
    const file = logFile(dir);
    const before = fs.statSync(file).mtimeMs;
    // A person edits later than the last write: let the file-system clock (coarse, a few ms) move past it first.
    while (Date.now() < before + 50) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('message 2', 'MESSAGE 2'));
    assert.notStrictEqual(fs.statSync(file).mtimeMs, before, 'the edit has a new modification time');
    live.refresh();
    assert.deepStrictEqual(numbered(live)[1], [2, 'MESSAGE 2']);
  });

  it('chatroom-status.txt edited by hand (a room closed) is picked up and enforced by the next send', () => {
    const file = path.join(dir, 'data', 'chatroom-status.txt');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^general:open:/m, 'general:closed:'));
    live.refresh();
    assert.strictEqual(live.getChatroom('general').status, 'closed');
    const r = runCoord(['send', '#general', 'x'], { dir, as: 'instance-1' });
    assert.notStrictEqual(r.code, 0);
    assert.match(r.stderr, /closed/);
  });

  it('a new room transcript dropped in by hand appears as an open room with its messages', () => {
    fs.writeFileSync(
      path.join(dir, 'chatrooms', 'handmade.txt'),
      "[2025-06-15 05:00:00] SYSTEM: Chatroom 'handmade' created by instance-3\n[2025-06-15 05:00:01] FROM: instance-3\nID: 1234abcd\nMESSAGE: from a bash script\n---\n",
      { mode: 0o600 },
    );
    assert.ok(live.refresh());
    assert.strictEqual(live.getChatroom('handmade').status, 'open');
    assert.deepStrictEqual(
      live.checkChatroom('handmade').map((m) => m.text),
      ['from a bash script'],
    );
  });

  it('status.txt and status_<id>.txt edited by hand are picked up (newest wins)', () => {
    fs.writeFileSync(
      path.join(dir, 'data', 'status.txt'),
      'instance-3: fixing the build  (updated: 2030-01-01 00:00:00)\n',
      { mode: 0o600 },
    );
    live.refresh();
    assert.strictEqual(live.statuses()['instance-3']?.text, 'fixing the build');
    fs.writeFileSync(path.join(dir, 'data', 'status_instance-3.txt'), '[2030-01-02 00:00:00] reviewing', {
      mode: 0o600,
    });
    live.refresh();
    assert.strictEqual(live.statuses()['instance-3']?.text, 'reviewing');
  });

  it('read marks added by hand are picked up in the unread counts', () => {
    assert.strictEqual(live.unreadCounts().total, 6);
    // Marks older than the message are stale (a log that was reset): use the time now.
    const now = new Date(Date.now() + 1000);
    const p2 = (n: number) => String(n).padStart(2, '0');
    const ts = `${now.getFullYear()}-${p2(now.getMonth() + 1)}-${p2(now.getDate())} ${p2(now.getHours())}:${p2(now.getMinutes())}:${p2(now.getSeconds())}`;
    fs.appendFileSync(path.join(dir, 'read-status', 'instance-2.txt'), `1: read at ${ts}\n2:${ts}\n`);
    live.refresh();
    assert.strictEqual(live.unreadCounts().total, 4);
  });

  it('a transcript or the log deleted by hand: the reader follows, nothing crashes', () => {
    fs.rmSync(path.join(dir, 'chatrooms', 'general.txt'));
    live.refresh();
    assert.strictEqual(numbered(live).length, 6, 'the log still has every message');
    fs.rmSync(logFile(dir));
    live.refresh();
    assert.strictEqual(numbered(live).length, 0);
    assert.strictEqual(send(dir, 'fresh start'), 1);
  });
});
