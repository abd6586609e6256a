/**
 * Crash storms: writers SIGKILLed at random points while others keep writing.
 * Afterwards every file parses, no message is half-written or numbered twice,
 * every acknowledged message is at its number, and the lock is recovered.
 */
import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CLI, freshDir, runCoord } from '../support/helpers';
import { Ack, checkDirectory } from './support/check';

const WRITER = path.join(__dirname, 'support', 'writer.js');
const LOCK_HOLDER = path.join(__dirname, 'support', 'lockHolder.js');
const ROUNDS = Number(process.env.COORD_CHAOS_ROUNDS ?? 6);
const ROUND_MS = Number(process.env.COORD_CHAOS_MS ?? 5000);
/** A round checks at least this many acknowledged messages. */
const MIN_ACKS = 20;

interface Writer {
  child: ChildProcess;
  out: string;
  done: Promise<void>;
  killed: boolean;
}

function startWriter(args: string[]): Writer {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const w: Writer = { child, out: '', done: Promise.resolve(), killed: false };
  child.stdout!.on('data', (d) => (w.out += d));
  child.stderr!.on('data', (d) => (w.out += `\n${JSON.stringify({ stderr: String(d) })}\n`));
  w.done = new Promise((resolve) => child.on('close', () => resolve()));
  return w;
}

/** Acknowledgements are whole JSON lines on stdout; a line cut by the kill is not one. */
function acksOf(w: Writer): Ack[] {
  const out: Ack[] = [];
  for (const line of w.out.split('\n')) {
    if (!line.startsWith('{') || !line.endsWith('}')) continue;
    const parsed = JSON.parse(line);
    if (parsed.stderr && !w.killed) throw new Error(`writer failed: ${parsed.stderr}`);
    if (typeof parsed.number === 'number') out.push(parsed as Ack);
  }
  return out;
}

function cliAcks(w: Writer): Ack[] {
  if (!w.out.trim().startsWith('{')) return [];
  try {
    const m = JSON.parse(w.out);
    return [{ number: m.number, id: m.id, text: m.text, target: m.target }];
  } catch {
    return []; // killed before it printed: nothing was promised
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function prepare(): string {
  const dir = freshDir();
  for (const id of ['instance-1', 'instance-2', 'instance-3', 'instance-4']) {
    assert.strictEqual(runCoord(['update-status', `ready ${id}`], { dir, as: id }).code, 0);
  }
  assert.strictEqual(runCoord(['create-chatroom', 'ops', 'chaos room'], { dir, as: 'instance-1' }).code, 0);
  return dir;
}

describe('fault: writers killed with SIGKILL while others write', function () {
  this.timeout(300_000);
  let totalKills = 0;
  let totalAcks = 0;
  let totalLines = 0;

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: random SIGKILLs of library and CLI writers leave a consistent directory`, async () => {
      const dir = prepare();
      const finished: Writer[] = [];
      const cli: Writer[] = [];
      let live: Writer[] = [];
      let serial = 0;
      const spawnLibraryWriter = () => {
        const me = `instance-${1 + (serial++ % 4)}`;
        const peer = me === 'instance-1' ? 'instance-2' : 'instance-1';
        live.push(startWriter([WRITER, dir, me, peer, '100000']));
      };
      const spawnCliWriter = () => {
        const me = `instance-${1 + (serial++ % 4)}`;
        const w = startWriter([
          CLI,
          '--dir',
          dir,
          '--as',
          me,
          '--json',
          'send',
          serial % 2 ? '#general' : '#ops',
          `cli ${me} ${serial} text`,
        ]);
        cli.push(w);
        live.push(w);
      };
      for (let i = 0; i < 3; i++) spawnLibraryWriter();
      // The storm lasts ROUND_MS, and on a slow machine (writers killed before they wrote much) until it has
      // acknowledged enough messages to check, within a bound.
      const stormStart = Date.now();
      const enough = () =>
        Date.now() - stormStart >= ROUND_MS &&
        [...live, ...finished].reduce((n, w) => n + w.out.split('"number":').length - 1, 0) > MIN_ACKS;
      let kills = 0;
      while (!enough() && Date.now() - stormStart < 6 * ROUND_MS) {
        await sleep(20 + Math.random() * 180);
        live = live.filter((w) =>
          w.child.exitCode === null && w.child.signalCode === null ? true : (finished.push(w), false),
        );
        if (Math.random() < 0.5) spawnCliWriter();
        const victims = live.filter((w) => w.child.exitCode === null);
        if (victims.length > 0 && Math.random() < 0.7) {
          const victim = victims[Math.floor(Math.random() * victims.length)];
          victim.killed = true;
          victim.child.kill('SIGKILL');
          kills++;
        }
        if (live.filter((w) => !cli.includes(w)).length < 3) spawnLibraryWriter();
      }
      for (const w of live) {
        if (!cli.includes(w)) {
          w.killed = true;
          w.child.kill('SIGKILL');
          kills++;
        }
      }
      await Promise.all([...live, ...finished].map((w) => w.done));
      const all = [...live, ...finished];
      const acks = all
        .filter((w) => !cli.includes(w))
        .flatMap(acksOf)
        .concat(cli.flatMap(cliAcks));
      assert.ok(acks.length > MIN_ACKS, `only ${acks.length} messages were acknowledged`);
      for (const w of cli) {
        if (!w.killed && w.child.exitCode !== 0) assert.fail(`a CLI writer that was not killed failed: ${w.out}`);
      }

      // The lock left by a victim killed while holding it must not block the next writer for long.
      const started = Date.now();
      const next = runCoord(['--json', 'send', '#general', 'after the storm'], { dir, as: 'instance-4' });
      const waited = Date.now() - started;
      assert.strictEqual(next.code, 0, next.stderr);
      assert.ok(waited < 4000, `the next writer waited ${waited} ms for the lock`);
      const after = JSON.parse(next.stdout);
      acks.push({ number: after.number, id: after.id, text: after.text, target: after.target });
      assert.ok(!fs.existsSync(path.join(dir, 'data', '.coord.lock')), 'the lock is released after the next write');

      const report = checkDirectory(dir, acks);
      assert.strictEqual(after.number, report.lines, 'the next message is numbered right after the last line');
      totalKills += kills;
      totalAcks += acks.length;
      totalLines += report.lines;
    });
  }

  after(() => {
    console.log(
      `      chaos: ${ROUNDS} rounds, ${totalKills} SIGKILLs, ${totalAcks} acknowledged messages checked, ${totalLines} log lines`,
    );
  });

  it('a lock left by a writer SIGKILLed while holding it is taken over within about 2-3 s', async () => {
    const dir = prepare();
    const holder = spawn(process.execPath, [LOCK_HOLDER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on('data', (d) => String(d).includes('locked') && resolve());
      holder.on('exit', () => reject(new Error('lock holder exited')));
    });
    holder.kill('SIGKILL');
    await new Promise((r) => holder.on('close', r));
    assert.ok(fs.existsSync(path.join(dir, 'data', '.coord.lock')), 'the crash left the lock directory behind');
    const started = Date.now();
    const r = runCoord(['--json', 'send', '#general', 'after a crash inside the lock'], { dir, as: 'instance-1' });
    const waited = Date.now() - started;
    assert.strictEqual(r.code, 0, r.stderr);
    assert.ok(waited < 3500, `took ${waited} ms`);
    assert.ok(waited >= 1000, `took only ${waited} ms: the lock was not honoured`);
    assert.strictEqual(JSON.parse(r.stdout).number, 1);
    checkDirectory(dir, [{ number: 1, id: '', text: 'after a crash inside the lock', target: '#general' }]);
  });

  it('many writers racing to take over one stale lock all succeed, each message numbered once (5 times)', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const dir = prepare();
      const lock = path.join(dir, 'data', '.coord.lock');
      fs.mkdirSync(lock, { mode: 0o700 });
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(lock, old, old);
      const writers = Array.from(
        { length: 6 },
        (_, k) =>
          new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
            const c = spawn(
              process.execPath,
              [CLI, '--dir', dir, '--as', `instance-${1 + (k % 4)}`, '--json', 'send', '#general', `racer ${k}`],
              { stdio: ['ignore', 'pipe', 'pipe'] },
            );
            let out = '';
            let err = '';
            c.stdout!.on('data', (d) => (out += d));
            c.stderr!.on('data', (d) => (err += d));
            c.on('close', (code) => resolve({ code, out, err }));
          }),
      );
      const results = await Promise.all(writers);
      for (const r of results) assert.strictEqual(r.code, 0, r.err);
      const acks = results
        .map((r) => JSON.parse(r.out))
        .map((m) => ({ number: m.number, id: m.id, text: m.text, target: m.target }));
      checkDirectory(dir, acks);
      assert.deepStrictEqual(
        acks.map((a) => a.number).sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6],
      );
    }
  });

  it('a live lock holder is waited for, not broken', async () => {
    const dir = prepare();
    const holder = spawn(process.execPath, [LOCK_HOLDER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout!.on('data', (d) => String(d).includes('locked') && resolve()));
    const started = Date.now();
    const pending = new Promise<{ code: number | null; ms: number }>((resolve) => {
      const c = spawn(process.execPath, [CLI, '--dir', dir, '--as', 'instance-1', 'send', '#general', 'waits'], {
        stdio: 'ignore',
      });
      c.on('close', (code) => resolve({ code, ms: Date.now() - started }));
    });
    await sleep(3500);
    assert.strictEqual(
      fs.readFileSync(path.join(dir, 'data', 'messages.log'), 'utf8'),
      '',
      'nothing written while another process holds the lock',
    );
    holder.kill('SIGTERM');
    const done = await pending;
    assert.strictEqual(done.code, 0);
    assert.ok(done.ms >= 3500);
  });
});
