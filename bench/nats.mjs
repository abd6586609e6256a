#!/usr/bin/env node
// NATS backend benchmark: each figure beside the directory backend measured in
// the same run, against a real nats-server (JetStream, store in a temp dir)
// on a free loopback port.
//   - `coord send` latency p50/p95 (a CLI process per send, as agents do)
//   - 8 concurrent CLI writers, aggregate messages/s
//   - send -> wake-up of a waiting process on another "machine" p95. `coord
//     wait` does not exist yet; the waiting process is what it would be: the
//     NATS replica's change event, beside fs.watch on the directory's log.
//
//   node bench/nats.mjs [--quick]          prints the rows (needs `node scripts/build.mjs`)
//   import { benchNats } from './bench/nats.mjs'   -> rows
//
// Rows: { name, value, unit, baseline, baselineValue, goal }.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantile } from './benchStats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist', 'cli.js');
const require = createRequire(import.meta.url);

const now = () => performance.timeOrigin + performance.now();
const env = { ...process.env };
delete env.CLAUDE_INSTANCE_ID;
delete env.COORDINATION_DIR;
delete env.COORD_SERVER;

function natsServerBinary() {
  for (const p of ['/usr/sbin/nats-server', '/usr/bin/nats-server']) if (existsSync(p)) return p;
  const which = spawnSync('which', ['nats-server'], { encoding: 'utf8' });
  if (which.status === 0) return which.stdout.trim();
  throw new Error('nats-server is not installed (bash scripts/setup-host.sh nats-server)');
}

function freePort() {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startNats(work) {
  const port = await freePort();
  const conf = join(work, 'nats.conf');
  writeFileSync(conf, `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(work, 'js')}" }\n`);
  const child = spawn(natsServerBinary(), ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const deadline = Date.now() + 10000;
  while (!/Server is ready/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nats-server did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url: `nats://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

function cliSend(where, as, text) {
  const r = spawnSync(process.execPath, [CLI, ...where, '--as', as, 'send', '#general', text], {
    encoding: 'utf8',
    env,
  });
  if (r.status !== 0) throw new Error(`coord send failed: ${r.stderr}`);
}

function cliSendAsync(where, as, text) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...where, '--as', as, 'send', '#general', text], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`coord send failed: ${err}`))));
  });
}

function sendLatency(where, n) {
  cliSend(where, 'bench-1', 'warm up');
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = now();
    cliSend(where, 'bench-1', `latency ${i}`);
    times.push(now() - t);
  }
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

async function concurrent(where, writers, each) {
  const t = now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < each; i++) await cliSendAsync(where, `writer-${w}`, `w${w} m${i}`);
    }),
  );
  return (writers * each) / ((now() - t) / 1000);
}

/** A process on "another machine" waiting for the next message; prints the epoch ms of each wake-up. */
const WAITER = `
const core = require(process.argv[1]);
const [kind, where] = process.argv.slice(2);
const stamp = () => process.stdout.write(String(performance.timeOrigin + performance.now()) + '\\n');
(async () => {
  if (kind === 'nats') {
    const c = await core.openBackend({ instance: 'waiter', server: { url: where } });
    let seen = c.messages().length;
    c.onChange(() => { const n = c.messages().length; if (n > seen) { seen = n; stamp(); } });
  } else {
    const fs = require('fs');
    const c = core.openCoordination({ dir: where, instance: 'waiter' });
    c.refresh();
    let seen = c.messages().length;
    fs.watch(require('path').join(where, 'data'), () => { c.refresh(); const n = c.messages().length; if (n > seen) { seen = n; stamp(); } });
  }
  process.stdout.write('ready\\n');
})();
`;

async function wakeUp(kind, where, n) {
  const core = require(join(root, 'dist', 'core.js'));
  const waiter = spawn(process.execPath, ['-e', WAITER, join(root, 'dist', 'core.js'), kind, where], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = [];
  let buffer = '';
  waiter.stdout.on('data', (d) => {
    buffer += d;
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      lines.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
    }
  });
  const until = async (cond, what) => {
    const deadline = Date.now() + 10000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`waiter: ${what} not within 10 s`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  await until(() => lines.includes('ready'), 'ready');
  const sender =
    kind === 'nats'
      ? await core.openBackend({ instance: 'sender', server: { url: where } })
      : core.openCoordination({ dir: where, instance: 'sender' });
  const latencies = [];
  try {
    for (let i = 0; i < n; i++) {
      const before = lines.length;
      const t = now();
      await sender.send('#general', `wake ${i}`);
      await until(() => lines.length > before, `wake-up ${i}`);
      latencies.push(Number(lines[lines.length - 1]) - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await sender.close();
    waiter.kill('SIGTERM');
  }
  return quantile(latencies, 0.95);
}

export async function benchNats({ quick = false } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'coord-bench-nats-'));
  const nats = await startNats(work);
  try {
    const dir = join(work, 'coordination');
    spawnSync(process.execPath, [CLI, 'init', dir], { env });
    const onDir = ['--dir', dir];
    const onNats = ['--server', nats.url];
    const n = quick ? 10 : 30;
    const latNats = sendLatency(onNats, n);
    const latDir = sendLatency(onDir, n);
    const each = quick ? 3 : 8;
    const rateNats = await concurrent(onNats, 8, each);
    const rateDir = await concurrent(onDir, 8, each);
    const wakeNats = await wakeUp('nats', nats.url, n);
    const wakeDir = await wakeUp('directory', dir, n);
    const base = 'directory backend, same run';
    return [
      {
        name: 'NATS: coord send latency p50',
        value: latNats.p50,
        unit: 'ms',
        baseline: base,
        baselineValue: latDir.p50,
        goal: 'info',
      },
      {
        name: 'NATS: coord send latency p95',
        value: latNats.p95,
        unit: 'ms',
        baseline: base,
        baselineValue: latDir.p95,
        goal: 'info',
      },
      {
        name: 'NATS: 8 concurrent CLI writers, aggregate',
        value: rateNats,
        unit: 'msg/s',
        baseline: base,
        baselineValue: rateDir,
        goal: 'info; every message numbered once',
      },
      {
        name: 'NATS: send -> waiting process on another machine wakes, p95',
        value: wakeNats,
        unit: 'ms',
        baseline: `${base} (fs.watch on the log)`,
        baselineValue: wakeDir,
        goal: 'info; `coord wait` does not exist yet: a replica change event stands in for it',
      },
    ];
  } finally {
    nats.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await benchNats({ quick: process.argv.includes('--quick') });
  for (const r of rows)
    console.log(
      `${r.name}: ${r.value.toFixed(1)} ${r.unit}   (${r.baseline}: ${r.baselineValue.toFixed(1)} ${r.unit})`,
    );
}
