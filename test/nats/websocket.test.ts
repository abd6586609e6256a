/**
 * Real-time over WebSocket: the demo's server config (scripts/nats/demo.conf)
 * has NATS's WebSocket listener; a client on the NATS WebSocket transport (as
 * a browser would use it) receives a message that `coord` sends from another
 * process over TCP.
 */
import * as assert from 'assert';
import * as path from 'path';
import WebSocket from 'ws';
import { wsconnect } from '@nats-io/nats-core';
import { REPO_ROOT, runCoordAsync } from '../support/helpers';
import { freePort, NatsServer, startServer } from './natsServer';

describe('NATS: real-time over WebSocket', function () {
  this.timeout(60000);
  let server: NatsServer;
  let wsPort = 0;
  before(async () => {
    // Node 20 has no WebSocket global; the client expects the browser's.
    (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
    wsPort = await freePort();
    server = await startServer({ template: path.join(REPO_ROOT, 'scripts', 'nats', 'demo.conf'), wsPort });
  });
  after(() => server.stop());

  it('a WebSocket client receives a message sent by coord on another "machine"', async () => {
    const nc = await wsconnect({ servers: `ws://127.0.0.1:${wsPort}` });
    try {
      const sub = nc.subscribe('coord.msg.>');
      const received = (async () => {
        for await (const m of sub) return { subject: m.subject, line: m.string(), id: m.headers?.get('Coord-Id') };
        return null;
      })();
      await nc.flush();
      const sent = await runCoordAsync(['--server', server.url, '--json', 'send', 'general', 'hello browsers'], {
        as: 'instance-7',
      });
      assert.strictEqual(sent.code, 0, sent.stderr);
      const message = JSON.parse(sent.stdout);
      const got = await Promise.race([
        received,
        new Promise<null>((_, reject) => setTimeout(() => reject(new Error('nothing within 5 s')), 5000)),
      ]);
      assert.ok(got);
      assert.strictEqual(got.subject, 'coord.msg.instance-7');
      assert.match(got.line, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] instance-7 -> #general: hello browsers$/);
      assert.strictEqual(got.id, message.id);
    } finally {
      await nc.close();
    }
  });
});
