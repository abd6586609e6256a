/**
 * One room rule for every path: the rooms `list-chatrooms` shows are the rooms
 * `send`, `reply`, `create-chatroom` and `close-chatroom` accept, whichever
 * file told us about them (the status file, a transcript, or only the log).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { freshDir, runCoord, RunResult } from '../support/helpers';

function json<T = any>(r: RunResult): T {
  assert.strictEqual(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

describe('the room rule (as a process, on real directories)', function () {
  this.timeout(60000);

  /** A directory where the older tools wrote `line` to the log and nothing else. */
  function withLogLine(line: string): string {
    const dir = freshDir();
    fs.appendFileSync(path.join(dir, 'data/messages.log'), `${line}\n`);
    return dir;
  }
  const as1 = (dir: string, args: string[]) => runCoord([...args, '--json'], { dir, as: 'instance-1' });

  it('a room only the log names (#ghost) is listed open, and can be sent and replied to', () => {
    const dir = withLogLine('[2026-01-01 10:00:00] instance-2 -> #ghost: hi');
    const rooms = json<Array<{ name: string; status: string }>>(as1(dir, ['list-chatrooms']));
    assert.deepStrictEqual(
      rooms.find((r) => r.name === 'ghost'),
      {
        name: 'ghost',
        status: 'open',
        creator: '',
        created: '2026-01-01 10:00:00',
        modified: '2026-01-01 10:00:00',
        reason: '',
        description: '',
      },
    );
    const sent = json(as1(dir, ['send', '#ghost', 'sent to the ghost room']));
    assert.strictEqual(sent.target, '#ghost');
    const reply = json(as1(dir, ['reply', '1', 'replied in the ghost room']));
    assert.deepStrictEqual([reply.target, reply.replyTo], ['#ghost', 1]);
    const bare = json(as1(dir, ['send', 'ghost', 'a bare room name']));
    assert.strictEqual(bare.target, '#ghost');
    const inRoom = json<Array<{ text: string }>>(as1(dir, ['check-chatroom', 'ghost']));
    assert.deepStrictEqual(
      inRoom.map((m) => m.text),
      ['hi', 'sent to the ghost room', 'replied in the ghost room', 'a bare room name'],
    );
  });

  it('a reply to a log-only room works before any coord write touched the directory', () => {
    const dir = withLogLine('[2026-01-01 10:00:00] instance-2 -> #ghost: first');
    const reply = json(as1(dir, ['reply', '1', 'answer']));
    assert.strictEqual(reply.target, '#ghost');
  });

  it('a log-only room exists for create-chatroom, and close-chatroom closes it', () => {
    const dir = withLogLine('[2026-01-01 10:00:00] instance-2 -> #ghost: hi');
    const create = runCoord(['create-chatroom', 'Ghost', 'again'], { dir, as: 'instance-1' });
    assert.strictEqual(create.code, 1, create.stderr);
    assert.match(create.stderr, /^coord: error: chatroom 'ghost' already exists/);
    const closed = json(as1(dir, ['close-chatroom', 'ghost', 'done']));
    assert.deepStrictEqual([closed.name, closed.status, closed.reason], ['ghost', 'closed', 'done']);
    const listed = json<Array<{ name: string; status: string }>>(as1(dir, ['list-chatrooms']));
    assert.strictEqual(listed.find((r) => r.name === 'ghost')?.status, 'closed');
    const refused = runCoord(['send', '#ghost', 'no'], { dir, as: 'instance-1' });
    assert.strictEqual(refused.code, 1);
    assert.match(refused.stderr, /chatroom #ghost is closed \(done\)/);
  });

  it('a bare log target naming a room in another case is that room for reply too', () => {
    const dir = freshDir();
    json(as1(dir, ['create-chatroom', 'Backend', 'the backend room']));
    fs.appendFileSync(path.join(dir, 'data/messages.log'), '[2026-01-01 10:00:00] instance-2 -> backend: bare\n');
    const shown = json<Array<{ number: number; target: string }>>(as1(dir, ['check-chatroom', 'Backend']));
    assert.deepStrictEqual(
      shown.map((m) => [m.number, m.target]),
      [[1, '#backend']],
    );
    const reply = json(as1(dir, ['reply', '1', 'ok']));
    assert.deepStrictEqual([reply.target, reply.replyTo], ['#backend', 1]);
  });

  it('close-chatroom answers with the room as list-chatrooms shows it (description included)', () => {
    const dir = freshDir();
    json(as1(dir, ['create-chatroom', 'backend', 'the backend room']));
    const closed = json(as1(dir, ['close-chatroom', 'backend', 'done']));
    const listed = json<Array<{ name: string }>>(as1(dir, ['list-chatrooms'])).find((r) => r.name === 'backend');
    assert.strictEqual(closed.description, 'the backend room');
    assert.deepStrictEqual(closed, listed);
    const reopened = json(as1(dir, ['reopen-chatroom', 'backend', 'again']));
    assert.strictEqual(reopened.description, 'the backend room');
  });

  it('a transcript whose name is no valid room name is not listed as a room', () => {
    const dir = freshDir();
    fs.writeFileSync(
      path.join(dir, 'chatrooms/bad room.txt'),
      "[2026-01-01 10:00:00] SYSTEM: Chatroom 'bad room' created by instance-2\n",
    );
    const names = json<Array<{ name: string }>>(as1(dir, ['list-chatrooms'])).map((r) => r.name);
    assert.deepStrictEqual(names, ['general']);
  });
});
