/**
 * SIGTERM (timeout, kill) and SIGINT (Ctrl-C) stop any command within a
 * second, even in the middle of long synchronous work on a large directory,
 * and leave no lock behind. Real `coord` processes on a generated directory.
 */
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CLI, generateDirectory, tempDir } from '../support/helpers';

/** Runs coord, sends `signal` once it has run `afterMs`, and says how long it took to end after that. */
function interrupt(
  dir: string,
  args: string[],
  signal: NodeJS.Signals,
  afterMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; endedMs: number; ranMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const c = spawn(process.execPath, [CLI, '--dir', dir, '--as', 'instance-1', ...args], { stdio: 'ignore' });
    let sentAt = 0;
    const timer = setTimeout(() => {
      sentAt = Date.now();
      c.kill(signal);
    }, afterMs);
    c.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, endedMs: sentAt ? Date.now() - sentAt : -1, ranMs: Date.now() - started });
    });
  });
}

describe('signals stop long commands at once (real processes)', function () {
  this.timeout(300000);
  let dir: string;

  before(async () => {
    dir = path.join(tempDir(), 'coordination');
    await generateDirectory(dir, 150000, 3);
  });

  const cases: Array<[string, string[], NodeJS.Signals]> = [
    ['search (building the index)', ['search', 'deploy failed'], 'SIGTERM'],
    ['mark-read all', ['mark-read', 'all'], 'SIGINT'],
    ['check-unread', ['check-unread'], 'SIGTERM'],
    ['list-chatrooms', ['list-chatrooms'], 'SIGINT'],
  ];
  for (const [name, args, signal] of cases) {
    it(`${name}: ${signal} ends it within a second, leaving no lock`, async () => {
      fs.rmSync(path.join(dir, 'data', '.coord-search-index'), { force: true });
      const r = await interrupt(dir, args, signal, 600);
      assert.ok(
        r.endedMs >= 0,
        `the command ended by itself after ${r.ranMs} ms, before the signal: make the directory larger`,
      );
      assert.strictEqual(r.signal, signal, `exit code ${r.code}`);
      assert.ok(r.endedMs < 1000, `took ${r.endedMs} ms to stop after ${signal}`);
      assert.ok(!fs.existsSync(path.join(dir, 'data', '.coord.lock')), 'a lock was left behind');
    });
  }

  // The files mark-read writes for `me`; a write lands whole or leaves them as they were.
  const written = (me: string) => [
    `read-status/${me}.txt`,
    'data/read-receipts.log',
    `inboxes/${me}.txt`,
    `read-status/${me}_positions.txt`,
  ];
  const snapshot = (files: string[]) =>
    files.map((f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'latin1') : null));

  const moments: Array<[string, string, NodeJS.Signals, 'appears' | 'goes']> = [
    ['while it holds the write lock', 'instance-1', 'SIGTERM', 'appears'],
    ['just after it let go of the write lock', 'instance-3', 'SIGINT', 'goes'],
  ];
  /** What check-unread lists for `me` (a full load: the index is gone). */
  const unreadIds = (me: string): string[] => {
    const r = spawnSync(process.execPath, [CLI, '--dir', dir, '--as', me, '--json', 'check-unread'], {
      maxBuffer: 1 << 30,
    });
    assert.strictEqual(r.status, 0, String(r.stderr));
    return JSON.parse(String(r.stdout)).map((m: { id: string }) => m.id);
  };
  /** The inbox's `STATUS:` line of each block, by the block's ID. */
  const inboxStatus = (text: string | null) =>
    new Map([...(text ?? '').matchAll(/^ID: (\S+)\n(?:.*\n)*?STATUS: (\w+)$/gm)].map((m) => [m[1], m[2]]));

  for (const [when, me, signal, moment] of moments) {
    it(`mark-read all: ${signal} ${when} ends it within a second; the write landed whole or not at all`, async () => {
      fs.rmSync(path.join(dir, 'data', '.coord-search-index'), { force: true });
      const lock = path.join(dir, 'data', '.coord.lock');
      const before = snapshot(written(me));
      const r = await new Promise<{
        code: number | null;
        signal: NodeJS.Signals | null;
        endedMs: number;
        sawLock: boolean;
      }>((resolve) => {
        const c = spawn(process.execPath, [CLI, '--dir', dir, '--as', me, 'mark-read', 'all'], { stdio: 'ignore' });
        let sawLock = false;
        let sentAt = 0;
        const poll = setInterval(() => {
          const locked = fs.existsSync(lock);
          if (locked) sawLock = true;
          if (!sentAt && sawLock && (moment === 'appears' || !locked)) {
            sentAt = Date.now();
            c.kill(signal);
          }
        }, 1);
        c.on('close', (code, sig) => {
          clearInterval(poll);
          resolve({ code, signal: sig, endedMs: sentAt ? Date.now() - sentAt : -1, sawLock });
        });
      });
      assert.ok(r.sawLock && r.endedMs >= 0, 'the lock was never seen, or the command ended before the signal');
      // Once the lock is gone little work is left: the command may end on its own, having succeeded, in the
      // moment before the signal reaches it. Holding the lock, it is always the signal that ends it.
      if (moment === 'goes' && r.signal === null) assert.strictEqual(r.code, 0, 'ended on its own, and succeeded');
      else assert.strictEqual(r.signal, signal);
      assert.ok(r.endedMs < 1000, `took ${r.endedMs} ms to stop after ${signal}`);
      assert.ok(!fs.existsSync(lock), 'a lock was left behind');
      const leftovers = fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).includes('.tmp-'));
      assert.deepStrictEqual(leftovers, [], 'temporary files left behind');
      const after = snapshot(written(me));
      if (after.some((text, i) => text !== before[i])) {
        // Landed: every file changed, inbox blocks only turned from unread to read, nothing is unread.
        after.forEach((text, i) => assert.notStrictEqual(text, before[i], `${written(me)[i]} was not written`));
        const [was, now] = [inboxStatus(before[2]), inboxStatus(after[2])];
        assert.ok(was.size > 100 && now.size === was.size, 'the inbox keeps its blocks');
        const flipped = [...was].filter(([id, status]) => now.get(id) !== status);
        assert.ok(flipped.length > 100, `only ${flipped.length} inbox blocks turned read`);
        for (const [id, status] of flipped) assert.deepStrictEqual([status, now.get(id)], ['unread', 'read'], id);
        assert.deepStrictEqual(unreadIds(me), [], 'messages left unread');
      }
    });
  }
});
