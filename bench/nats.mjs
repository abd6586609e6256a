#!/usr/bin/env node
// NATS backend benchmark: each figure beside the directory backend measured in
// the same run, against a real nats-server (JetStream, store in a temp dir)
// on a free loopback port.
//   - `coord send` latency p50/p95 (a CLI process per send, as agents do)
//   - 8 concurrent CLI writers, aggregate messages/s
//   - send -> wake-up p50/p95: a `coord wait` process on another "machine"
//     (its own working directory) prints a message a `coord send` process
//     sent, timed from the start of the send; on the directory the waiter is
//     on the same machine (fs.watch).
//
//   node bench/nats.mjs [--quick]          prints the rows (needs `node scripts/build.mjs`)
//   import { benchNats } from './bench/nats.mjs'   -> rows
//
// Rows: { name, value, unit, baseline, baselineValue, goal }.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantile } from './benchStats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist', 'cli.js');

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

/** Runs `coord` and resolves with its exit code and the time its stdout first had something. */
function coordProcess(args, cwd) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = null;
  let err = '';
  child.stdout.on('data', () => (printed ??= now()));
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise((resolve) => child.on('close', (code) => resolve({ code, printed, err })));
  return { done };
}

/**
 * Marks everything read for the waiter (on the directory `coord wait` would
 * otherwise print the backlog at once) and returns how long that `coord`
 * process took: the waiter gets a head start of twice that to connect and load.
 */
function settleWaiter(where) {
  const t = now();
  const r = spawnSync(process.execPath, [CLI, ...where, '--as', 'waiter', 'mark-read', 'all'], { env });
  if (r.status !== 0) throw new Error(`coord mark-read failed: ${r.stderr}`);
  return now() - t;
}

/** `coord wait` on another machine (its own working directory), woken by a `coord send`: from the send's start. */
async function wakeUp(where, n) {
  const elsewhere = mkdtempSync(join(tmpdir(), 'coord-bench-machine-'));
  const headStart = 2 * settleWaiter(where) + 200;
  const latencies = [];
  try {
    for (let i = 0; i < n; i++) {
      const waiter = coordProcess([...where, '--as', 'waiter', 'wait', '--timeout', '30'], elsewhere);
      await new Promise((r) => setTimeout(r, headStart));
      const t = now();
      const sender = coordProcess([...where, '--as', 'sender', 'send', '#general', `wake ${i}`], tmpdir());
      const [woke, sent] = await Promise.all([waiter.done, sender.done]);
      if (sent.code !== 0) throw new Error(`coord send failed: ${sent.err}`);
      if (woke.code !== 0 || woke.printed === null)
        throw new Error(`coord wait did not wake (${woke.code}): ${woke.err}`);
      latencies.push(woke.printed - t);
    }
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
  return { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95) };
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
    const wakes = quick ? 5 : 15;
    const wakeNats = await wakeUp(onNats, wakes);
    const wakeDir = await wakeUp(onDir, wakes);
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
      ...['p50', 'p95'].map((q) => ({
        name: `NATS: coord send -> coord wait on another machine prints it, ${q}`,
        value: wakeNats[q],
        unit: 'ms',
        baseline: `${base} (coord wait on the same machine, fs.watch)`,
        baselineValue: wakeDir[q],
        goal: 'info; timed from the start of the coord send process',
      })),
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
