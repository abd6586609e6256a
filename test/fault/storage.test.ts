/**
 * Storage faults: a full disk (a small tmpfs filled up), a read-only file
 * system (tmpfs remounted read-only) and a directory the user may not write
 * (an unprivileged user through setpriv). Each failing write gives one clear
 * error line and a non-zero exit, and leaves every file as it was; reads go on
 * working; once the fault is gone the directory is whole and numbering goes on.
 * Needs root and mount(8); without them the cases are skipped with the reason.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { RunResult, runCoord, snapshotTree, tempDir } from '../support/helpers';
import { Ack, checkDirectory } from './support/check';
import { NOBODY, nobodyCli } from './support/nobody';
import { skipBecause } from '../support/skip';

function tryMount(sizeKb: number): string | null {
  if (process.getuid?.() !== 0) return null;
  const dir = tempDir('coord-fs-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=700`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? dir : null;
}

function unmount(dir: string | null): void {
  if (dir) spawnSync('umount', ['-l', dir]);
}

function expectCleanFailure(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.notStrictEqual(r.code, 0, `expected a failure, got: ${r.stdout}`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.strictEqual(lines.length, 1, `one error line, got: ${r.stderr}`);
  assert.match(lines[0], /^coord: error: /);
  assert.match(lines[0], pattern);
  assert.strictEqual(r.stdout, '');
}

function fill(file: string): void {
  const fd = fs.openSync(file, 'a');
  const chunk = Buffer.alloc(4096, 'x');
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    assert.strictEqual((error as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  // Fill the last partial page too.
  try {
    for (;;) fs.writeSync(fd, Buffer.from('x'));
  } catch {
    /* full */
  }
  fs.closeSync(fd);
}

const WRITES: Array<[string, string[]]> = [
  ['send', ['send', '#general', 'FILL']],
  ['reply', ['reply', '1', 'FILL']],
  ['send-dm', ['send-dm', 'OTHER', 'FILL']],
  ['@-message', ['send', '@instance-2', 'FILL']],
  ['create-chatroom', ['create-chatroom', 'room-N', 'FILL']],
  ['update-status', ['update-status', 'FILL']],
  ['mark-read', ['mark-read', 'all']],
];

describe('fault: full disk', function () {
  this.timeout(120_000);
  let mount: string | null = null;
  before(function () {
    mount = tryMount(96);
    if (!mount) skipBecause(this, 'a tmpfs mount needs root and a mount(8) this machine permits');
  });
  after(() => unmount(mount));

  it('every kind of write on a full disk fails cleanly at whichever file runs out, and nothing is half-written', () => {
    const dir = path.join(mount!, 'coordination');
    assert.strictEqual(runCoord(['init', dir]).code, 0);
    for (const id of ['instance-1', 'instance-2'])
      assert.strictEqual(runCoord(['update-status', 'ready'], { dir, as: id }).code, 0);
    const acks: Ack[] = [];
    const send = (args: string[], as: string) => runCoord(['--json', ...args], { dir, as });
    const first = send(['send', '#general', 'before the disk filled'], 'instance-1');
    acks.push(JSON.parse(first.stdout));

    fill(path.join(mount!, 'filler'));
    const failedFiles = new Map<string, number>();
    let successes = 0;
    let attempts = 0;
    // Grow the text so that, one after another, each file's last page runs out:
    // the log, a transcript, an inbox, the action log... each at a different moment.
    for (let size = 40; attempts < 160; size += 37) {
      const [what, template] = WRITES[attempts % WRITES.length];
      attempts++;
      const text = `${what} ${attempts} ${'y'.repeat(size % 1500)}`;
      const args = template.map((a) => a.replace('FILL', text).replace('room-N', `room-${attempts}`));
      const before = snapshotTree(dir);
      const as = attempts % 2 ? 'instance-1' : 'instance-2';
      const r = send(
        args.map((a) => (a === 'OTHER' ? (as === 'instance-1' ? 'instance-2' : 'instance-1') : a)),
        as,
      );
      if (r.code === 0) {
        successes++;
        const out = JSON.parse(r.stdout);
        if (typeof out.number === 'number')
          acks.push({ number: out.number, id: out.id, text: out.text, target: out.target });
        continue;
      }
      expectCleanFailure(r, /no space left on the device/);
      const file = /cannot [a-z ]+ (\S+):/.exec(r.stderr)?.[1] ?? 'lock';
      failedFiles.set(path.relative(dir, file), (failedFiles.get(path.relative(dir, file)) ?? 0) + 1);
      const after = snapshotTree(dir);
      for (const [name, bytes] of before)
        assert.strictEqual(after.get(name), bytes, `${what}: ${name} changed although the write failed`);
      for (const name of after.keys()) {
        // A failed first write may leave a new empty file (created before its write failed).
        if (!before.has(name)) assert.strictEqual(after.get(name), '', `${what}: ${name} appeared with content`);
      }
    }
    console.log(
      `      full disk: ${attempts} writes, ${successes} landed while pages lasted, failures at ${JSON.stringify(Object.fromEntries(failedFiles))}`,
    );
    assert.ok(
      failedFiles.size >= 2,
      'the disk ran out at more than one file (so a write failed half-way at least once)',
    );

    fs.rmSync(path.join(mount!, 'filler'));
    const again = send(['send', '#general', 'space again'], 'instance-1');
    assert.strictEqual(again.code, 0, again.stderr);
    acks.push(JSON.parse(again.stdout));
    const report = checkDirectory(dir, acks);
    assert.strictEqual(JSON.parse(again.stdout).number, report.lines);
  });
});

describe('fault: read-only file system', function () {
  this.timeout(60_000);
  let mount: string | null = null;
  let dir = '';
  before(function () {
    mount = tryMount(1024);
    if (!mount) skipBecause(this, 'a tmpfs mount needs root and a mount(8) this machine permits');
    dir = path.join(mount, 'coordination');
    assert.strictEqual(runCoord(['init', dir]).code, 0);
    assert.strictEqual(runCoord(['send', '#general', 'written before'], { dir, as: 'instance-1' }).code, 0);
    assert.strictEqual(runCoord(['update-status', 'ready'], { dir, as: 'instance-2' }).code, 0);
    assert.strictEqual(spawnSync('mount', ['-o', 'remount,ro', mount]).status, 0);
  });
  after(() => unmount(mount));

  for (const [what, args] of WRITES) {
    it(`${what} fails with one clear line and changes nothing`, () => {
      const before = snapshotTree(dir);
      const r = runCoord(
        args.map((a) => a.replace('FILL', 'text').replace('room-N', 'room-x').replace('OTHER', 'instance-1')),
        { dir, as: 'instance-2' },
      );
      expectCleanFailure(r, /read-only/);
      assert.strictEqual(r.code, 3);
      assert.deepStrictEqual(snapshotTree(dir), before);
    });
  }

  for (const args of [
    ['check-chatroom', 'general'],
    ['check-unread'],
    ['search', 'written'],
    ['system-status'],
    ['thread', '1'],
    ['list-chatrooms'],
  ]) {
    it(`${args[0]} still reads`, () => {
      const r = runCoord(['--json', ...args], { dir, as: 'instance-2' });
      assert.strictEqual(r.code, 0, r.stderr);
      assert.doesNotThrow(() => JSON.parse(r.stdout));
    });
  }

  it('init on a read-only file system fails cleanly and creates nothing', () => {
    const r = runCoord(['init', path.join(mount!, 'other')]);
    // Node's recursive mkdir reports EROFS as ENOENT here; the line still names the directory.
    expectCleanFailure(r, /read-only|cannot create directory/);
    assert.ok(!fs.existsSync(path.join(mount!, 'other')));
  });

  it('a failing write answers at once instead of waiting for the lock', () => {
    const started = Date.now();
    expectCleanFailure(runCoord(['send', '#general', 'x'], { dir, as: 'instance-2' }), /read-only/);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  });
});

/**
 * A coordination directory (init, one message from instance-1, then `more`)
 * owned by the unprivileged user with these modes, and a way to run
 * `coord --as instance-2` on it as that user (support/nobody.ts).
 */
function directoryForNobody(
  ctx: Mocha.Context,
  modes: { dir: number; file: number },
  more: (dir: string) => void = () => undefined,
): { dir: string; asNobody: (args: string[]) => RunResult } {
  const nobody = nobodyCli(ctx);
  const dir = path.join(nobody.parent, 'coordination');
  assert.strictEqual(runCoord(['init', dir]).code, 0);
  assert.strictEqual(runCoord(['send', '#general', 'hello'], { dir, as: 'instance-1' }).code, 0);
  more(dir);
  const give = (p: string) => {
    fs.chownSync(p, NOBODY, NOBODY);
    const st = fs.statSync(p);
    fs.chmodSync(p, st.isDirectory() ? modes.dir : modes.file);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) give(path.join(p, e));
  };
  give(dir);
  const asNobody = (args: string[]) => nobody.run(dir, 'instance-2', args);
  // The unprivileged user must be able to run the CLI and read: else the failures the tests look for prove nothing.
  const probe = asNobody(['system-status']);
  assert.strictEqual(probe.code, 0, `the unprivileged user cannot run coord here: ${probe.stderr}`);
  return { dir, asNobody };
}

describe('fault: a directory this user may not write (unprivileged user)', function () {
  this.timeout(60_000);
  let dir = '';
  let asNobody: (args: string[]) => RunResult;
  before(function () {
    // Readable by the user, writable by nobody but root.
    ({ dir, asNobody } = directoryForNobody(this, { dir: 0o500, file: 0o400 }));
  });

  for (const [what, args] of WRITES.filter(([w]) => w !== 'send-dm' && w !== '@-message')) {
    it(`${what} fails with "permission denied" and changes nothing`, () => {
      const before = snapshotTree(dir);
      const r = asNobody(args.map((a) => a.replace('FILL', 'text').replace('room-N', 'room-x')));
      expectCleanFailure(r, /permission denied/);
      assert.deepStrictEqual(snapshotTree(dir), before);
    });
  }

  it('reads still work', () => {
    const r = asNobody(['--json', 'check-chatroom', 'general']);
    assert.strictEqual(r.code, 0, r.stderr);
  });
});

describe('fault: files this user may not read are errors, not missing (unprivileged user)', function () {
  this.timeout(120_000);
  let dir = '';
  let asNobody: (args: string[]) => RunResult;
  before(function () {
    ({ dir, asNobody } = directoryForNobody(this, { dir: 0o700, file: 0o600 }, (d) => {
      assert.strictEqual(runCoord(['send', '#general', 'hi @instance-2'], { dir: d, as: 'instance-1' }).code, 0);
      assert.strictEqual(runCoord(['update-status', 'here'], { dir: d, as: 'instance-2' }).code, 0);
      assert.ok(fs.existsSync(path.join(d, 'read-status', 'instance-2.txt')));
    }));
  });

  /** With `rel` (a file or directory under the directory, '' for itself) at mode 000, each command fails saying so. */
  const unreadable = (rel: string, commands: string[][], says: RegExp) => {
    const target = path.join(dir, rel);
    const mode = fs.statSync(target).mode & 0o777;
    fs.chmodSync(target, 0);
    try {
      for (const args of commands) {
        const before = snapshotTree(dir);
        const r = asNobody(args);
        expectCleanFailure(r, says);
        assert.doesNotMatch(r.stderr, /no numbered messages|not a coordination directory|run 'coord init/);
        assert.strictEqual(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
        assert.deepStrictEqual(snapshotTree(dir), before, `${args.join(' ')} changed files`);
      }
    } finally {
      fs.chmodSync(target, mode);
    }
    const again = asNobody(['--json', 'check-unread']);
    assert.strictEqual(again.code, 0, again.stderr);
    assert.strictEqual((JSON.parse(again.stdout) as unknown[]).length, 2);
  };
  const denied = (file: string) =>
    new RegExp(`cannot (read|list) ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: permission denied; `);

  it('an unreadable messages.log: every read and write says so (no "no numbered messages yet")', () => {
    unreadable(
      'data/messages.log',
      [
        ['check-unread'],
        ['--json', 'check-unread'],
        ['list-chatrooms'],
        ['check-chatroom', 'general'],
        ['system-status'],
        ['search', 'hello'],
        ['reply', '1', 'x'],
        ['send', '#general', 'x'],
        ['mark-read', 'all'],
      ],
      denied(path.join(dir, 'data', 'messages.log')),
    );
  });

  it('an unreadable transcript, room list, read marks or chatrooms/ directory says which', () => {
    unreadable(
      'chatrooms/general.txt',
      [['check-chatroom', 'general'], ['check-unread']],
      denied(path.join(dir, 'chatrooms', 'general.txt')),
    );
    unreadable(
      'data/chatroom-status.txt',
      [['list-chatrooms'], ['check-unread']],
      denied(path.join(dir, 'data', 'chatroom-status.txt')),
    );
    unreadable(
      'read-status/instance-2.txt',
      [['check-unread']],
      denied(path.join(dir, 'read-status', 'instance-2.txt')),
    );
    unreadable('chatrooms', [['list-chatrooms'], ['check-unread']], denied(path.join(dir, 'chatrooms')));
  });

  it('a coordination directory this user may not open is a permission error, not "run init"', () => {
    unreadable('', [['system-status'], ['check-unread']], /permission denied; /);
  });
});
