/**
 * The write lock is never taken from a live holder: a holder that works
 * longer than the stale limit without yielding keeps it, concurrent `coord`
 * writers wait and never write meanwhile, and a lock taken over anyway (an
 * older coord, a hand removal) aborts the holder's write instead of letting
 * two writers overlap. Real processes on real directories.
 */
import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
// The module object itself (not the namespace copy `import * as` makes), so a test can stand in for mkdirSync.
import fsModule = require('fs');
import { appendWhole } from '../../src/core/disk/fsutil';
import { withLock } from '../../src/core/disk/lock';
import { CLI, freshDir } from '../support/helpers';
import { checkDirectory } from './support/check';

const HOLDER = path.join(__dirname, 'support', 'slowHolder.js');

interface Line {
  locked?: number;
  before?: number;
  after?: number;
  released?: number;
  error?: string;
}

function startHolder(args: string[]): { child: ChildProcess; lines: Line[]; next: () => Promise<Line> } {
  const child = spawn(process.execPath, [HOLDER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Line[] = [];
  const waiting: Array<(l: Line) => void> = [];
  let buf = '';
  child.stdout!.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = JSON.parse(buf.slice(0, i)) as Line;
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const next = () =>
    new Promise<Line>((resolve) => {
      const ready = lines.shift();
      if (ready) resolve(ready);
      else waiting.push(resolve);
    });
  return { child, lines, next };
}

/**
 * Does to the holder's lock what an older coord does to a lock it judges
 * stale (removes it and makes its own), lets the holder go on, and checks
 * its write was aborted and undone and the other lock left alone.
 */
async function expectTakeOverUndone(dir: string, holder: { next: () => Promise<Line> }): Promise<void> {
  const lock = path.join(dir, 'data', '.coord.lock');
  fs.rmSync(lock, { recursive: true, force: true });
  fs.mkdirSync(lock);
  fs.writeFileSync(path.join(dir, 'go'), '');
  const result = await holder.next();
  assert.match(result.error ?? '', /taken over by another process while this write held it/);
  assert.ok(!fs.existsSync(path.join(dir, 'data', 'holder.txt')), 'the aborted write left a file');
  assert.ok(fs.existsSync(lock), "the other process's lock was left alone");
}

function coord(dir: string, as: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, '--dir', dir, '--as', as, '--json', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    c.stdout!.on('data', (d) => (out += d));
    c.stderr!.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('the write lock under a slow holder (real processes)', function () {
  this.timeout(120000);

  it('a holder busy longer than the stale limit keeps the lock: concurrent sends wait, none writes meanwhile', async () => {
    const dir = freshDir();
    const holder = startHolder([dir, 'busy', '4000']);
    const locked = await holder.next();
    assert.ok(locked.locked, JSON.stringify(locked));
    const sends = Array.from({ length: 4 }, (_, k) => coord(dir, `instance-${k + 1}`, ['send', '#general', `w${k}`]));
    const held = await holder.next();
    assert.strictEqual(held.error, undefined, `the holder's write was refused: ${held.error}`);
    assert.strictEqual(held.after, held.before, 'messages.log grew while another process held the lock');
    assert.ok(held.released! - locked.locked! >= 4000);
    const results = await Promise.all(sends);
    for (const r of results) assert.strictEqual(r.code, 0, r.err);
    const acks = results.map((r) => JSON.parse(r.out));
    assert.deepStrictEqual(acks.map((a) => a.number).sort(), [1, 2, 3, 4]);
    checkDirectory(
      dir,
      acks.map((m) => ({ number: m.number, id: m.id, text: m.text, target: m.target })),
    );
    assert.strictEqual(fs.readFileSync(path.join(dir, 'data', 'holder.txt'), 'utf8'), 'written under the lock\n');
    assert.ok(!fs.existsSync(path.join(dir, 'data', '.coord.lock')), 'no lock left behind');
  });

  it('a lock taken over while held (as an older coord would) aborts the holder write, which leaves nothing', async () => {
    const dir = freshDir();
    const holder = startHolder([dir, 'wait']);
    await holder.next();
    await expectTakeOverUndone(dir, holder);
  });

  it('a lock taken over after the last change of a write is found as the write ends, and the change undone', async () => {
    const dir = freshDir();
    const holder = startHolder([dir, 'last']);
    await holder.next();
    assert.ok(fs.existsSync(path.join(dir, 'data', 'holder.txt')), 'the change was made under the lock');
    await expectTakeOverUndone(dir, holder);
  });

  it('SIGTERM to a holder in the middle of its work removes the lock as the process dies', async () => {
    const dir = freshDir();
    const holder = startHolder([dir, 'busy', '1500']);
    await holder.next();
    holder.child.kill('SIGTERM');
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      holder.child.on('close', (c, sig) => resolve([c, sig])),
    );
    assert.deepStrictEqual([code, signal], [null, 'SIGTERM']);
    assert.ok(!fs.existsSync(path.join(dir, 'data', '.coord.lock')), 'a lock was left behind');
  });

  it('the lock of a holder that was SIGKILLed is taken over at once (its process is gone)', async () => {
    const dir = freshDir();
    const holder = startHolder([dir, 'wait']);
    await holder.next();
    holder.child.kill('SIGKILL');
    await new Promise((resolve) => holder.child.on('close', resolve));
    assert.ok(fs.existsSync(path.join(dir, 'data', '.coord.lock')), 'the crash left the lock directory behind');
    const started = Date.now();
    const r = await coord(dir, 'instance-1', ['send', '#general', 'after the crash']);
    assert.strictEqual(r.code, 0, r.err);
    assert.ok(Date.now() - started < 1500, `waited ${Date.now() - started} ms for a dead holder`);
    assert.strictEqual(JSON.parse(r.out).number, 1);
  });
});

describe('the write lock when a stalled contender names itself in it', function () {
  this.timeout(60000);
  const lockOf = (dir: string) => path.join(dir, 'data', '.coord.lock');
  // What a contender leaves that made the lock directory, stalled past the stale limit (so the lock was taken
  // over and made anew), then named itself: its owner name in the new holder's lock.
  const stalledName = 'owner-999999-x-0123456789abcdef01234567-6f74686572';

  it('a writer that finds a second name beside its own as it takes the lock backs off until the lock is its alone', async () => {
    const dir = freshDir();
    const realMkdir = fs.mkdirSync;
    let injected = false;
    fsModule.mkdirSync = ((p: fs.PathLike, o?: fs.MakeDirectoryOptions) => {
      const made = realMkdir(p, o);
      if (!injected && path.dirname(String(p)) === lockOf(dir)) {
        injected = true;
        realMkdir(path.join(lockOf(dir), stalledName));
      }
      return made;
    }) as typeof fs.mkdirSync;
    const started = Date.now();
    let names: string[] = [];
    try {
      await withLock(path.join(dir, 'data', '.coord'), () => {
        names = fs.readdirSync(lockOf(dir));
        appendWhole(path.join(dir, 'data', 'holder.txt'), 'written under the lock\n');
      });
    } finally {
      fsModule.mkdirSync = realMkdir;
    }
    assert.ok(injected);
    assert.strictEqual(names.length, 1, `the lock held more than one name while written under: ${names}`);
    assert.ok(!names.includes(stalledName));
    // The lock with two names has no one owner: it is taken over once its mtime is stale.
    assert.ok(Date.now() - started >= 1500, `took only ${Date.now() - started} ms`);
    await new Promise((resolve) => setImmediate(resolve)); // the lease ends on the next turn
    assert.ok(!fs.existsSync(lockOf(dir)), 'the lock was left behind');
  });

  it('a holder keeps its lock when a stalled contender names itself in it (the contender backs off)', async () => {
    const dir = freshDir();
    await withLock(path.join(dir, 'data', '.coord'), () => {
      fs.mkdirSync(path.join(lockOf(dir), stalledName));
      appendWhole(path.join(dir, 'data', 'holder.txt'), 'written under the lock\n');
      fs.rmdirSync(path.join(lockOf(dir), stalledName));
    });
    assert.strictEqual(fs.readFileSync(path.join(dir, 'data', 'holder.txt'), 'utf8'), 'written under the lock\n');
  });
});
