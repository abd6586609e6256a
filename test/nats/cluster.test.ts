/**
 * Fault test on a 3-node cluster with a replicated (R3) stream: writers on
 * three "machines" (separate processes, separate working directories, each
 * connected to a different node) send while the stream's leader node is
 * killed and restarted. Afterwards every message is present once, numbers are
 * gap-free and identical seen from every node, and no acknowledged write was
 * lost.
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as path from 'path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { runCoord, tempDir, type RunResult } from '../support/helpers';
import { NatsServer, sleep, startCluster } from './natsServer';

const WRITER = path.join(__dirname, 'clusterWriter.js');

interface Attempt {
  k: number;
  number?: number;
  error?: string;
}

function runWriter(
  url: string,
  instance: string,
  runMs: number,
): Promise<{ attempts: Attempt[]; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WRITER, url, instance, String(runMs)], {
      cwd: tempDir(`coord-machine-${instance}-`),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) =>
      resolve({
        attempts: out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Attempt),
        stderr,
        code: code ?? -1,
      }),
    );
  });
}

async function streamLeader(url: string): Promise<string> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('COORD_MESSAGES');
    return info.cluster?.leader ?? '';
  } finally {
    await nc.close();
  }
}

describe('NATS: a 3-node cluster losing a node while three machines write', function () {
  this.timeout(300000);
  let nodes: NatsServer[] = [];
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('keeps every acknowledged message, once, numbered 1..N the same from every node', async () => {
    nodes = await startCluster();
    const env = (i: number) => ({ COORD_SERVER: nodes[i].url, COORD_REPLICAS: '3' });
    // The cluster elects its JetStream meta leader first: setup retries until the R3 stream exists.
    let setup: RunResult = { code: -1, stdout: '', stderr: '' };
    for (let attempt = 0; attempt < 60 && setup.code !== 0; attempt++) {
      setup = runCoord(['list-chatrooms'], { as: 'setup', env: env(0) });
      if (setup.code !== 0) await sleep(500);
    }
    assert.strictEqual(setup.code, 0, setup.stderr);

    const leaderName = await streamLeader(nodes[0].url);
    const victim = Math.max(0, ['n1', 'n2', 'n3'].indexOf(leaderName));
    const runMs = 9000;
    const writers = nodes.map((n, i) => runWriter(n.url, `machine-${i + 1}`, runMs));
    await sleep(2000);
    await nodes[victim].kill();
    await sleep(3000);
    await nodes[victim].start();
    const results = await Promise.all(writers);

    for (const r of results) assert.strictEqual(r.code, 0, r.stderr);
    const acked = results.flatMap((r, i) =>
      r.attempts
        .filter((a) => a.number !== undefined)
        .map((a) => ({ text: `machine-${i + 1} message ${a.k}`, number: a.number! })),
    );
    assert.ok(acked.length >= 30, `only ${acked.length} acknowledged sends`);

    // Seen through each node (the restarted one included, once it has caught up).
    const views: Array<Array<{ number: number; id: string; from: string; text: string }>> = [];
    for (let i = 0; i < nodes.length; i++) {
      let view: Array<{ number: number; id: string; from: string; text: string }> = [];
      for (let attempt = 0; attempt < 40; attempt++) {
        const r = runCoord(['--json', 'check-chatroom', 'general'], { as: 'auditor', env: env(i) });
        if (r.code === 0) {
          view = JSON.parse(r.stdout);
          if (view.length >= acked.length) break;
        }
        await sleep(500);
      }
      views.push(view.map((m) => ({ number: m.number, id: m.id, from: m.from, text: m.text })));
    }
    const [first, ...others] = views;
    for (const other of others) assert.deepStrictEqual(other, first);

    // Gap-free numbers, every message once.
    assert.deepStrictEqual(
      first.map((m) => m.number),
      Array.from({ length: first.length }, (_, i) => i + 1),
    );
    const texts = first.map((m) => m.text);
    assert.strictEqual(new Set(texts).size, texts.length, 'a message is stored twice');
    // No acknowledged write lost, and each at the number its writer was told.
    const byText = new Map(first.map((m) => [m.text, m.number]));
    for (const a of acked)
      assert.strictEqual(byText.get(a.text), a.number, `acknowledged ${a.text} (#${a.number}) is missing or moved`);
    // Every stored message was sent by a writer (none invented), from the right machine.
    for (const m of first) assert.match(m.text, new RegExp(`^${m.from} message \\d+$`));
  });
});
