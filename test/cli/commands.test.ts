import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { copySample, freshDir, runCoord, RunResult, tempDir } from '../support/helpers';

function json<T = any>(r: RunResult): T {
  assert.strictEqual(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  assert.strictEqual(r.stderr, '');
  return JSON.parse(r.stdout) as T;
}

const MESSAGE_KEYS = ['number', 'id', 'time', 'from', 'target', 'text', 'replyTo', 'importance', 'ackRequired'];

describe('coord commands (as a process, on real directories)', function () {
  this.timeout(60000);
  let dir: string;
  const as1 = (args: string[]) => runCoord([...args, '--json'], { dir, as: 'instance-1' });
  const as2 = (args: string[]) => runCoord([...args, '--json'], { dir, as: 'instance-2' });

  before(() => {
    dir = copySample();
  });

  it('send prints the message it wrote, numbered by its log line', () => {
    const m = json(as1(['send', '#general', 'hello @instance-2, see #python-dev']));
    assert.deepStrictEqual(Object.keys(m), MESSAGE_KEYS);
    assert.deepStrictEqual([m.number, m.from, m.target, m.replyTo], [1, 'instance-1', '#general', null]);
    assert.match(m.id, /^[0-9a-f]{8}$/);
    assert.match(m.time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const log = fs.readFileSync(path.join(dir, 'data/messages.log'), 'utf8');
    assert.strictEqual(log, `[${m.time}] instance-1 -> #general: hello @instance-2, see #python-dev\n`);
    assert.match(
      fs.readFileSync(path.join(dir, 'chatrooms/general.txt'), 'utf8'),
      new RegExp(`FROM: instance-1\\nID: ${m.id}\\nMESSAGE: hello @instance-2, see #python-dev\\n---\\n$`),
    );
  });

  it('send to @instance writes the log and the inbox block', () => {
    const m = json(as1(['send', '@instance-3', 'for your eyes']));
    assert.deepStrictEqual([m.number, m.target], [2, '@instance-3']);
    assert.match(
      fs.readFileSync(path.join(dir, 'inboxes/instance-3.txt'), 'utf8'),
      new RegExp(`ID: ${m.id}\\nMESSAGE: for your eyes\\nSTATUS: unread\\n---\\n$`),
    );
  });

  it('send takes multi-line text from stdin and keeps it one log line', () => {
    const r = runCoord(['send', '#general', '--stdin', '--json'], {
      dir,
      as: 'instance-2',
      input: 'line one\nline two\n',
    });
    const m = json(r);
    assert.strictEqual(m.text, 'line one\nline two');
    const lines = fs.readFileSync(path.join(dir, 'data/messages.log'), 'utf8').split('\n');
    assert.strictEqual(lines[m.number - 1], `[${m.time}] instance-2 -> #general: \u2060line one\\nline two`);
  });

  it("reply goes to the parent's room, threaded", () => {
    const m = json(as2(['reply', '1', 'on it']));
    assert.deepStrictEqual([m.target, m.replyTo, m.text], ['#general', 1, 'on it']);
    const thread = json(as1(['thread', '1']));
    assert.deepStrictEqual(
      thread.map((x: any) => x.number),
      [1, m.number],
    );
  });

  it('send-dm writes the log and both DM files; check-dm shows the conversation', () => {
    const m = json(as2(['send-dm', 'instance-1', 'psst']));
    assert.deepStrictEqual([m.target, m.from], ['@instance-1', 'instance-2']);
    assert.match(fs.readFileSync(path.join(dir, 'dms/dm_instance-1_instance-2.txt'), 'utf8'), /\] instance-2: psst\n$/);
    assert.match(
      fs.readFileSync(path.join(dir, 'dms/instance-1_instance-2.txt'), 'utf8'),
      /FROM: instance-2 TO: instance-1\n.*\nMESSAGE: psst\nSTATUS: unread by instance-1\n---\n$/,
    );
    const convo = json(as1(['check-dm', 'instance-2']));
    assert.ok(convo.some((x: any) => x.number === m.number));
    const human = runCoord(['check-dm'], { dir, as: 'instance-1' });
    assert.match(human.stdout, /@instance-2 {2}\d+ messages, \d+ unread/);
  });

  it('check-unread lists what instance-2 can see, not its own, with real numbers', () => {
    const unread = json(as2(['check-unread']));
    assert.ok(unread.length > 0);
    assert.ok(unread.every((m: any) => m.from !== 'instance-2'));
    assert.ok(unread.some((m: any) => m.number === 1));
    assert.ok(!unread.some((m: any) => m.target === '@instance-3'), "another instance's @-message is not visible");
    assert.deepStrictEqual(Object.keys(unread[0]), MESSAGE_KEYS);
  });

  it('check-notifications finds the @mention; mark-read clears it', () => {
    const before = json(as2(['check-notifications']));
    assert.deepStrictEqual(
      before.mentions.map((m: any) => m.number),
      [1],
    );
    const marked = json(as2(['mark-read', '1']));
    assert.deepStrictEqual(marked.marked, [1]);
    assert.deepStrictEqual(json(as2(['check-notifications'])).mentions, []);
  });

  it('mark-read takes several numbers, ranges, legacy ids, and all', () => {
    const r = json(as2(['mark-read', '2-3,4', '65f4a6ab']));
    assert.ok(r.marked.includes('65f4a6ab'));
    const all = json(as2(['mark-read', 'all']));
    assert.ok(all.marked.length > 0);
    assert.deepStrictEqual(json(as2(['check-unread'])), []);
    assert.match(
      fs.readFileSync(path.join(dir, 'read-status/instance-2_positions.txt'), 'utf8'),
      /^chatroom:general: +\d+$/m,
    );
  });

  it('mark-read of an inbox message rewrites its STATUS line for the bash tools', () => {
    const r = json(runCoord(['mark-read', '8abda4b6', '--json'], { dir, as: 'instance-1' }));
    assert.deepStrictEqual(r.marked, ['8abda4b6']);
    const inbox = fs.readFileSync(path.join(dir, 'inboxes/instance-1.txt'), 'utf8');
    assert.match(inbox, /ID: 8abda4b6\nMESSAGE: .*\nSTATUS: read\n/);
    assert.match(inbox, /ID: f056f223\nMESSAGE: .*\nSTATUS: unread\n/);
  });

  it('list-chatrooms prints every room with the documented fields', () => {
    const rooms = json(as1(['list-chatrooms']));
    assert.strictEqual(rooms.length, 10);
    assert.deepStrictEqual(Object.keys(rooms[0]), [
      'name',
      'status',
      'creator',
      'created',
      'modified',
      'reason',
      'description',
    ]);
  });

  it('create, close and reopen a chatroom', () => {
    const created = json(as1(['create-chatroom', 'release', 'Shipping', 'v2']));
    assert.deepStrictEqual([created.name, created.status, created.description], ['release', 'open', 'Shipping v2']);
    assert.strictEqual(json(as1(['close-chatroom', '#release', 'shipped'])).status, 'closed');
    assert.strictEqual(json(as1(['list-chatrooms'])).find((r: any) => r.name === 'release').reason, 'shipped');
    assert.strictEqual(json(as1(['reopen-chatroom', 'release', 'hotfix'])).status, 'open');
  });

  it('check-chatroom prints [message] and, for people, the room header and each message', () => {
    const list = json(as1(['check-chatroom', 'task-coordination']));
    assert.strictEqual(list.length, 13);
    assert.ok(list.every((m: any) => m.target === '#task-coordination' && m.number === null));
    const human = runCoord(['check-chatroom', 'task-coordination'], { dir });
    assert.match(human.stdout, /^#task-coordination \(open\) - For coordinating/);
    assert.match(
      human.stdout,
      /\[id:5d780a90\] 2025-06-15 05:18:21 instance-3 -> #task-coordination: TASK ASSIGNMENT:\n {4}@instance-1: Fix/,
    );
  });

  it('check-inbox summarises unread direct messages and mentions', () => {
    json(as2(['send', '#general', 'ping @instance-1']));
    json(as2(['send', '#general', 'again @instance-1']));
    const inbox = json(as1(['check-inbox']));
    assert.deepStrictEqual(Object.keys(inbox), ['unread', 'directTotal', 'mentionTotal', 'directMessages', 'mentions']);
    assert.ok(inbox.mentions.some((m: any) => m.text === 'ping @instance-1'));
    assert.strictEqual(inbox.mentionTotal, inbox.mentions.length);
    // The human output shows the last N of each list and says how many it left out.
    const human = runCoord(['check-inbox', '--limit', '1'], { dir, as: 'instance-1' }).stdout;
    assert.match(human, new RegExp(`Mentions: ${inbox.mentionTotal}\\b`));
    assert.match(human, /again @instance-1/);
    assert.doesNotMatch(human, /ping @instance-1/);
    assert.match(human, new RegExp(`^${inbox.mentionTotal - 1} more before these: use --limit N or --json$`, 'm'));
  });

  it('update-status writes both status files; system-summary shows it', () => {
    const s = json(as1(['update-status', 'reviewing', '#12']));
    assert.strictEqual(s.text, 'reviewing #12');
    assert.match(fs.readFileSync(path.join(dir, 'data/status_instance-1.txt'), 'utf8'), /^\[[\d :-]+\] reviewing #12$/);
    assert.match(
      fs.readFileSync(path.join(dir, 'data/status.txt'), 'utf8'),
      /^instance-1: reviewing #12 {2}\(updated: [\d :-]+\)$/m,
    );
    const summary = json(as1(['system-summary']));
    assert.deepStrictEqual(Object.keys(summary), [
      'instance',
      'totalMessages',
      'unread',
      'activeChatrooms',
      'statuses',
      'recentActivity',
    ]);
    assert.strictEqual(summary.statuses['instance-1'].text, 'reviewing #12');
    assert.ok(summary.recentActivity.some((a: any) => a.action === 'UPDATE_STATUS'));
  });

  it('system-status, action-log, validate-command, help', () => {
    const status = json(as1(['system-status']));
    assert.strictEqual(status.activeChatrooms, 9);
    assert.ok(status.instances.includes('instance-3'));
    const log = json(as1(['action-log', '--limit', '3']));
    assert.strictEqual(log.length, 3);
    assert.deepStrictEqual(json(as1(['validate-command', 'send'])), { command: 'send', valid: true, suggestion: null });
    const bad = as1(['validate-command', 'sendd']);
    assert.strictEqual(bad.code, 1);
    assert.deepStrictEqual(JSON.parse(bad.stdout), { command: 'sendd', valid: false, suggestion: 'send' });
    const help = runCoord(['help']);
    for (const name of [
      'send',
      'reply',
      'search',
      'check-notifications',
      'check-unread',
      'mark-read',
      'create-chatroom',
      'close-chatroom',
      'reopen-chatroom',
      'list-chatrooms',
      'check-chatroom',
      'send-dm',
      'check-dm',
      'check-inbox',
      'update-status',
      'system-status',
      'system-summary',
      'validate-command',
      'help',
    ]) {
      assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'), name);
      const sub = runCoord([name, '--help']);
      assert.strictEqual(sub.code, 0, name);
      assert.match(sub.stdout, new RegExp(`Usage: coord ${name}`), name);
    }
  });

  it('reindex rebuilds the summary in place; not on a server, and not where there is no directory', () => {
    const index = path.join(dir, 'data', '.coord-search-index');
    const before = fs.existsSync(index) ? fs.statSync(index) : null;
    const status = json(as1(['system-status']));
    const r = json(runCoord(['reindex', '--json'], { dir }));
    assert.deepStrictEqual([r.dir, r.messages], [fs.realpathSync(dir), status.totalMessages]);
    const after = fs.statSync(index);
    assert.ok(!before || after.ino !== before.ino || after.mtimeMs !== before.mtimeMs, 'the summary was rewritten');
    assert.match(runCoord(['reindex'], { dir }).stdout, /^Rebuilt the summary of \d+ messages? in \d+ ms$/m);
    const nowhere = runCoord(['reindex'], { dir: path.join(tempDir(), 'missing') });
    assert.notStrictEqual(nowhere.code, 0);
    assert.strictEqual(nowhere.stderr.trim().split('\n').length, 1, nowhere.stderr);
  });

  it('search prints real message numbers', () => {
    const found = json(runCoord(['search', 'on it', '--json'], { dir }));
    assert.ok(found.some((m: any) => m.number === 4 && m.text === 'on it'));
    const recent = json(runCoord(['search', 'psst', '--recent', '3', '--exact', '--json'], { dir }));
    assert.ok(recent.length >= 1 && recent.every((m: any) => m.number > 3), 'numbers are not relative to the slice');
  });

  it('finds the directory from COORDINATION_DIR and by walking up', () => {
    const byEnv = runCoord(['list-chatrooms', '--json'], { env: { COORDINATION_DIR: dir } });
    assert.strictEqual(json(byEnv).length, 11);
    const nested = path.join(path.dirname(dir), 'src', 'deep');
    fs.mkdirSync(nested, { recursive: true });
    assert.strictEqual(json(runCoord(['list-chatrooms', '--json'], { cwd: nested })).length, 11);
    assert.strictEqual(
      json(runCoord(['send', '#general', 'env id', '--json'], { dir, env: { CLAUDE_INSTANCE_ID: 'instance-3' } })).from,
      'instance-3',
    );
  });

  it('init creates a usable directory', () => {
    const target = path.join(tempDir(), 'coordination');
    const r = json(runCoord(['init', target, '--json']));
    assert.deepStrictEqual(r, { dir: fs.realpathSync(target), created: true });
    assert.strictEqual(
      json(runCoord(['send', '#general', 'first', '--json'], { dir: target, as: 'agent-a' })).number,
      1,
    );
    const again = json(runCoord(['init', target, '--json']));
    assert.strictEqual(again.created, false);
  });

  it('human output never passes raw control characters from message text', () => {
    const d = freshDir();
    runCoord(['send', '#general', 'evil \u001b]0;pwned\u0007 \u001b[2J bidi\u202eexe'], { dir: d, as: 'mallory' });
    const out = runCoord(['check-chatroom', 'general'], { dir: d }).stdout;
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(out), JSON.stringify(out));
    assert.match(out, /evil \\x1b\]0;pwned\\x07 \\x1b\[2J bidi\\u202eexe/);
  });
});
