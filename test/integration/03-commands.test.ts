import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type {
  Chatroom,
  Message,
  MarkReadResult,
  Notifications,
  SystemStatus,
  SystemSummary,
  ActionEntry,
} from '../../src/core';
import { ME, coordDir, fresh, getApi, readFile, waitFor, workspaceDir } from './helpers';

const ROOM = 'it-room';

function run<T>(command: string, args?: unknown): Promise<T> {
  return vscode.commands.executeCommand<T>(command, args) as Promise<T>;
}

async function rejects(command: string, args: unknown, pattern: RegExp): Promise<void> {
  await assert.rejects(run(command, args), (e: Error) => {
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'a one-line error');
    return true;
  });
}

describe('commands (run with arguments, checked on disk)', () => {
  let sent: Message;

  before(async () => {
    await getApi();
  });

  it('Create Chatroom writes the status file and the transcript', async () => {
    const room = await run<Chatroom>('coordination.createChatroom', { name: ROOM, description: 'integration tests' });
    assert.strictEqual(room.name, ROOM);
    assert.match(readFile('data/chatroom-status.txt'), new RegExp(`^${ROOM}:open:${ME}:`, 'm'));
    assert.match(readFile(`chatrooms/${ROOM}.txt`), /Chatroom 'it-room' created by instance-1/);
    assert.strictEqual(fresh().getChatroom(ROOM).description, 'integration tests');
    await rejects('coordination.createChatroom', { name: ROOM, description: '' }, /already exists/);
    await rejects('coordination.createChatroom', { name: '../evil', description: '' }, /invalid chatroom name/);
  });

  it('Send Message appends one log line and the room transcript', async () => {
    sent = await run<Message>('coordination.sendMessage', {
      target: `#${ROOM}`,
      text: 'hello from the integration test',
    });
    assert.strictEqual(typeof sent.number, 'number');
    const lines = readFile('data/messages.log').split('\n');
    assert.match(lines[sent.number! - 1], /\] instance-1 -> #it-room: hello from the integration test$/);
    assert.match(readFile(`chatrooms/${ROOM}.txt`), /MESSAGE: hello from the integration test/);
    const last = fresh().checkChatroom(ROOM).pop()!;
    assert.strictEqual(last.text, 'hello from the integration test');
  });

  it('Send Message reports a bad target as a one-line error and writes nothing', async () => {
    const before = readFile('data/messages.log');
    await rejects(
      'coordination.sendMessage',
      { target: '#no-such-room', text: 'x' },
      /unknown chatroom 'no-such-room'/,
    );
    await rejects('coordination.sendMessage', { target: `#${ROOM}`, text: '   ' }, /message text is empty/);
    assert.strictEqual(readFile('data/messages.log'), before);
  });

  it('Reply to Message threads the reply under its parent in the same room', async () => {
    const reply = await run<Message>('coordination.replyToMessage', { ref: sent.number, text: 'a threaded reply' });
    const onDisk = fresh().getMessage(reply.number!);
    assert.strictEqual(onDisk.replyTo, sent.number);
    assert.strictEqual(onDisk.target, `#${ROOM}`);
    assert.deepStrictEqual(
      fresh()
        .thread(sent.number!)
        .map((m) => m.text),
      ['hello from the integration test', 'a threaded reply'],
    );
  });

  it('Reply to Message accepts a legacy 8-hex id', async () => {
    const legacy = fresh()
      .checkChatroom('task-coordination')
      .find((m) => m.number === null)!;
    assert.ok(legacy, 'the sample has legacy messages');
    const reply = await run<Message>('coordination.replyToMessage', {
      ref: legacy.id,
      text: 'reply to a legacy message',
    });
    assert.strictEqual(fresh().getMessage(reply.number!).replyTo, legacy.id);
    assert.strictEqual(reply.target, '#task-coordination');
  });

  it('Send Direct Message writes the DM files both older tools read', async () => {
    const dm = await run<Message>('coordination.sendDirectMessage', {
      peer: 'instance-2',
      text: 'a direct message for you',
    });
    assert.strictEqual(dm.target, '@instance-2');
    assert.match(readFile('dms/dm_instance-1_instance-2.txt'), /instance-1: a direct message for you/);
    assert.ok(
      fresh('instance-2')
        .checkDm('instance-1')
        .some((m) => m.text === 'a direct message for you'),
    );
    await rejects(
      'coordination.sendDirectMessage',
      { peer: 'nobody-here', text: 'x' },
      /unknown instance 'nobody-here'/,
    );
  });

  it('Update My Status writes status_<id>.txt and status.txt', async () => {
    await run('coordination.updateStatus', { text: 'running the integration suite' });
    assert.match(readFile(`data/status_${ME}.txt`), /running the integration suite$/);
    assert.match(readFile('data/status.txt'), /instance-1: running the integration suite/);
    assert.strictEqual(fresh().statuses()[ME].text, 'running the integration suite');
  });

  it('Close Chatroom and Reopen Chatroom rewrite the room status with the reason', async () => {
    await run('coordination.closeChatroom', { name: ROOM, reason: 'done testing' });
    let room = fresh().getChatroom(ROOM);
    assert.strictEqual(room.status, 'closed');
    assert.strictEqual(room.reason, 'done testing');
    assert.match(readFile(`chatrooms/${ROOM}.txt`), /Closure reason: done testing/);
    await rejects('coordination.sendMessage', { target: `#${ROOM}`, text: 'x' }, /is closed/);
    await rejects('coordination.closeChatroom', { name: ROOM, reason: '' }, /already closed/);
    await run('coordination.reopenChatroom', { name: ROOM, reason: 'more tests' });
    room = fresh().getChatroom(ROOM);
    assert.strictEqual(room.status, 'open');
    assert.match(readFile(`chatrooms/${ROOM}.txt`), /Reopen reason: more tests/);
  });

  it('List Chatrooms returns every room with its status', async () => {
    const rooms = await run<Chatroom[]>('coordination.listChatrooms', {});
    assert.deepStrictEqual(
      rooms.map((r) => `${r.name}:${r.status}`),
      fresh()
        .listChatrooms()
        .map((r) => `${r.name}:${r.status}`),
    );
    assert.ok(rooms.some((r) => r.name === ROOM));
  });

  it('Open Chatroom opens one thread panel per room and reuses it', async () => {
    const api = await getApi();
    assert.strictEqual(await run('coordination.openChatroom', { target: `#${ROOM}` }), `#${ROOM}`);
    const panel = api.panels.get(`#${ROOM}`);
    assert.ok(panel);
    const count = api.panels.all().length;
    await run('coordination.openChatroom', { target: ROOM });
    assert.strictEqual(api.panels.get(`#${ROOM}`), panel);
    assert.strictEqual(api.panels.all().length, count);
    await rejects('coordination.openChatroom', { target: '#missing-room' }, /unknown chatroom/);
  });

  it('Check Notifications and Show Unread return what the library sees', async () => {
    const n = await run<Notifications>('coordination.checkNotifications', {});
    const expected = fresh().checkNotifications();
    assert.deepStrictEqual(
      n.mentions.map((m) => m.id),
      expected.mentions.map((m) => m.id),
    );
    assert.deepStrictEqual(
      n.alerts.map((m) => m.id),
      expected.alerts.map((m) => m.id),
    );
    const unread = await run<Message[]>('coordination.showUnread', {});
    assert.strictEqual(unread.length, fresh().checkUnread().length);
    const inRoom = await run<Message[]>('coordination.showUnread', { room: 'bug-testing' });
    assert.ok(inRoom.length > 0 && inRoom.every((m) => m.target === '#bug-testing'));
  });

  it('Mark Read marks a legacy message by its id in read-status/<id>.txt', async () => {
    const target = fresh()
      .checkUnread({ room: 'bug-testing' })
      .find((m) => /[a-f]/.test(m.id))!;
    assert.ok(target && target.number === null);
    const before = fresh().checkUnread().length;
    const result = await run<MarkReadResult>('coordination.markRead', { refs: [target.id] });
    assert.deepStrictEqual(result.marked, [target.id]);
    assert.match(readFile(`read-status/${ME}.txt`), new RegExp(`^id:${target.id}: read at `, 'm'));
    assert.strictEqual(fresh().checkUnread().length, before - 1);
  });

  it('Mark All Read on one room leaves the other rooms unread', async () => {
    const roomsBefore = Object.entries(fresh().unreadCounts().byTarget).filter(
      ([t]) => t.startsWith('#') && t !== '#python-dev',
    );
    // The sample's all-digit legacy id is unread here, so the check below can catch it left out.
    assert.deepStrictEqual(
      fresh()
        .checkUnread({ room: 'python-dev' })
        .filter((m) => m.id === '70986932')
        .map((m) => [m.number, m.id]),
      [[null, '70986932']],
    );
    await run('coordination.markAllRead', { target: '#python-dev' });
    // Every one, legacy messages whose 8-character id happens to be all digits included.
    assert.deepStrictEqual(
      fresh()
        .checkUnread({ room: 'python-dev' })
        .map((m) => m.number ?? `id ${m.id}`),
      [],
    );
    const after = fresh().unreadCounts().byTarget;
    // Other rooms keep their unread messages (an @-message may share an inbox block with a room message).
    assert.deepStrictEqual(
      roomsBefore.map(([t]) => [t, after[t] ?? 0]),
      roomsBefore,
    );
  });

  it('Search Messages finds the message sent above', async () => {
    const found = await run<Message[]>('coordination.searchMessages', { query: 'integration test' });
    assert.ok(
      found.some((m) => m.number === sent.number),
      'finds the sent message',
    );
    const inRoom = await run<Message[]>('coordination.searchMessages', { query: 'hello', room: ROOM });
    assert.ok(inRoom.length > 0 && inRoom.every((m) => m.target === `#${ROOM}`));
  });

  it('System Status, System Summary and Show Action Log agree with the files', async () => {
    const status = await run<SystemStatus>('coordination.systemStatus', {});
    const expected = fresh().systemStatus();
    assert.strictEqual(status.totalMessages, expected.totalMessages);
    assert.strictEqual(status.unread, expected.unread);
    assert.strictEqual(status.activeChatrooms, expected.activeChatrooms);
    const summary = await run<SystemSummary>('coordination.systemSummary', {});
    assert.strictEqual(summary.statuses[ME].text, 'running the integration suite');
    const log = await run<ActionEntry[]>('coordination.showActionLog', { limit: 3 });
    assert.strictEqual(log.length, 3);
    const lastLine = readFile('data/action-log.txt').trim().split('\n').pop()!;
    assert.ok(lastLine.includes(log[2].action), `last action ${log[2].action} is on disk`);
    assert.strictEqual(log[2].instance, ME);
  });

  it('System Status without arguments opens a read-only document', async () => {
    await run('coordination.systemStatus');
    const editor = await waitFor(
      'status document',
      () =>
        vscode.window.activeTextEditor?.document.uri.scheme === 'coordination-doc' && vscode.window.activeTextEditor,
    );
    assert.match(editor.document.getText(), /# System status[\s\S]*Identity: instance-1/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('a command run with no arguments prompts, and cancelling writes nothing', async () => {
    const before = readFile('data/messages.log');
    const pending = run('coordination.sendMessage');
    await new Promise((r) => setTimeout(r, 500));
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.strictEqual(await pending, undefined);
    assert.strictEqual(readFile('data/messages.log'), before);
  });

  it('Set Identity switches who the extension acts as and remembers it', async () => {
    const api = await getApi();
    await run('coordination.setIdentity', { id: 'instance-2' });
    assert.strictEqual(api.service.identity, 'instance-2');
    const settings = JSON.parse(fs.readFileSync(path.join(workspaceDir(), '.vscode', 'settings.json'), 'utf8'));
    assert.strictEqual(settings['coordination.instanceId'], 'instance-2', 'the workspace setting follows');
    const expected = fresh('instance-2').unreadCounts();
    await waitFor('status bar for instance-2', () =>
      api.statusBar.item.text.startsWith(`$(comment-discussion) ${expected.total}`),
    );
    await rejects('coordination.setIdentity', { id: '../bad' }, /invalid instance id/);
    await run('coordination.setIdentity', { id: ME });
    assert.strictEqual(api.service.identity, ME);
  });

  it('Initialize Directory creates a complete coordination directory', async () => {
    const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'coord-init-')), 'coordination');
    const dir = await run<string>('coordination.initializeDirectory', { dir: target });
    assert.strictEqual(dir, target);
    for (const f of ['data/messages.log', 'data/action-log.txt', 'data/chatroom-status.txt', 'chatrooms/general.txt']) {
      assert.ok(fs.existsSync(path.join(target, f)), `${f} exists`);
    }
    assert.match(fs.readFileSync(path.join(target, 'data/chatroom-status.txt'), 'utf8'), /^general:open:/m);
    // The workspace's own directory stays the one in use.
    const api = await getApi();
    assert.strictEqual(fs.realpathSync(api.service.dir!), fs.realpathSync(coordDir()));
    fs.rmSync(path.dirname(target), { recursive: true, force: true });
  });
});
