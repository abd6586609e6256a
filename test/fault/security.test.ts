/**
 * Security: every name a user controls (room, instance, --dir), symbolic links
 * inside the directory pointing outside it, file and directory modes, no shell
 * ever spawned with message text, terminal escape sequences neutralised, and
 * huge inputs bounded. Each case records what it got; the table is written to
 * test-results/security-cases.md (docs/SECURITY-TESTS.md quotes it).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CLI, REPO_ROOT, RunResult, freshDir, runCoord, snapshotTree, tempDir } from '../support/helpers';
import { core } from './support/check';

interface Case {
  area: string;
  input: string;
  got: string;
}
const cases: Case[] = [];
function record(area: string, input: string, got: string): void {
  const tidy = (t: string) =>
    t.replace(/\/tmp\/coord-[a-z]+-\w+\/coordination/g, '$DIR').replace(/\/tmp\/coord-[a-z]+-\w+/g, '$TMP');
  const g = tidy(got);
  cases.push({ area, input: tidy(input), got: g.length > 170 ? `${g.slice(0, 169)}…` : g });
}

/** Raw control characters a terminal acts on (newline and tab are fine). */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function outsideSnapshot(dir: string): string {
  return JSON.stringify([...snapshotTree(dir)].sort());
}

/**
 * "Refused" as docs/SECURITY-TESTS.md defines it: the documented exit code
 * (`exit`: 2 usage, 1 other bad input, 3 I/O), exactly one stderr line
 * `coord: error: ...` with no raw control character, an empty stdout, and no
 * file changed under `root` (a byte-for-byte snapshot taken here, before
 * `run`). With `area` the case goes in the table.
 */
function expectRefused(root: string, exit: 1 | 2 | 3, run: () => RunResult, area?: string, input?: string): RunResult {
  const before = outsideSnapshot(root);
  const r = run();
  const what = input ?? 'the command';
  assert.notStrictEqual(r.code, 0, `${what} was accepted: ${r.stdout}`);
  assert.strictEqual(r.code, exit, `${what}: exit code (${r.stderr.trim()})`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.strictEqual(lines.length, 1, `${what}: one error line: ${r.stderr}`);
  assert.match(lines[0], /^coord: error: /);
  assert.ok(!RAW_CONTROL.test(r.stderr), `${what}: the error line carries no raw control characters`);
  assert.strictEqual(r.stdout, '', `${what}: nothing on stdout`);
  assert.strictEqual(outsideSnapshot(root), before, `${what}: a file under ${root} changed`);
  if (area) record(area, what, `refused, exit ${r.code}: ${lines[0].replace(/^coord: error: /, '')}`);
  return r;
}

/** A directory with two known instances and an outside neighbour that must never change. */
function setup(): { dir: string; outside: string; parent: string } {
  const dir = freshDir();
  const parent = path.dirname(dir);
  for (const id of ['instance-1', 'instance-2'])
    assert.strictEqual(runCoord(['update-status', 'ready'], { dir, as: id }).code, 0);
  assert.strictEqual(runCoord(['send', '#general', 'hello'], { dir, as: 'instance-1' }).code, 0);
  const outside = path.join(parent, 'outside');
  fs.mkdirSync(outside, { mode: 0o700 });
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'TOP-SECRET-CONTENT\n', { mode: 0o600 });
  return { dir, outside, parent };
}

describe('security: path traversal through every name', function () {
  this.timeout(120_000);
  const badRooms = [
    '../outside/x',
    '..',
    '../../etc/passwd',
    'a/b',
    '/etc/passwd',
    '.hidden',
    'a\\b',
    'general/../../x',
    'x'.repeat(65),
    'room name',
    'caf\u00e9',
    'a:b',
    '',
  ];
  const roomCommands: Array<(room: string) => string[]> = [
    (r) => ['send', `#${r}`, 'text'],
    (r) => ['create-chatroom', r, 'desc'],
    (r) => ['close-chatroom', r, 'reason'],
    (r) => ['reopen-chatroom', r, 'reason'],
    (r) => ['check-chatroom', r],
    (r) => ['check-unread', '--room', r],
  ];
  for (const room of badRooms) {
    it(`room name ${JSON.stringify(room.length > 20 ? room.slice(0, 12) + '…' : room)} is refused by every room command, nothing is created`, () => {
      const { dir, parent } = setup();
      const before = outsideSnapshot(parent);
      for (const command of roomCommands) {
        const args = command(room);
        const run = () => runCoord(args, { dir, as: 'instance-1' });
        if (command === roomCommands[1])
          expectRefused(
            parent,
            1,
            run,
            'room name',
            `create-chatroom ${JSON.stringify(room.length > 20 ? room.slice(0, 12) + '… (65 chars)' : room)}`,
          );
        else expectRefused(parent, 1, run, undefined, args.join(' '));
      }
      assert.strictEqual(outsideSnapshot(parent), before, 'no file anywhere changed');
    });
  }

  const badInstances = [
    '../outside/x',
    '..',
    '../../etc/passwd',
    'a/b',
    '/abs',
    '.hidden',
    'x'.repeat(65),
    'a b',
    'inst\u001b[31m',
  ];
  for (const id of badInstances) {
    it(`instance id ${JSON.stringify(id.length > 20 ? id.slice(0, 12) + '…' : id)} is refused as --as, CLAUDE_INSTANCE_ID, DM peer and @target`, () => {
      const { dir, parent } = setup();
      const before = outsideSnapshot(parent);
      expectRefused(
        parent,
        1,
        () => runCoord(['send', '#general', 'x'], { dir, as: id }),
        'instance id',
        `--as ${JSON.stringify(id.length > 20 ? id.slice(0, 12) + '… (65 chars)' : id)}`,
      );
      expectRefused(parent, 1, () => runCoord(['send', '#general', 'x'], { dir, env: { CLAUDE_INSTANCE_ID: id } }));
      expectRefused(parent, 1, () => runCoord(['send-dm', id, 'x'], { dir, as: 'instance-1' }));
      expectRefused(parent, 1, () => runCoord(['send', `@${id}`, 'x'], { dir, as: 'instance-1' }));
      expectRefused(parent, 1, () => runCoord(['check-dm', id], { dir, as: 'instance-1' }));
      assert.strictEqual(outsideSnapshot(parent), before, 'no file anywhere changed');
    });
  }

  it('--dir and COORDINATION_DIR naming a directory that is not a coordination directory are refused, nothing is created there', () => {
    const { parent, outside } = setup();
    const before = outsideSnapshot(parent);
    for (const d of [
      outside,
      `${outside}/../outside`,
      '/etc',
      path.join(parent, 'missing'),
      path.join(outside, 'secret.txt'),
    ]) {
      expectRefused(
        parent,
        1,
        () => runCoord(['send', '#general', 'x'], { dir: d, as: 'instance-1' }),
        '--dir',
        `--dir ${d.replace(parent, '$TMP')}`,
      );
      expectRefused(parent, 1, () =>
        runCoord(['send', '#general', 'x'], { as: 'instance-1', env: { COORDINATION_DIR: d } }),
      );
    }
    assert.strictEqual(outsideSnapshot(parent), before);
  });

  it('message numbers and ids cannot address files: reply/mark-read/thread take numbers or 8-hex ids only', () => {
    const { dir, parent } = setup();
    const before = outsideSnapshot(parent);
    for (const ref of ['../../etc/passwd', '1/../2', '0x10', '-1', '1e3', '99999999999999999999']) {
      expectRefused(
        parent,
        2,
        () => runCoord(['reply', ref, 'x'], { dir, as: 'instance-1' }),
        'message ref',
        `reply ${ref}`,
      );
      expectRefused(parent, 2, () => runCoord(['mark-read', ref], { dir, as: 'instance-1' }));
      expectRefused(parent, 2, () => runCoord(['thread', ref], { dir, as: 'instance-1' }));
    }
    assert.strictEqual(outsideSnapshot(parent), before);
  });
});

describe('security: symbolic links inside the directory pointing outside it', function () {
  this.timeout(120_000);
  const fileLinks: Array<[string, string[], string?]> = [
    ['data/messages.log', ['send', '#general', 'x']],
    ['chatrooms/general.txt', ['send', '#general', 'x']],
    ['inboxes/instance-2.txt', ['send', '@instance-2', 'x']],
    ['dms/dm_instance-1_instance-2.txt', ['send-dm', 'instance-2', 'x']],
    ['data/action-log.txt', ['send', '#general', 'x']],
    ['data/.coord-write-intent', ['send', '#general', 'x']],
    ['data/chatroom-status.txt', ['create-chatroom', 'newroom', 'x']],
    ['data/status.txt', ['update-status', 'x']],
    ['data/status_instance-1.txt', ['update-status', 'x']],
    // instance-2 has something to mark (message 1 is from instance-1).
    ['read-status/instance-2.txt', ['mark-read', 'all'], 'instance-2'],
    ['data/read-receipts.log', ['mark-read', '1'], 'instance-2'],
  ];
  for (const [rel, args, as = 'instance-1'] of fileLinks) {
    it(`${rel} -> a file outside: '${args[0]}' is refused (exit 3), nothing changes, no reader shows its content`, () => {
      const { dir, outside, parent } = setup();
      if (rel.startsWith('dms/')) fs.mkdirSync(path.join(dir, 'dms'), { recursive: true, mode: 0o700 });
      const link = path.join(dir, rel);
      fs.rmSync(link, { force: true });
      fs.symlinkSync(path.join(outside, 'secret.txt'), link);
      expectRefused(
        parent,
        3,
        () => runCoord(args, { dir, as }),
        'symlink (file)',
        `${rel} -> outside file; ${args.join(' ')} as ${as}`,
      );
      for (const read of [
        ['check-chatroom', 'general'],
        ['check-unread'],
        ['system-status'],
        ['search', 'SECRET'],
        ['action-log'],
        ['check-dm'],
        ['list-chatrooms'],
      ]) {
        const out = runCoord(['--json', ...read], { dir, as: 'instance-2' });
        assert.ok(!out.stdout.includes('TOP-SECRET'), `${read[0]} showed the outside file`);
      }
      assert.ok(fs.lstatSync(link).isSymbolicLink(), 'the link was not replaced either');
    });
  }

  for (const sub of ['chatrooms', 'data', 'inboxes', 'read-status', 'dms']) {
    it(`${sub}/ -> a directory outside: refused before anything is read or written`, () => {
      const { dir, outside, parent } = setup();
      const real = path.join(dir, sub);
      if (fs.existsSync(real)) fs.cpSync(real, outside, { recursive: true });
      fs.rmSync(real, { recursive: true, force: true });
      fs.symlinkSync(outside, real);
      const before = outsideSnapshot(outside);
      expectRefused(
        parent,
        3,
        () => runCoord(['send', '#general', 'x'], { dir, as: 'instance-1' }),
        'symlink (directory)',
        `${sub}/ -> outside directory; send`,
      );
      expectRefused(parent, 3, () => runCoord(['check-chatroom', 'general'], { dir, as: 'instance-1' }));
      expectRefused(parent, 3, () => runCoord(['init', dir]), undefined, 'init through the link');
      assert.strictEqual(outsideSnapshot(outside), before);
    });
  }

  it('the line-count checkpoint as a link outside is neither trusted into wrong numbers nor written through', () => {
    const { dir, outside } = setup();
    const cp = path.join(dir, 'data', '.coord-log-index.json');
    fs.rmSync(cp, { force: true });
    fs.writeFileSync(
      path.join(outside, 'cp.json'),
      JSON.stringify({
        version: 1,
        size: 0,
        count: { terminators: 500, partial: false, endsWithCR: false },
        tail: '',
        marks: [],
      }),
    );
    fs.symlinkSync(path.join(outside, 'cp.json'), cp);
    const before = outsideSnapshot(outside);
    const r = runCoord(['--json', 'send', '#general', 'two'], { dir, as: 'instance-1' });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(outsideSnapshot(outside), before);
    const number = JSON.parse(r.stdout).number;
    record(
      'symlink (file)',
      'data/.coord-log-index.json -> outside file claiming 500 lines; send',
      `message numbered ${number} (its real line); outside unchanged`,
    );
    assert.strictEqual(number, 2);
  });

  // Accepted by design: the link has no owner entry and is older than 2 s, so the lock takes it for a
  // stale lock and removes it (the link itself, renamed aside: src/core/disk/lock.ts takeOver), not what it names.
  it('a lock directory that is a link outside is taken over as a stale lock: the link alone goes, outside untouched', () => {
    const { dir, outside } = setup();
    const lock = path.join(dir, 'data', '.coord.lock');
    fs.symlinkSync(outside, lock);
    const before = outsideSnapshot(outside);
    const r = runCoord(['--json', 'send', '#general', 'x'], { dir, as: 'instance-1' });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stderr, '');
    const number = JSON.parse(r.stdout).number;
    assert.strictEqual(number, 2);
    assert.strictEqual(outsideSnapshot(outside), before, 'the directory outside is unchanged');
    assert.deepStrictEqual(
      fs.readdirSync(path.join(dir, 'data')).filter((n) => n.startsWith('.coord.lock')),
      [],
      'the link (renamed aside) and the lock are gone',
    );
    record(
      'symlink (lock)',
      'data/.coord.lock -> outside directory; send',
      `accepted: the link, ownerless and over 2 s old, is taken over as a stale lock and removed (the link only); message numbered ${number}; outside unchanged`,
    );
  });

  it('--dir given as a link to a real coordination directory is followed (the user named it)', () => {
    const { dir, parent } = setup();
    const link = path.join(parent, 'link-to-coordination');
    fs.symlinkSync(dir, link);
    const r = runCoord(['--json', 'send', '#general', 'via link'], { dir: link, as: 'instance-1' });
    assert.strictEqual(r.code, 0, r.stderr);
    record(
      '--dir',
      '--dir is itself a symlink to a coordination directory',
      'followed (resolved with realpath), written inside the real directory',
    );
  });
});

describe('security: permissions (files 600, directories 700)', function () {
  this.timeout(120_000);
  function walkModes(dir: string): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    const walk = (p: string) => {
      const st = fs.lstatSync(p);
      out.push([path.relative(dir, p) || '.', st.mode & 0o777]);
      if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    };
    walk(dir);
    return out;
  }

  function exerciseEverything(dir: string, run: (args: string[], as: string) => RunResult): void {
    const steps: Array<[string, string[]]> = [
      ['instance-1', ['update-status', 'ready']],
      ['instance-2', ['update-status', 'ready too']],
      ['instance-1', ['send', '#general', 'hi']],
      ['instance-1', ['send', '@instance-2', 'at']],
      ['instance-1', ['send-dm', 'instance-2', 'dm']],
      ['instance-2', ['reply', '1', 're']],
      ['instance-1', ['create-chatroom', 'perm-room', 'x']],
      ['instance-1', ['close-chatroom', 'perm-room', 'done']],
      ['instance-1', ['reopen-chatroom', 'perm-room', 'again']],
      ['instance-2', ['mark-read', 'all']],
    ];
    for (const [as, args] of steps) {
      const r = run(args, as);
      assert.strictEqual(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
  }

  it('init and every write kind make files 600 and directories 700, even under umask 000', () => {
    const parent = tempDir();
    const dir = path.join(parent, 'coordination');
    const run = (args: string[], as?: string): RunResult => {
      // umask 000 would make anything created with default modes world-writable.
      const r = spawnSync(
        '/bin/sh',
        ['-c', 'umask 000; exec "$@"', 'sh', process.execPath, CLI, ...(as ? ['--dir', dir, '--as', as] : []), ...args],
        { encoding: 'utf8' },
      );
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    assert.strictEqual(run(['init', dir]).code, 0);
    exerciseEverything(dir, (args, as) => run(args, as));
    const modes = walkModes(dir);
    const bad = modes.filter(([p, m]) => (fs.lstatSync(path.join(dir, p)).isDirectory() ? m !== 0o700 : m !== 0o600));
    assert.deepStrictEqual(
      bad.map(([p, m]) => `${p} ${m.toString(8)}`),
      [],
    );
    record(
      'permissions',
      `init + 10 write kinds under umask 000 (${modes.length} paths)`,
      'every file 600, every directory 700',
    );
  });

  it('a legacy directory with 755 sub-directories and 644 files: new files are 600, missing directories are made 700', () => {
    const dir = freshDir();
    fs.rmSync(path.join(dir, 'dms'), { recursive: true, force: true });
    for (const [p] of walkModes(dir)) {
      const full = path.join(dir, p);
      fs.chmodSync(full, fs.statSync(full).isDirectory() ? 0o755 : 0o644);
    }
    assert.strictEqual(runCoord(['update-status', 'x'], { dir, as: 'instance-2' }).code, 0);
    assert.strictEqual(runCoord(['send-dm', 'instance-2', 'x'], { dir, as: 'instance-1' }).code, 0);
    assert.strictEqual(fs.statSync(path.join(dir, 'dms')).mode & 0o777, 0o700);
    assert.strictEqual(fs.statSync(path.join(dir, 'dms', 'dm_instance-1_instance-2.txt')).mode & 0o777, 0o600);
    assert.strictEqual(fs.statSync(path.join(dir, 'read-status', 'instance-1.txt')).mode & 0o777, 0o600);
    const rewritten = fs.statSync(path.join(dir, 'data', 'status.txt')).mode & 0o777;
    record(
      'permissions',
      'legacy dir (755 dirs, 644 files); send-dm + update-status',
      `new dms/ 700, new files 600; rewritten status.txt ${rewritten.toString(8)}; existing 755 dirs left as the older tools made them`,
    );
    assert.strictEqual(rewritten, 0o600, 'a file we rewrite atomically comes back 600');
  });
});

describe('security: no shell is ever spawned with message text', function () {
  this.timeout(120_000);
  const hostile = [
    '$(touch PWNED)',
    '`touch PWNED`',
    '; touch PWNED',
    '| touch PWNED',
    '&& touch PWNED',
    "'; touch PWNED; '",
    '"; touch PWNED; "',
    '\n touch PWNED',
    '${IFS}touch${IFS}PWNED',
    '%s%n%x',
  ];

  it('the CLI calls no child_process function for any command, and hostile text is stored verbatim', () => {
    const dir = freshDir();
    const cwd = tempDir('coord-cwd-');
    const trace = path.join(tempDir(), 'spawns.log');
    const hook = path.join(tempDir(), 'hook.js');
    fs.writeFileSync(
      hook,
      `const cp = require('child_process'); const fs = require('fs');
       for (const name of ['spawn','spawnSync','exec','execSync','execFile','execFileSync','fork']) {
         const orig = cp[name];
         cp[name] = function (...a) { fs.appendFileSync(${JSON.stringify(trace)}, name + ' ' + JSON.stringify(a[0]) + '\\n'); return orig.apply(this, a); };
       }`,
    );
    const run = (args: string[], as = 'instance-1') => {
      const r = spawnSync(process.execPath, ['--require', hook, CLI, '--dir', dir, '--as', as, ...args], {
        encoding: 'utf8',
        cwd,
      });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    assert.strictEqual(run(['update-status', '$(touch PWNED)'], 'instance-2').code, 0);
    for (const text of hostile) {
      const r = run(['--json', 'send', '#general', text]);
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(JSON.parse(r.stdout).text, text);
      assert.strictEqual(run(['send-dm', 'instance-2', text]).code, 0);
      assert.strictEqual(run(['reply', '1', text], 'instance-2').code, 0);
    }
    for (const args of [
      ['search', '$(touch PWNED)'],
      ['search', '--regex', '`touch PWNED`'],
      ['check-chatroom', 'general'],
      ['check-unread'],
      ['mark-read', 'all'],
      ['create-chatroom', 'shell-room', '$(touch PWNED)'],
      ['close-chatroom', 'shell-room', '`touch PWNED`'],
      ['help'],
      ['system-summary'],
      ['thread', '1'],
    ]) {
      run(args);
    }
    assert.ok(
      !fs.existsSync(path.join(cwd, 'PWNED')) && !fs.existsSync(path.join(dir, 'PWNED')),
      'no shell ran the text',
    );
    assert.strictEqual(fs.existsSync(trace) ? fs.readFileSync(trace, 'utf8') : '', '', 'no child_process call at all');
    const stored = core
      .openCoordination({ dir, instance: 'instance-2' })
      .checkChatroom('general')
      .map((m) => m.text);
    for (const text of hostile) assert.ok(stored.includes(text), `stored verbatim: ${text}`);
    record(
      'no shell',
      `${hostile.length} shell-metacharacter texts x send, send-dm, reply, search, rooms, statuses (child_process hooked)`,
      'zero child_process calls; no PWNED file; texts stored verbatim',
    );
  });

  it('no shipped core or CLI source imports child_process; the extension never hands message text to a terminal or shell', () => {
    const offenders: string[] = [];
    const walk = (p: string) => {
      for (const e of fs.readdirSync(p, { withFileTypes: true })) {
        const full = path.join(p, e.name);
        if (e.isDirectory()) walk(full);
        else if (/\.ts$/.test(e.name)) {
          const text = fs.readFileSync(full, 'utf8');
          const rel = path.relative(REPO_ROOT, full);
          // "Open Agent Terminal" makes a terminal whose env holds a validated instance id and the directory; it
          // writes nothing into it.
          const terminalAllowed = rel === path.join('src', 'extension', 'views', 'agentTerminals.ts');
          // The commit guard asks git which files are staged: `spawnSync('git', [args])`, never a shell, and
          // never with message text (its arguments are the repository root and fixed git options).
          const gitAllowed = rel === path.join('src', 'cli', 'commands', 'claimsCommands.ts');
          // The summary rebuilder runs the bundled CLI as `node cli.js --dir DIR --json reindex`: an argument list,
          // never a shell, never message text.
          const reindexAllowed = rel === path.join('src', 'extension', 'service', 'summaryRebuilder.ts');
          const forbidden = terminalAllowed
            ? /child_process|\bsendText\s*\(|shell:\s*true|shellArgs/
            : gitAllowed
              ? /\bexec(?:Sync)?\s*\(|execFile|\bfork\s*\(|\bspawn\s*\(|shell:\s*true|\bsendText\s*\(/
              : reindexAllowed
                ? /\bexec(?:Sync)?\s*\(|execFile|\bfork\s*\(|spawnSync|shell:\s*true|\bsendText\s*\(|createTerminal/
                : /child_process|\bsendText\s*\(|createTerminal\s*\(|shell:\s*true/;
          const strayGit =
            gitAllowed &&
            (text.match(/spawnSync\(/g) ?? []).length !== (text.match(/spawnSync\('git', \[/g) ?? []).length;
          const reindexCall =
            "spawn(process.execPath, [path.join(__dirname, 'cli.js'), '--dir', this.dir, '--json', 'reindex']";
          const strayReindex =
            reindexAllowed && (text.match(/\bspawn\(/g) ?? []).length !== text.split(reindexCall).length - 1;
          if (forbidden.test(text) || strayGit || strayReindex) offenders.push(rel);
        }
      }
    };
    for (const sub of ['src/core', 'src/cli', 'src/mcp', 'src/extension', 'src/webview', 'src/shared'])
      if (fs.existsSync(path.join(REPO_ROOT, sub))) walk(path.join(REPO_ROOT, sub));
    assert.deepStrictEqual(offenders, []);
    record(
      'no shell',
      'static scan of src/core, src/cli, src/mcp, src/extension, src/webview, src/shared',
      'no child_process, sendText or shell: true; createTerminal only for Open Agent Terminal (env only); the commit guard runs only `git` and the summary rebuilder only `coord reindex`, each with an argument list',
    );
  });
});

describe('security: terminal escape sequences are neutralised', function () {
  this.timeout(120_000);
  const nasty: Array<[string, string]> = [
    ['ESC [2J clear screen', 'clear\u001b[2J\u001b[Hnow'],
    ['OSC 52 clipboard write', 'clip\u001b]52;c;cm0gLXJmIH4=\u0007done'],
    ['OSC 8 hyperlink', '\u001b]8;;http://evil.example\u001b\\click\u001b]8;;\u001b\\'],
    ['C1 CSI (U+009B)', 'c1\u009b31mred'],
    ['BEL and backspaces', 'bell\u0007\u0008\u0008xx'],
    ['bare CR overwrite', 'innocent\rEVIL'],
    ['bidi override U+202E', 'abc\u202edcba'],
    ['DEL and U+0085 NEL', 'del\u007f nel\u0085end'],
  ];

  it('every reading command prints message text, room descriptions, statuses and errors without raw control characters', () => {
    const dir = freshDir();
    assert.strictEqual(
      runCoord(['update-status', 'status \u001b[31mred\u001b[0m \u001b]52;c;eA==\u0007'], { dir, as: 'instance-2' })
        .code,
      0,
    );
    assert.strictEqual(
      runCoord(['create-chatroom', 'esc-room', 'desc \u001b[2J\u202e'], { dir, as: 'instance-1' }).code,
      0,
    );
    for (const [, text] of nasty) {
      for (const args of [
        ['send', '#general', text],
        ['send', '#esc-room', `@instance-2 ${text}`],
        ['send-dm', 'instance-2', text],
      ]) {
        const r = runCoord(args, { dir, as: 'instance-1' });
        assert.strictEqual(r.code, 0, r.stderr);
      }
    }
    // A legacy writer may put raw escapes into a transcript; they are neutralised on output too.
    fs.appendFileSync(
      path.join(dir, 'chatrooms', 'general.txt'),
      '[2025-06-15 05:00:00] FROM: instance-3\nID: 0badf00d\nMESSAGE: raw \u001b[2J legacy\n---\n',
    );
    const log = fs.readFileSync(path.join(dir, 'data', 'messages.log'), 'utf8');
    assert.ok(!RAW_CONTROL.test(log.replace(/\u202e/g, '')), 'messages.log stores control characters escaped');
    const reads = [
      ['check-chatroom', 'general'],
      ['check-chatroom', 'esc-room'],
      ['check-unread'],
      ['check-dm'],
      ['check-dm', 'instance-1'],
      ['check-notifications'],
      ['check-inbox'],
      ['search', 'clear'],
      ['search', '--exact', 'bell'],
      ['search', '--regex', 'c1'],
      ['thread', '1'],
      ['list-chatrooms'],
      ['system-status'],
      ['system-summary'],
      ['action-log'],
    ];
    for (const args of reads) {
      const r = runCoord(args, { dir, as: 'instance-2' });
      assert.strictEqual(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(
        !RAW_CONTROL.test(r.stdout),
        `${args.join(' ')} printed a raw control character: ${JSON.stringify(r.stdout.match(RAW_CONTROL))}`,
      );
      const json = runCoord(['--json', ...args], { dir, as: 'instance-2' });
      assert.ok(!RAW_CONTROL.test(json.stdout), `${args.join(' ')} --json printed a raw control character`);
    }
    const shown = runCoord(['check-chatroom', 'general'], { dir, as: 'instance-2' }).stdout;
    assert.match(shown, /\\x1b\[2J/, 'the escape is shown visibly');
    for (const [what] of nasty)
      record(
        'terminal escapes',
        what,
        `neutralised in ${reads.length} reading commands (text and --json); stored escaped in messages.log`,
      );
    record('terminal escapes', 'raw ESC written into a transcript by a legacy tool', 'neutralised on output');
    record(
      'terminal escapes',
      'ESC/OSC 52/bidi in a status and a room description',
      'neutralised in system-summary, list-chatrooms',
    );
  });

  it('errors that echo user input are neutralised too', () => {
    const dir = freshDir();
    const cases: Array<[1 | 2, string[]]> = [
      [1, ['send', '#\u001b[2Jroom', 'x']],
      [1, ['send', '@\u001b]52;c;eA==\u0007', 'x']],
      [2, ['reply', '\u001b[2J', 'x']],
      [1, ['check-chatroom', 'no\u009bsuch']],
      [2, ['nosuch\u001b[2Jcommand']],
      [1, ['search', '--regex', '(\u001b[']],
    ];
    for (const [exit, args] of cases) {
      const r = expectRefused(path.dirname(dir), exit, () => runCoord(args, { dir, as: 'instance-1' }));
      assert.ok(
        !RAW_CONTROL.test(r.stderr) && !RAW_CONTROL.test(r.stdout),
        `${JSON.stringify(args)} echoed a raw control character: ${JSON.stringify(r.stderr)}`,
      );
    }
    record(
      'terminal escapes',
      'escape sequences inside bad room/instance/ref/command/regex arguments',
      'error line shows them as \\x1b…, never raw',
    );
  });
});

describe('security: huge inputs are bounded', function () {
  this.timeout(120_000);
  it('a message over 64 KiB is refused (argument and stdin), exactly 64 KiB is accepted, nothing changes on refusal', () => {
    const dir = freshDir();
    const root = path.dirname(dir);
    const tooBig = 'x'.repeat(64 * 1024 + 1);
    expectRefused(
      root,
      1,
      () => runCoord(['send', '#general', tooBig], { dir, as: 'instance-1' }),
      'huge input',
      'send with a 64 KiB + 1 byte text',
    );
    const started = Date.now();
    const stdin = expectRefused(root, 1, () =>
      runCoord(['send', '#general', '--stdin'], { dir, as: 'instance-1', input: 'y'.repeat(20 * 1024 * 1024) }),
    );
    record(
      'huge input',
      `send --stdin with 20 MiB (${Date.now() - started} ms)`,
      `refused, exit ${stdin.code}: ${stdin.stderr.trim().replace(/^coord: error: /, '')}`,
    );
    const exact = runCoord(['send', '#general', '--stdin'], { dir, as: 'instance-1', input: 'z'.repeat(64 * 1024) });
    assert.strictEqual(exact.code, 0, exact.stderr);
    record('huge input', 'send with exactly 64 KiB', 'accepted, one line');
  });

  it('a multi-byte text is measured in bytes, not characters', () => {
    const dir = freshDir();
    expectRefused(
      path.dirname(dir),
      1,
      () => runCoord(['send', '#general', '\u{1F600}'.repeat(16 * 1024 + 1)], { dir, as: 'instance-1' }),
      'huge input',
      '16385 emoji (64 KiB + 4 bytes of UTF-8)',
    );
  });

  it('descriptions, reasons and statuses over 2000 characters, absurd ranges and limits are refused', () => {
    const dir = freshDir();
    const long = 'd'.repeat(2001);
    expectRefused(
      path.dirname(dir),
      1,
      () => runCoord(['create-chatroom', 'big', long], { dir, as: 'instance-1' }),
      'huge input',
      'create-chatroom with a 2001-character description',
    );
    expectRefused(
      path.dirname(dir),
      1,
      () => runCoord(['update-status', long], { dir, as: 'instance-1' }),
      'huge input',
      'update-status with 2001 characters',
    );
    expectRefused(
      path.dirname(dir),
      1,
      () => runCoord(['close-chatroom', 'general', long], { dir, as: 'instance-1' }),
      'huge input',
      'close-chatroom with a 2001-character reason',
    );
    expectRefused(
      path.dirname(dir),
      2,
      () => runCoord(['mark-read', '1-100000000'], { dir, as: 'instance-1' }),
      'huge input',
      'mark-read 1-100000000',
    );
    expectRefused(
      path.dirname(dir),
      2,
      () => runCoord(['mark-read', '99999999999999999999999'], { dir, as: 'instance-1' }),
      'huge input',
      'mark-read 99999999999999999999999',
    );
    expectRefused(
      path.dirname(dir),
      2,
      () => runCoord(['check-unread', '--limit', '1e309'], { dir, as: 'instance-1' }),
      'huge input',
      'check-unread --limit 1e309',
    );
  });

  it('a catastrophic regular expression cannot hang a search for long', () => {
    const dir = freshDir();
    assert.strictEqual(runCoord(['send', '#general', `${'a'.repeat(40)}!`], { dir, as: 'instance-1' }).code, 0);
    const started = Date.now();
    const r = spawnSync(process.execPath, [CLI, '--dir', dir, '--as', 'instance-1', 'search', '--regex', '^(a+)+$'], {
      encoding: 'utf8',
      timeout: 5_000,
      killSignal: 'SIGKILL',
    });
    const took = Date.now() - started;
    record(
      'huge input',
      "search --regex '^(a+)+$' over a 41-character 'aaaa…!' message",
      r.signal
        ? `NOT bounded: killed after ${took} ms`
        : `stopped after ${took} ms, exit ${r.status}: ${r.stderr
            .trim()
            .replace(/^coord: error: /, '')
            .slice(0, 80)}`,
    );
    assert.strictEqual(r.signal, null, 'the search ended by itself');
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /^coord: error: the regular expression ran for over 2 s \(catastrophic backtracking/);
    assert.ok(took < 4_500, `bounded: ${took} ms`);
  });

  it('a NUL byte in message text (stdin) is stored escaped and never printed raw', () => {
    const dir = freshDir();
    const r = runCoord(['--json', 'send', '#general', '--stdin'], { dir, as: 'instance-1', input: 'nul\u0000end' });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.ok(!fs.readFileSync(path.join(dir, 'data', 'messages.log'), 'utf8').includes('\u0000'));
    const shown = runCoord(['check-chatroom', 'general'], { dir, as: 'instance-2' });
    assert.ok(!RAW_CONTROL.test(shown.stdout));
    assert.match(shown.stdout, /nul\\x00end/);
    record('terminal escapes', 'NUL byte in a message (via stdin)', 'stored as \\u0000, shown as \\x00');
  });

  it('a 16 MiB line written into messages.log by another tool is read without a crash, and numbers stay right', () => {
    const dir = freshDir();
    assert.strictEqual(runCoord(['send', '#general', 'one'], { dir, as: 'instance-1' }).code, 0);
    fs.appendFileSync(
      path.join(dir, 'data', 'messages.log'),
      `[2025-06-15 05:00:00] instance-3 -> #general: ${'w'.repeat(16 * 1024 * 1024)}\n`,
    );
    const started = Date.now();
    const r = runCoord(['--json', 'send', '#general', 'three'], { dir, as: 'instance-1' });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(JSON.parse(r.stdout).number, 3);
    const read = runCoord(['check-chatroom', 'general', '--limit', '1'], { dir, as: 'instance-2' });
    assert.strictEqual(read.code, 0, read.stderr);
    record(
      'huge input',
      '16 MiB single line appended to messages.log by another tool',
      `send numbered 3, reads work (${Date.now() - started} ms for send + read)`,
    );
  });
});

after(() => {
  const file = path.join(REPO_ROOT, 'test-results', 'security-cases.md');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const esc = (s: string) =>
    s
      .replace(/\|/g, '\\|')
      .replace(
        /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/g,
        (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
      );
  const lines = [
    '| area | case tried | what it got |',
    '|---|---|---|',
    ...cases.map((c) => `| ${esc(c.area)} | ${esc(c.input)} | ${esc(c.got)} |`),
  ];
  fs.writeFileSync(file, lines.join('\n') + '\n');
  void os;
});
