/**
 * SIGTERM (timeout, kill) and SIGINT (Ctrl-C) stop any command within a
 * second, even in the middle of long synchronous work on a large directory,
 * and leave no lock behind. Real `coord` processes on a generated directory.
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CLI, REPO_ROOT, tempDir } from '../support/helpers';

async function generate(dir: string, messages: number): Promise<void> {
  const url = 'file://' + path.join(REPO_ROOT, 'scripts', 'generate-dir.mjs');
  const mod = await (
    new Function('u', 'return import(u)') as (u: string) => Promise<{ generateDir: (d: string, o: object) => unknown }>
  )(url);
  mod.generateDir(dir, { messages, seed: 3 });
}

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
    await generate(dir, 150000);
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
});
