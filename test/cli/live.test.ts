/**
 * `coord wait` and `coord watch` as real processes against concurrent
 * writers (other `coord` processes), including data/messages.log being
 * replaced by another tool (a new file renamed over it).
 */
import * as assert from 'assert';
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { withLock } from '../../src/core/disk/lock';
import { Layout } from '../../src/core/disk/layout';
import { CLI, freshDir, parseNdjson, runCoord, runCoordAsync } from '../support/helpers';

interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function start(dir: string, as: string, args: string[]): Running {
  const env = { ...process.env };
  delete env.CLAUDE_INSTANCE_ID;
  delete env.COORDINATION_DIR;
  const child = spawn(process.execPath, [CLI, '--dir', dir, '--as', as, ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, stdout: () => stdout, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `fn` holds, failing after `ms`. */
async function until(what: string, fn: () => boolean, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function setup(): string {
  const dir = freshDir();
  for (const id of ['me', 'w1', 'w2', 'w3'])
    assert.strictEqual(runCoord(['update-status', 'ready'], { dir, as: id }).code, 0);
  assert.strictEqual(runCoord(['create-chatroom', 'backend', 'b'], { dir, as: 'w1' }).code, 0);
  return dir;
}

/** Sends one message and fails the test if the command failed. */
async function send(dir: string, as: string, to: string, text: string): Promise<void> {
  const r = await runCoordAsync(['send', to, text], { dir, as });
  assert.strictEqual(r.code, 0, r.stderr);
}

/** Replaces data/messages.log the way a tool that rewrites it would: a new file renamed over the old one. */
function replaceLog(dir: string, extraLine: string): void {
  const log = path.join(dir, 'data', 'messages.log');
  const tmp = `${log}.rewrite`;
  fs.writeFileSync(tmp, fs.readFileSync(log, 'utf8') + extraLine + '\n', { mode: 0o600 });
  fs.renameSync(tmp, log);
}

describe('coord wait and coord watch (live, as processes)', function () {
  this.timeout(120000);

  it('wait blocks until a message for me arrives, prints it, exits 0', async () => {
    const dir = setup();
    const w = start(dir, 'me', ['wait', '--json', '--timeout', '60']);
    await sleep(400);
    assert.strictEqual(w.child.exitCode, null, 'still waiting: nothing was there');
    assert.strictEqual((await runCoordAsync(['send', '#backend', 'deploy at 5'], { dir, as: 'w1' })).code, 0);
    const r = await w.done;
    assert.strictEqual(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.deepStrictEqual(
      got.map((m: { text: string; from: string }) => [m.from, m.text]),
      [['w1', 'deploy at 5']],
    );
  });

  it('wait --mentions and --room skip what they do not want; --timeout exits 124', async () => {
    const dir = setup();
    const mentions = start(dir, 'me', ['wait', '--mentions', '--timeout', '60']);
    const room = start(dir, 'me', ['wait', '--room', 'backend', '--timeout', '60']);
    await sleep(400);
    await runCoordAsync(['send', '#general', 'just chatting'], { dir, as: 'w1' });
    await sleep(600);
    assert.strictEqual(mentions.child.exitCode, null, 'a plain room message is not a mention');
    assert.strictEqual(room.child.exitCode, null, 'not the room asked for');
    await runCoordAsync(['send', '#backend', 'look @me'], { dir, as: 'w2' });
    const [a, b] = await Promise.all([mentions.done, room.done]);
    // One of them gets it; the message is handed over once, so the other goes on waiting or times out.
    const winners = [a, b].filter((r) => r.code === 0);
    assert.strictEqual(winners.length >= 1, true);
    assert.match(winners[0].stdout, /w2 -> #backend: look @me/);
    // The room message nobody waited for is still unread and never handed over: a plain wait would get it.
    assert.strictEqual(runCoord(['mark-read', 'all'], { dir, as: 'me' }).code, 0);
    const timeout = runCoord(['wait', '--timeout', '1'], { dir, as: 'me' });
    assert.deepStrictEqual([timeout.code, timeout.stdout], [124, '']);
    assert.match(timeout.stderr, /no message for me within 1 s/);
  });

  it('wait against concurrent writers: every message handed over exactly once across waits', async () => {
    const dir = setup();
    const got: number[] = [];
    const writers = ['w1', 'w2', 'w3'].map(async (id) => {
      for (let i = 0; i < 6; i++) {
        const r = await runCoordAsync(['send', i % 2 ? '@me' : '#general', `${id} says ${i}`], { dir, as: id });
        assert.strictEqual(r.code, 0, r.stderr);
      }
    });
    const waiting = (async () => {
      while (got.length < 18) {
        const r = await start(dir, 'me', ['wait', '--json', '--timeout', '30']).done;
        assert.strictEqual(r.code, 0, r.stderr);
        for (const m of JSON.parse(r.stdout)) got.push(m.number);
      }
    })();
    await Promise.all([...writers, waiting]);
    assert.deepStrictEqual(
      [...got].sort((a, b) => a - b),
      Array.from({ length: 18 }, (_, i) => i + 1),
    );
  });

  it('wait wakes when another tool replaces data/messages.log', async () => {
    const dir = setup();
    await runCoordAsync(['send', '#general', 'old news'], { dir, as: 'w1' });
    runCoord(['mark-read', 'all'], { dir, as: 'me' });
    const w = start(dir, 'me', ['wait', '--timeout', '60']);
    await sleep(400);
    replaceLog(dir, '[2026-11-25 09:00:00] w2 -> #general: written by a rewrite');
    const r = await w.done;
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /\[2\] 2026-11-25 09:00:00 w2 -> #general: written by a rewrite/);
    assert.doesNotMatch(r.stdout, /old news/);
  });

  it('watch without --json prints readable lines, message text and reasons with control characters inert', async () => {
    const dir = setup();
    await send(dir, 'w1', '#general', 'red \u001b[31malert\u001b[0m \u202eevil\u202c end\nsecond line');
    // --since 0 replays that message: once it is out, the watch is following.
    const watch = start(dir, 'me', ['watch', '--since', '0']);
    const lines = () => watch.stdout().split('\n').filter(Boolean);
    await until('the replayed message', () => lines().length >= 2);
    assert.strictEqual((await runCoordAsync(['create-chatroom', 'ops', 'operations'], { dir, as: 'w1' })).code, 0);
    await until('the new room', () => lines().length >= 3);
    assert.strictEqual((await runCoordAsync(['update-status', 'busy \u0007 now'], { dir, as: 'w2' })).code, 0);
    await until('the status', () => lines().length >= 4);
    const closed = await runCoordAsync(['close-chatroom', 'ops', 'done\u001b]0;pwned\u0007'], { dir, as: 'w1' });
    assert.strictEqual(closed.code, 0, closed.stderr);
    await until('the closed room', () => lines().length >= 5);
    watch.child.kill('SIGINT');
    const r = await watch.done;
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        '^\\[1\\] \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d w1 -> #general: ' +
          'red \\\\x1b\\[31malert\\\\x1b\\[0m \\\\u202eevil\\\\u202c end\n    second line\n' +
          '-- #ops created\n' +
          '-- w2 status: busy \\\\x07 now\n' +
          '-- #ops closed: done\\\\x1b\\]0;pwned\\\\x07\n$',
      ),
    );
    assert.doesNotMatch(r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/, 'nothing raw');
  });

  it('watch keeps every message once when the log is replaced while writers are still sending', async () => {
    const dir = setup();
    const watch = start(dir, 'me', ['--json', 'watch', '--since', '0']);
    const messages = () =>
      parseNdjson<{ type: string; message: { number: number; text: string } }>(watch.stdout())
        .filter((e) => e.type === 'message')
        .map((e) => e.message);
    const perWriter = 8;
    let sent = 0;
    const writers = ['w1', 'w2', 'w3'].map(async (id) => {
      for (let i = 0; i < perWriter; i++) {
        await send(dir, id, '#general', `${id}-${i}`);
        sent++;
      }
    });
    await until('a few messages', () => messages().length >= 4);
    // A tool that takes the lock (as every writer of ours does) rewrites the log with one line more.
    await withLock(new Layout(dir).lockTarget, () =>
      replaceLog(dir, '[2026-11-25 09:00:00] w2 -> #general: written by a rewrite'),
    );
    const sentAtReplace = sent;
    await Promise.all(writers);
    assert.ok(sentAtReplace < 3 * perWriter, `the writers were still sending (${sentAtReplace} sent)`);
    const total = 3 * perWriter + 1;
    await until(`${total} messages`, () => messages().length >= total);
    await sleep(300); // anything after that would be a duplicate
    watch.child.kill('SIGINT');
    await watch.done;
    const got = messages();
    assert.deepStrictEqual(
      got.map((m: { number: number }) => m.number),
      Array.from({ length: total }, (_, i) => i + 1),
      'each once, in order',
    );
    const expected = ['w1', 'w2', 'w3'].flatMap((id) => Array.from({ length: perWriter }, (_, i) => `${id}-${i}`));
    assert.deepStrictEqual(
      got.map((m: { text: string }) => m.text).sort(),
      [...expected, 'written by a rewrite'].sort(),
    );
  });

  it('watch streams messages, rooms and statuses as NDJSON, survives the log being replaced, resumes with --since', async () => {
    const dir = setup();
    await runCoordAsync(['send', '#general', 'before the watch'], { dir, as: 'w1' });
    const watch = start(dir, 'me', ['--json', 'watch']);
    await sleep(500);
    // JSON as the watch writes it: the assertions below read its fields as they come.
    const lines = () => parseNdjson<ReturnType<typeof JSON.parse>>(watch.stdout());
    await Promise.all(
      ['w1', 'w2', 'w3'].map(async (id) => {
        for (let i = 0; i < 4; i++) await runCoordAsync(['send', '#general', `${id}-${i}`], { dir, as: id });
      }),
    );
    await runCoordAsync(['create-chatroom', 'ops', 'operations'], { dir, as: 'w2' });
    await runCoordAsync(['update-status', 'deploying'], { dir, as: 'w3' });
    await until('13 messages, a room, a status', () => {
      const l = lines();
      return (
        l.filter((e) => e.type === 'message').length >= 12 &&
        l.some((e) => e.type === 'room') &&
        l.some((e) => e.type === 'status')
      );
    });
    replaceLog(dir, '[2026-11-25 09:00:00] w2 -> #general: after the rewrite');
    await until('the rewritten line', () => lines().some((e) => e.message?.text === 'after the rewrite'));
    await runCoordAsync(['send', '#general', 'and after that'], { dir, as: 'w1' });
    await until('the next send', () => lines().some((e) => e.message?.text === 'and after that'));
    watch.child.kill('SIGINT');
    await watch.done;

    const events = lines();
    const numbers = events.filter((e) => e.type === 'message').map((e) => e.message.number);
    assert.deepStrictEqual(
      numbers,
      Array.from({ length: 14 }, (_, i) => i + 2),
      'each once, in order, none before the watch',
    );
    assert.ok(events.every((e) => typeof e.cursor === 'number'));
    const room = events.find((e) => e.type === 'room');
    assert.deepStrictEqual([room.change, room.room.name], ['created', 'ops']);
    const status = events.find((e) => e.type === 'status');
    assert.deepStrictEqual([status.instance, status.status.text], ['w3', 'deploying']);

    // Resuming from a cursor replays what came after it, then follows.
    const resumed = start(dir, 'me', ['--json', 'watch', '--since', '13']);
    await until('the replay', () => resumed.stdout().split('\n').filter(Boolean).length >= 2);
    resumed.child.kill('SIGINT');
    const replay = parseNdjson<{ message: { number: number } }>((await resumed.done).stdout).map(
      (e) => e.message.number,
    );
    assert.deepStrictEqual(replay, [14, 15]);
  });
});
