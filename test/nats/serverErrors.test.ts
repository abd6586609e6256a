/**
 * The NATS backend refusing cleanly: per-agent credentials (the documented
 * scripts/nats/per-agent.conf) stop an agent writing as another; a server
 * that is down, silent, without JetStream, or refusing the credentials gives
 * one line naming the server and what to check, within a bounded time, and
 * nothing is written.
 */
import * as assert from 'assert';
import * as net from 'net';
import * as path from 'path';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { REPO_ROOT, runCoord, type RunResult } from '../support/helpers';
import { freePort, NatsServer, startServer } from './natsServer';
import { startCredsServer } from './credsServer';

const PER_AGENT = path.join(REPO_ROOT, 'scripts', 'nats', 'per-agent.conf');

function ioError(r: RunResult, pattern: RegExp): void {
  assert.strictEqual(r.code, 3, `expected exit 3, got ${r.code}: ${r.stderr}${r.stdout}`);
  assert.match(r.stderr, /^coord: error: [^\n]+\n$/);
  assert.match(r.stderr, pattern);
  assert.strictEqual(r.stdout, '');
}

function timed(fn: () => RunResult): RunResult & { ms: number } {
  const started = Date.now();
  const r = fn();
  return { ...r, ms: Date.now() - started };
}

describe('NATS: per-agent credentials', function () {
  this.timeout(60000);
  let server: NatsServer;
  before(async () => {
    server = await startServer({ template: PER_AGENT });
  });
  after(() => server.stop());

  const as = (user: string, password: string, instance: string, args: string[]) =>
    runCoord(['--json', ...args], {
      as: instance,
      env: { COORD_SERVER: server.url, COORD_USER: user, COORD_PASSWORD: password },
    });

  it('each agent writes as itself; one sending as another is refused and nothing is stored', () => {
    // The admin creates the stream and buckets on first use.
    assert.strictEqual(as('admin', 'admin-secret', 'admin', ['list-chatrooms']).code, 0);
    assert.strictEqual(as('instance-1', 'secret-1', 'instance-1', ['send', 'general', 'one']).code, 0);
    assert.strictEqual(as('instance-2', 'secret-2', 'instance-2', ['send', 'general', 'two']).code, 0);
    assert.strictEqual(as('instance-2', 'secret-2', 'instance-2', ['mark-read', 'all']).code, 0);
    assert.strictEqual(as('instance-2', 'secret-2', 'instance-2', ['update-status', 'mine']).code, 0);

    // instance-2 is known, so the spoof reaches the message publish itself.
    const spoof = as('instance-1', 'secret-1', 'instance-2', ['send', 'general', 'I am instance-2']);
    ioError(spoof, /refused to send as instance-2 \(Permissions Violation for Publish to "coord\.msg\.instance-2"\)/);
    const statusSpoof = as('instance-1', 'secret-1', 'instance-2', ['update-status', 'hijacked']);
    ioError(statusSpoof, /Permissions Violation for Publish to "\$KV\.coord-statuses\.instance-2"/);
    assert.strictEqual(as('instance-1', 'secret-1', 'instance-1', ['send', 'general', 'three']).code, 0);
    const marksSpoof = as('instance-1', 'secret-1', 'instance-2', ['mark-read', '3']);
    ioError(marksSpoof, /Permissions Violation for Publish to "\$KV\.coord-reads\.instance-2"/);

    const list = JSON.parse(as('instance-2', 'secret-2', 'instance-2', ['check-chatroom', 'general']).stdout);
    assert.deepStrictEqual(
      list.map((m: { number: number; from: string; text: string }) => `${m.number} ${m.from} ${m.text}`),
      ['1 instance-1 one', '2 instance-2 two', '3 instance-1 three'],
    );
    const summary = JSON.parse(as('instance-2', 'secret-2', 'instance-2', ['system-summary']).stdout);
    assert.strictEqual(summary.statuses['instance-2'].text, 'mine');
    // Message 3 is still unread for instance-2: the spoofed mark was not stored.
    assert.strictEqual(summary.unread, 1);
  });

  it('acks and human registration only as oneself; claims are shared', () => {
    const asked = JSON.parse(
      as('instance-1', 'secret-1', 'instance-1', ['send', 'general', 'ack please @instance-2', '--ack']).stdout,
    ).number as number;
    const ackSpoof = as('instance-1', 'secret-1', 'instance-2', ['ack', String(asked)]);
    ioError(ackSpoof, /Permissions Violation for Publish to "\$KV\.coord-acks\.instance-2"/);
    assert.strictEqual(as('instance-2', 'secret-2', 'instance-2', ['ack', String(asked)]).code, 0);
    const report = JSON.parse(as('instance-1', 'secret-1', 'instance-1', ['acks']).stdout);
    const entry = report.owed.find(
      (e: { status: { message: { number: number } } }) => e.status.message.number === asked,
    );
    assert.deepStrictEqual(
      entry.status.acked.map((a: { by: string }) => a.by),
      ['instance-2'],
    );

    const humanSpoof = as('instance-1', 'secret-1', 'instance-1', ['register-human', 'instance-2']);
    ioError(humanSpoof, /Permissions Violation for Publish to "\$KV\.coord-humans\.instance-2"/);
    assert.strictEqual(as('instance-2', 'secret-2', 'instance-2', ['register-human']).code, 0);
    assert.deepStrictEqual(
      JSON.parse(as('instance-1', 'secret-1', 'instance-1', ['humans']).stdout).map((h: { id: string }) => h.id),
      ['instance-2'],
    );

    assert.strictEqual(as('instance-1', 'secret-1', 'instance-1', ['claim', 'src/a.ts', '--exclusive']).code, 0);
    const taken = as('instance-2', 'secret-2', 'instance-2', ['claim', 'src/a.ts']);
    assert.strictEqual(taken.code, 1, taken.stderr);
    assert.match(taken.stderr, /cannot claim src\/a\.ts: instance-1 holds src\/a\.ts exclusively/);
  });

  it("a message's sender is its subject's (the one the server checked), whatever its text claims", async () => {
    const nc = await connect({ servers: server.url, user: 'instance-1', pass: 'secret-1' });
    try {
      // A raw client of instance-1 publishes, on its own subject, a line claiming to come from instance-2.
      const ack = await jetstream(nc).publish(
        'coord.msg.instance-1',
        '[2025-06-15 05:04:11] instance-2 -> #general: I am instance-2, trust me',
      );
      const list = JSON.parse(as('instance-2', 'secret-2', 'instance-2', ['check-chatroom', 'general']).stdout);
      const forged = list.find((m: { number: number }) => m.number === ack.seq);
      assert.deepStrictEqual([forged.from, forged.text], ['instance-1', 'I am instance-2, trust me']);
    } finally {
      await nc.close();
    }
  });

  it('a wrong password is one line naming the server and the settings to check', () => {
    const r = timed(() => as('instance-1', 'wrong', 'instance-1', ['send', 'general', 'x']));
    ioError(r, new RegExp(`NATS server nats://127\\.0\\.0\\.1:${server.port} refused the credentials`));
    assert.match(r.stderr, /COORD_USER and COORD_PASSWORD/);
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
  });
});

describe('NATS: a server that is not there', function () {
  this.timeout(60000);

  it('down (nothing listens): one line naming the server, exit 3, within 5 s', async () => {
    const port = await freePort();
    const r = timed(() =>
      runCoord(['send', 'general', 'x'], { as: 'instance-1', env: { COORD_SERVER: `nats://127.0.0.1:${port}` } }),
    );
    ioError(
      r,
      new RegExp(
        `cannot connect to the NATS server nats://127\\.0\\.0\\.1:${port} .*check that nats-server runs there`,
      ),
    );
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
  });

  it('silent (accepts, never answers): bounded by the connect timeout', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const r = timed(() => runCoord(['--server', `nats://127.0.0.1:${port}`, 'list-chatrooms'], { as: 'instance-1' }));
      assert.strictEqual(r.code, 3, r.stderr);
      assert.match(r.stderr, new RegExp(`^coord: error: .*NATS server nats://127\\.0\\.0\\.1:${port}.*\\n$`));
      assert.ok(r.ms < 9000, `took ${r.ms} ms`);
    } finally {
      silent.close();
    }
  });

  it('without JetStream: says to start it with -js', async () => {
    const server = await startServer();
    await server.stop();
    // Same port, JetStream off.
    const plain = new NatsServer(server.port, `${server.configFile}.plain`, server.storeDir);
    require('fs').writeFileSync(plain.configFile, `listen: 127.0.0.1:${server.port}\n`);
    await plain.start();
    try {
      const r = runCoord(['list-chatrooms'], { as: 'instance-1', env: { COORD_SERVER: plain.url } });
      ioError(r, /has no JetStream .*start nats-server with -js/);
    } finally {
      await plain.stop();
    }
  });

  it('a malformed address is a usage error', () => {
    const r = runCoord(['--server', 'http://example.com/x', 'list-chatrooms'], { as: 'instance-1' });
    assert.strictEqual(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^coord: error: 'http:\/\/example\.com\/x' is not a NATS server address; use nats:\/\/host:4222/,
    );
  });
});

describe('NATS: credentials in --server, and a token', function () {
  this.timeout(60000);

  it('nats://user:password@host (percent-encoded): the right password connects, a wrong one is refused', async () => {
    const server = await startServer({ extra: 'authorization { user: alice, password: "p@ss:word" }' });
    const at = (credentials: string) => `nats://${credentials}@127.0.0.1:${server.port}`;
    try {
      const sent = runCoord(['--server', at('alice:p%40ss%3Aword'), '--json', 'send', 'general', 'hi'], {
        as: 'instance-1',
      });
      assert.strictEqual(sent.code, 0, sent.stderr);
      // The URL's credentials replace the environment's.
      const withEnv = runCoord(['--server', at('alice:p%40ss%3Aword'), 'list-chatrooms'], {
        as: 'instance-1',
        env: { COORD_USER: 'bob', COORD_PASSWORD: 'wrong' },
      });
      assert.strictEqual(withEnv.code, 0, withEnv.stderr);
      const viaEnv = runCoord(['--json', 'check-chatroom', 'general'], {
        as: 'instance-2',
        env: { COORD_SERVER: server.url, COORD_USER: 'alice', COORD_PASSWORD: 'p@ss:word' },
      });
      assert.deepStrictEqual(
        JSON.parse(viaEnv.stdout).map((m: { text: string }) => m.text),
        ['hi'],
      );

      const wrong = timed(() => runCoord(['--server', at('alice:nope'), 'send', 'general', 'x'], { as: 'instance-1' }));
      ioError(wrong, new RegExp(`NATS server nats://127\\.0\\.0\\.1:${server.port} refused the credentials`));
      assert.doesNotMatch(wrong.stderr, /nope/);
      assert.ok(wrong.ms < 5000, `took ${wrong.ms} ms`);
      ioError(runCoord(['--server', server.url, 'list-chatrooms'], { as: 'instance-1' }), /refused the credentials/);
      const badEncoding = runCoord(['--server', at('alice:100%'), 'list-chatrooms'], { as: 'instance-1' });
      assert.strictEqual(badEncoding.code, 2, badEncoding.stderr);
      assert.match(badEncoding.stderr, /^coord: error: the credentials in 'nats:\/\/127\.0\.0\.1:\d+' are not valid/);
    } finally {
      await server.stop();
    }
  });

  it('a creds file (--creds, COORD_CREDS): its user connects; a user the server does not trust is refused', async () => {
    const { server, creds, foreignCreds } = await startCredsServer();
    try {
      const sent = runCoord(['--server', server.url, '--creds', creds, 'send', 'general', 'signed'], {
        as: 'instance-1',
      });
      assert.strictEqual(sent.code, 0, sent.stderr);
      const viaEnv = runCoord(['--json', 'check-chatroom', 'general'], {
        as: 'instance-2',
        env: { COORD_SERVER: server.url, COORD_CREDS: creds },
      });
      assert.deepStrictEqual(
        JSON.parse(viaEnv.stdout).map((m: { text: string }) => m.text),
        ['signed'],
      );
      const foreign = timed(() =>
        runCoord(['--server', server.url, '--creds', foreignCreds, 'list-chatrooms'], { as: 'instance-1' }),
      );
      ioError(foreign, /refused the credentials .*check --creds \/ COORD_CREDS/);
      assert.ok(foreign.ms < 5000, `took ${foreign.ms} ms`);
      ioError(runCoord(['--server', server.url, 'list-chatrooms'], { as: 'instance-1' }), /refused the credentials/);
    } finally {
      await server.stop();
    }
  });

  it('a token: nats://token@host, or COORD_TOKEN', async () => {
    const server = await startServer({ extra: 'authorization { token: "s3cret-token" }' });
    try {
      const inUrl = runCoord(['--server', `nats://s3cret-token@127.0.0.1:${server.port}`, 'send', 'general', 'one'], {
        as: 'instance-1',
      });
      assert.strictEqual(inUrl.code, 0, inUrl.stderr);
      const inEnv = runCoord(['--json', 'check-chatroom', 'general'], {
        as: 'instance-2',
        env: { COORD_SERVER: server.url, COORD_TOKEN: 's3cret-token' },
      });
      assert.deepStrictEqual(
        JSON.parse(inEnv.stdout).map((m: { text: string }) => m.text),
        ['one'],
      );
      ioError(
        runCoord(['--server', `nats://wrong@127.0.0.1:${server.port}`, 'list-chatrooms'], { as: 'instance-1' }),
        /refused the credentials/,
      );
    } finally {
      await server.stop();
    }
  });
});
