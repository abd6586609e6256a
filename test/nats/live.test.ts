/**
 * `coord wait` and `coord watch` over a NATS server: they follow the
 * backend's change events (consumers and watchers), not files, and wake for a
 * message another process sends.
 */
import * as assert from 'assert';
import { CLI, parseNdjson, runCoordAsync, startNode } from '../support/helpers';
import { NatsServer, sleep, startServer } from './natsServer';

describe('NATS: coord wait and coord watch', function () {
  this.timeout(60000);
  let server: NatsServer;
  before(async () => {
    server = await startServer();
    // Both instances become known on the server.
    for (const as of ['instance-1', 'instance-2']) {
      const r = await runCoordAsync(['--server', server.url, 'update-status', 'here'], { as });
      assert.strictEqual(r.code, 0, r.stderr);
    }
  });
  after(() => server.stop());

  const start = (args: string[], as: string) => startNode([CLI, '--server', server.url, '--as', as, ...args]);

  it('wait wakes for a message sent from another process, and prints it', async () => {
    const waiter = start(['--json', 'wait', '--timeout', '30'], 'instance-1');
    await sleep(1500); // the waiter has connected and loaded the stream
    const sent = await runCoordAsync(['--server', server.url, '--json', 'send', '#general', 'wake up over nats'], {
      as: 'instance-2',
    });
    assert.strictEqual(sent.code, 0, sent.stderr);
    const code = await waiter.done;
    assert.strictEqual(code, 0, waiter.err());
    const got = JSON.parse(waiter.out());
    assert.strictEqual(got.length, 1);
    assert.strictEqual(got[0].text, 'wake up over nats');
    assert.strictEqual(got[0].number, JSON.parse(sent.stdout).number);
  });

  it('wait times out with its documented exit code when nothing arrives', async () => {
    const waiter = start(['wait', '--timeout', '2'], 'instance-1');
    assert.strictEqual(await waiter.done, 124, waiter.err());
  });

  it('watch streams a message another process sends', async () => {
    const watcher = start(['--json', 'watch'], 'instance-1');
    await sleep(1500);
    const sent = await runCoordAsync(['--server', server.url, 'send', '#general', 'streamed over nats'], {
      as: 'instance-2',
    });
    assert.strictEqual(sent.code, 0, sent.stderr);
    const deadline = Date.now() + 10000;
    while (!watcher.out().includes('streamed over nats') && Date.now() < deadline) await sleep(50);
    watcher.child.kill('SIGTERM');
    await watcher.done;
    const events = parseNdjson(watcher.out());
    assert.ok(
      events.some((e) => JSON.stringify(e).includes('streamed over nats')),
      `no event for the message in: ${watcher.out()}`,
    );
  });
});
