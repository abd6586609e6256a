/**
 * `coord bridge`: a directory (written by coord and, as the bash tools do, by
 * appending log lines) mirrored to a NATS server and back. Each message
 * crosses once with its id, time and sender, replies keep pointing at their
 * parent, nothing echoes, and a restarted bridge (or one that lost its
 * cursor) copies nothing twice.
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Message } from '../../src/core';
import { CLI, freshDir, runCoord, type RunResult } from '../support/helpers';
import { NatsServer, sleep, startServer } from './natsServer';

function ok(r: RunResult): string {
  assert.strictEqual(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

describe('coord bridge: a directory mirrored to a NATS server and back', function () {
  this.timeout(120000);
  let server: NatsServer;
  let dir: string;
  beforeEach(async () => {
    server = await startServer();
    dir = freshDir();
  });
  afterEach(() => server.stop());

  const onDir = (args: string[], as = 'reader') => runCoord(['--json', ...args], { dir, as });
  const onServer = (args: string[], as = 'reader') =>
    runCoord(['--json', ...args], { as, env: { COORD_SERVER: server.url } });
  const bridgeOnce = () =>
    JSON.parse(ok(runCoord(['--json', 'bridge', '--once', '--dir', dir, '--server', server.url]))) as {
      toServer: number;
      toDirectory: number;
    };
  const shape = (list: Message[]) => list.map((m) => `${m.id} ${m.time} ${m.from} ${m.target} ${m.text}`);

  it('copies each message once both ways, with ids, rooms and reply references; never echoes', () => {
    ok(onDir(['create-chatroom', 'ops', 'operations'], 'instance-1'));
    ok(onDir(['send', 'general', 'from the directory'], 'instance-1'));
    // The bash tools append to the log directly, text raw: its backslashes cross verbatim.
    fs.appendFileSync(
      path.join(dir, 'data', 'messages.log'),
      '[2025-06-15 05:04:11] instance-9 -> #ops: from bash C:\\new\n',
    );
    ok(onDir(['reply', '1', 'a reply in the directory'], 'instance-2'));

    assert.deepStrictEqual(bridgeOnce(), { toServer: 3, toDirectory: 0, rooms: 1 });
    const serverGeneral = JSON.parse(ok(onServer(['check-chatroom', 'general']))) as Message[];
    const dirGeneral = JSON.parse(ok(onDir(['check-chatroom', 'general']))) as Message[];
    assert.deepStrictEqual(shape(serverGeneral), shape(dirGeneral));
    assert.deepStrictEqual(
      JSON.parse(ok(onServer(['check-chatroom', 'ops']))).map((m: Message) => `${m.from}: ${m.text}`),
      ['instance-9: from bash C:\\new'],
    );
    // The reply points at its parent's number on the server.
    const serverReply = serverGeneral.find((m) => m.text === 'a reply in the directory')!;
    const serverParent = serverGeneral.find((m) => m.text === 'from the directory')!;
    assert.strictEqual(serverReply.replyTo, serverParent.number);

    // The other way: a message and a reply sent on the server.
    const sent = JSON.parse(ok(onServer(['send', 'ops', 'from the server\nC:\\x'], 'instance-5'))) as Message;
    ok(onServer(['reply', String(serverParent.number), 'server-side reply'], 'instance-5'));
    ok(onServer(['create-chatroom', 'remote', 'made on the server'], 'instance-5'));
    assert.deepStrictEqual(bridgeOnce(), { toServer: 0, toDirectory: 2, rooms: 1 });
    const opsHere = JSON.parse(ok(onDir(['check-chatroom', 'ops']))) as Message[];
    const arrived = opsHere.find((m) => m.text === 'from the server\nC:\\x')!;
    assert.deepStrictEqual([arrived.id, arrived.from, arrived.time], [sent.id, 'instance-5', sent.time]);
    const thread = JSON.parse(ok(onDir(['thread', '1']))) as Message[];
    assert.deepStrictEqual(
      thread.map((m) => m.text),
      ['from the directory', 'a reply in the directory', 'server-side reply'],
    );
    assert.ok((JSON.parse(ok(onDir(['list-chatrooms']))) as Array<{ name: string }>).some((r) => r.name === 'remote'));

    // Nothing echoes: further passes copy nothing, and both sides hold each message once.
    assert.deepStrictEqual(bridgeOnce(), { toServer: 0, toDirectory: 0, rooms: 0 });
    assert.deepStrictEqual(bridgeOnce(), { toServer: 0, toDirectory: 0, rooms: 0 });
    const total = (r: RunResult) => (JSON.parse(ok(r)) as { totalMessages: number }).totalMessages;
    assert.strictEqual(total(onDir(['system-status'])), 5);
    assert.strictEqual(total(onServer(['system-status'])), 5);

    // A bridge that lost its cursor (a crash before saving it) maps by id and copies nothing again.
    for (const f of fs.readdirSync(path.join(dir, 'data')))
      if (f.startsWith('.coord-bridge-')) fs.rmSync(path.join(dir, 'data', f));
    assert.deepStrictEqual(bridgeOnce(), { toServer: 0, toDirectory: 0, rooms: 0 });
    assert.strictEqual(total(onDir(['system-status'])), 5);
    assert.strictEqual(total(onServer(['system-status'])), 5);
  });

  it('runs live, and after a restart copies only what was written while it was down', async () => {
    const start = () => {
      const child = spawn(process.execPath, [CLI, 'bridge', '--dir', dir, '--server', server.url], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      return { child, err: () => err };
    };
    const stop = async (b: ReturnType<typeof start>) => {
      const exited = new Promise((r) => b.child.once('exit', r));
      b.child.kill('SIGTERM');
      await exited;
      assert.strictEqual(b.err(), '');
    };
    const until = async (what: string, cond: () => boolean) => {
      const deadline = Date.now() + 15000;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`${what}: not within 15 s`);
        await sleep(100);
      }
    };
    const texts = (r: RunResult) => (JSON.parse(ok(r)) as Message[]).map((m) => m.text);

    let bridge = start();
    ok(onDir(['send', 'general', 'live from the directory'], 'instance-1'));
    await until('directory -> server', () => texts(onServer(['check-chatroom', 'general'])).length === 1);
    ok(onServer(['send', 'general', 'live from the server'], 'instance-2'));
    await until('server -> directory', () => texts(onDir(['check-chatroom', 'general'])).length === 2);
    await stop(bridge);

    ok(onDir(['send', 'general', 'while down, directory'], 'instance-1'));
    ok(onServer(['send', 'general', 'while down, server'], 'instance-2'));
    bridge = start();
    await until('both sides complete', () => texts(onDir(['check-chatroom', 'general'])).length === 4);
    await until('both sides complete', () => texts(onServer(['check-chatroom', 'general'])).length === 4);
    await sleep(1000);
    await stop(bridge);
    const here = texts(onDir(['check-chatroom', 'general'])).sort();
    const there = texts(onServer(['check-chatroom', 'general'])).sort();
    assert.deepStrictEqual(here, there);
    assert.deepStrictEqual(here, [
      'live from the directory',
      'live from the server',
      'while down, directory',
      'while down, server',
    ]);
  });
});
