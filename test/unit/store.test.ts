import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { openCoordination } from '../../src/core/coordination';
import { copySample, SAMPLE_DIR, tempDir } from '../support/helpers';
import { initCoordination } from '../../src/core';

describe('loading the legacy sample', () => {
  const c = openCoordination({ dir: SAMPLE_DIR, instance: 'instance-2' });

  it('lists all 10 chatrooms with status, creator, created time and description', () => {
    const rooms = c.listChatrooms();
    assert.deepStrictEqual(
      rooms.map((r) => `${r.name}:${r.status}:${r.creator}`),
      [
        'ai-messaging:open:system',
        'bug-testing:open:instance-2',
        'crawler-project:open:system',
        'general:open:system',
        'instance-3-demo:open:instance-3',
        'python-dev:open:instance-3',
        'python-testing:closed:instance-3',
        'system-testing:closed:instance-1',
        'task-coordination:open:instance-3',
        'test-messaging:open:instance-1',
      ],
    );
    const byName = new Map(rooms.map((r) => [r.name, r]));
    assert.strictEqual(
      byName.get('bug-testing')!.description,
      'Dedicated space for testing coordination system bugs and edge cases',
    );
    assert.strictEqual(
      byName.get('test-messaging')!.created,
      '2025-06-15 04:20:48',
      'truncated status time repaired from the transcript',
    );
    assert.strictEqual(
      byName.get('system-testing')!.reason,
      'System testing completed successfully - all features verified functional',
    );
  });

  it('shows every transcript block and Python DM line once, with its 8-hex id', () => {
    const all = c.messages();
    let blocks = 0;
    for (const sub of ['chatrooms', 'inboxes', 'dms']) {
      for (const name of fs.readdirSync(path.join(SAMPLE_DIR, sub))) {
        const text = fs.readFileSync(path.join(SAMPLE_DIR, sub, name), 'utf8');
        blocks += name.startsWith('dm_')
          ? text.split('\n').filter(Boolean).length
          : (text.match(/^ID: /gm) ?? []).length;
      }
    }
    assert.strictEqual(all.length, blocks);
    assert.strictEqual(all.length, 47);
    assert.ok(all.every((m) => m.number === null && /^[0-9a-f]{8}$/.test(m.id)));
    assert.strictEqual(new Set(all.map((m) => m.id)).size, all.length);
    const ids = fs
      .readFileSync(path.join(SAMPLE_DIR, 'chatrooms/task-coordination.txt'), 'utf8')
      .match(/^ID: (\w+)/gm)!
      .map((l) => l.slice(4));
    assert.deepStrictEqual(
      c.checkChatroom('task-coordination').map((m) => m.id),
      ids,
    );
  });

  it('puts inbox and DM messages in conversations', () => {
    const dms = c.checkDm();
    assert.deepStrictEqual(dms.map((m) => `${m.from}->${m.target}`).sort(), [
      'instance-1->@instance-2',
      'instance-1->@instance-2',
      'instance-2->@',
      'instance-2->@instance-1',
      'instance-2->@instance-3',
      'instance-2->@instance-invalid',
      'instance-2->@nonexistent-instance',
      'instance-3->@instance-2',
      'instance-3->@instance-2',
      'instance-3->@instance-2',
    ]);
    assert.ok(dms.some((m) => m.id === 'a11f0e1a' && m.target === '@instance-3'));
    assert.ok(dms.some((m) => m.text === 'Testing DM functionality from Python system!'));
  });

  it('takes the newest status of each instance from both files', () => {
    const s = c.statuses();
    assert.deepStrictEqual(Object.keys(s), ['instance-1', 'instance-2', 'instance-3']);
    assert.strictEqual(s['instance-1'].updated, '2025-06-15 06:31:29');
    assert.strictEqual(s['instance-2'].text, 'Using Python API directly - no bash, no test files');
  });

  it('honours positions, inbox STATUS and DM read marks', () => {
    // instance-2 read ai-messaging up to line 69 (all of it) and the first two DMs from instance-3.
    assert.strictEqual(c.checkUnread({ room: 'ai-messaging' }).length, 0);
    const unreadDms = c.checkUnread().filter((m) => m.target === '@instance-2' && m.from === 'instance-3');
    assert.deepStrictEqual(
      unreadDms.map((m) => m.id),
      ['65f4a6ab'],
    );
    const i3 = openCoordination({ dir: SAMPLE_DIR, instance: 'instance-3' });
    assert.ok(!i3.checkUnread().some((m) => m.id === 'a11f0e1a'), 'inbox STATUS: read counts');
    const i1 = openCoordination({ dir: SAMPLE_DIR, instance: 'instance-1' });
    assert.deepStrictEqual(
      i1
        .checkUnread()
        .filter((m) => m.target === '@instance-1')
        .map((m) => m.id)
        .sort(),
      ['045dbce9', '8abda4b6', 'f056f223'],
    );
  });

  it("counts only what one can see, never one's own messages", () => {
    const i3 = openCoordination({ dir: SAMPLE_DIR, instance: 'instance-3' });
    const unread = i3.checkUnread();
    assert.ok(unread.every((m) => m.from !== 'instance-3'));
    assert.ok(!unread.some((m) => m.target === '#system-testing'), 'closed rooms do not count');
    assert.ok(!unread.some((m) => m.target === '@nonexistent-instance'), "others' @-messages do not count");
  });
});

describe('writes through the library', () => {
  it("numbers messages by log line and threads replies in the parent's room", async () => {
    const dir = copySample();
    const a = openCoordination({ dir, instance: 'instance-1' });
    const first = await a.send('#general', 'hello @instance-2');
    assert.strictEqual(first.number, 1);
    const b = openCoordination({ dir, instance: 'instance-2' });
    const reply = await b.reply(1, 'hi back');
    assert.deepStrictEqual([reply.number, reply.target, reply.replyTo], [2, '#general', 1]);
    const dm = await b.sendDm('instance-1', 'private');
    assert.strictEqual(dm.number, 3);
    const dmReply = await a.reply(3, 'ok');
    assert.deepStrictEqual([dmReply.target, dmReply.replyTo], ['@instance-2', 3]);
    assert.deepStrictEqual(
      a.thread(1).map((m) => m.number),
      [1, 2],
    );
    assert.deepStrictEqual(
      b.checkNotifications().mentions.map((m) => m.number),
      [1],
    );
    const fresh = openCoordination({ dir, instance: 'instance-2' });
    assert.deepStrictEqual(
      fresh.checkChatroom('general').map((m) => [m.number, m.text]),
      [
        [1, 'hello @instance-2'],
        [2, 'hi back'],
      ],
    );
  });

  it('threads a Python reply aimed at "coordination" under its parent', async () => {
    const dir = copySample();
    const a = openCoordination({ dir, instance: 'instance-1' });
    await a.send('#python-dev', 'question');
    fs.appendFileSync(
      path.join(dir, 'data/messages.log'),
      '[2025-06-16 10:00:00] instance-2 -> coordination: [REPLY to msg #1] answer\n',
    );
    const fresh = openCoordination({ dir, instance: 'instance-1' });
    const reply = fresh.getMessage(2);
    assert.deepStrictEqual([reply.target, reply.replyTo, reply.text], ['#python-dev', 1, 'answer']);
    assert.deepStrictEqual(
      fresh.thread(1).map((m) => m.number),
      [1, 2],
    );
  });

  it('reads a bare room name known only from the status file as that room, on a first load and on a refresh alike', () => {
    const dir = copySample();
    const log = path.join(dir, 'data/messages.log');
    // python-testing has a status line but no transcript.
    fs.writeFileSync(log, '[2025-06-16 10:00:00] instance-2 -> python-testing: first\n');
    const live = openCoordination({ dir, instance: 'instance-1' });
    assert.strictEqual(live.getMessage(1).target, '#python-testing');
    fs.appendFileSync(log, '[2025-06-16 10:00:01] instance-2 -> python-testing: second\n');
    live.refresh();
    assert.strictEqual(live.getMessage(2).target, '#python-testing');
    assert.strictEqual(openCoordination({ dir, instance: 'instance-1' }).getMessage(2).target, '#python-testing');
  });

  it('shows a spilled legacy line as a continuation that keeps its number', async () => {
    const dir = copySample();
    fs.writeFileSync(
      path.join(dir, 'data/messages.log'),
      '[2025-06-16 10:00:00] instance-2 -> #general: first\nspilled second line\n[2025-06-16 10:00:01] instance-3 -> #general: next\n',
    );
    const c = openCoordination({ dir, instance: 'instance-1' });
    assert.deepStrictEqual(
      c.checkChatroom('general').map((m) => [m.number, m.text]),
      [
        [1, 'first\nspilled second line'],
        [3, 'next'],
      ],
    );
    assert.strictEqual(c.getMessage(2).number, 1);
    const sent = await c.send('#general', 'after');
    assert.strictEqual(sent.number, 4);
    await c.markRead([2]);
    assert.ok(
      fs.readFileSync(path.join(dir, 'read-status/instance-1.txt'), 'utf8').match(/^1: read at .*\n2: read at /m),
    );
  });

  it('pairs a log line with its block read earlier once the line has all its continuation lines (a raw CR)', () => {
    const dir = copySample();
    fs.writeFileSync(path.join(dir, 'data/messages.log'), '');
    const c = openCoordination({ dir, instance: 'instance-1' });
    assert.strictEqual(c.checkChatroom('general').length, 0);
    // An older tool writes the block first, then the log line; its raw CR breaks the line for Python.
    fs.appendFileSync(
      path.join(dir, 'chatrooms/general.txt'),
      '[2025-06-16 10:00:00] FROM: instance-2\nID: 1a2b3c4d\nMESSAGE: first\rsecond\n---\n',
    );
    c.refresh();
    assert.deepStrictEqual(
      c.checkChatroom('general').map((m) => [m.number, m.id]),
      [[null, '1a2b3c4d']],
    );
    fs.appendFileSync(
      path.join(dir, 'data/messages.log'),
      '[2025-06-16 10:00:00] instance-2 -> #general: first\rsecond\n',
    );
    c.refresh();
    assert.deepStrictEqual(
      c.checkChatroom('general').map((m) => [m.number, m.id, m.text]),
      [[1, '1a2b3c4d', 'first\nsecond']],
    );
  });

  it("keeps a torn last line's number and starts the next message on its own line", async () => {
    const dir = copySample();
    const log = path.join(dir, 'data/messages.log');
    fs.writeFileSync(
      log,
      '[2025-06-16 10:00:00] instance-2 -> #general: whole\n[2025-06-16 10:00:01] instance-3 -> #general: tor',
    );
    const c = openCoordination({ dir, instance: 'instance-1' });
    assert.deepStrictEqual(
      c.checkChatroom('general').map((m) => m.number),
      [1, 2],
    );
    const m = await c.send('#general', 'next');
    assert.strictEqual(m.number, 3);
    assert.ok(fs.readFileSync(log, 'utf8').endsWith(': tor\n[' + m.time + '] instance-1 -> #general: next\n'));
    c.refresh();
    assert.deepStrictEqual(
      c.checkChatroom('general').map((x) => [x.number, x.text]),
      [
        [1, 'whole'],
        [2, 'tor'],
        [3, 'next'],
      ],
    );
  });

  it('refresh() picks up appends and rewrites made by other processes', async () => {
    const dir = copySample();
    const c = openCoordination({ dir, instance: 'instance-1' });
    assert.strictEqual(c.checkChatroom('general').length, 0);
    const other = openCoordination({ dir, instance: 'instance-2' });
    await other.send('#general', 'one');
    assert.strictEqual(c.refresh(), true);
    assert.strictEqual(c.checkChatroom('general').length, 1);
    assert.strictEqual(c.refresh(), false);
    fs.writeFileSync(path.join(dir, 'data/messages.log'), '[2025-06-16 10:00:00] instance-2 -> #general: replaced\n');
    c.refresh();
    assert.strictEqual(c.getMessage(1).text, 'replaced');
    // The transcript still holds "one"; with its log line gone it shows as a legacy message.
    assert.deepStrictEqual(
      c
        .checkChatroom('general')
        .map((m) => [m.number, m.text])
        .sort(),
      [
        [null, 'one'],
        [1, 'replaced'],
      ],
    );
    await other.closeChatroom('general', 'done');
    c.refresh();
    assert.strictEqual(c.getChatroom('general').status, 'closed');
  });

  it('creates, closes and reopens rooms in the files both older tools read', async () => {
    const dir = copySample();
    const c = openCoordination({ dir, instance: 'instance-1' });
    await c.createChatroom('Backend', 'API work');
    await assert.rejects(c.createChatroom('backend', 'dup'), /already exists/);
    await c.closeChatroom('backend', 'shipped: v1');
    const status = fs.readFileSync(path.join(dir, 'data/chatroom-status.txt'), 'utf8');
    assert.match(
      status,
      /^Backend:closed:instance-1:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:shipped: v1$/m,
    );
    assert.match(status, /^# Chatroom Status Tracking/);
    assert.match(
      status,
      /^python-testing:closed:instance-3:2025-06-15 06:2025-06-15 06:11:11:Testing complete - closing test chatroom$/m,
      'other lines kept verbatim',
    );
    const transcript = fs.readFileSync(path.join(dir, 'chatrooms/Backend.txt'), 'utf8');
    assert.match(
      transcript,
      /SYSTEM: Chatroom 'Backend' created by instance-1\n.*SYSTEM: Description: API work\n.*SYSTEM: Chatroom closed by instance-1\n.*SYSTEM: Closure reason: shipped: v1\n$/,
    );
    await assert.rejects(c.send('#backend', 'x'), /closed/);
    await c.reopenChatroom('BACKEND', 'more');
    assert.strictEqual((await c.send('#backend', 'x')).target, '#Backend');
  });

  it('refers to a legacy message whose 8-hex id is all digits', async () => {
    const dir = copySample();
    const c = openCoordination({ dir, instance: 'instance-1' });
    assert.strictEqual(c.getMessage('70986932').text.slice(0, 30), c.checkChatroom('python-dev')[0].text.slice(0, 30));
    const r = await c.markRead(['70986932']);
    assert.deepStrictEqual(r.marked, ['70986932']);
    const reply = await c.reply('70986932', 'welcome');
    assert.deepStrictEqual([reply.target, reply.replyTo], ['#python-dev', '70986932']);
    await c.send('#general', 'numbered');
    assert.deepStrictEqual(
      [c.getMessage('#1').text, c.getMessage(2).text],
      ['welcome', 'numbered'],
      "reads see this object's own writes",
    );
  });

  it('loads a burst of 10k messages stamped in one second without going quadratic', () => {
    const dir = copySample();
    let log = '';
    let blocks = '';
    for (let i = 0; i < 10000; i++) {
      log += `[2025-06-16 05:00:00] instance-1 -> #general: burst ${i}\n`;
      blocks += `[2025-06-16 05:00:00] FROM: instance-1\nID: ${(0x10000000 + i).toString(16)}\nMESSAGE: burst ${i}\n---\n`;
    }
    fs.writeFileSync(path.join(dir, 'data/messages.log'), log);
    fs.appendFileSync(path.join(dir, 'chatrooms/general.txt'), blocks);
    const started = Date.now();
    const room = openCoordination({ dir, instance: 'instance-2' }).checkChatroom('general');
    const took = Date.now() - started;
    assert.strictEqual(room.length, 10000, 'each block matched its log line: no duplicates');
    assert.deepStrictEqual([room[123].number, room[123].id], [124, (0x10000000 + 123).toString(16)]);
    assert.ok(took < 3000, `loaded in ${took} ms`);
  });

  it('refresh() reports read marks written by another process', async () => {
    const dir = copySample();
    const writer = openCoordination({ dir, instance: 'instance-1' });
    await writer.send('#general', 'read me');
    const viewer = openCoordination({ dir, instance: 'instance-2' });
    assert.strictEqual(viewer.unreadCounts().byTarget['#general'], 1);
    const version = viewer.version;
    await openCoordination({ dir, instance: 'instance-2' }).markRead([1]);
    assert.strictEqual(viewer.refresh(), true);
    assert.ok(viewer.version > version);
    assert.strictEqual(viewer.unreadCounts().byTarget['#general'], undefined);
  });

  it('creates directories 700 and files 600', async () => {
    const root = path.join(tempDir(), 'coordination');
    const { coordination } = initCoordination(root, { instance: 'instance-1' });
    await coordination.send('#general', 'x');
    await coordination.updateStatus('busy');
    const check = (p: string) => {
      const st = fs.statSync(p);
      assert.strictEqual(st.mode & 0o777, st.isDirectory() ? 0o700 : 0o600, p);
      if (st.isDirectory()) for (const e of fs.readdirSync(p)) if (!e.endsWith('.lock')) check(path.join(p, e));
    };
    check(root);
  });
});
