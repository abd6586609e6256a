// `npm start -- --nats`: the demo over a local NATS server. Starts
// nats-server with scripts/nats/demo.conf (JetStream in demo/nats-store,
// WebSocket on ws://127.0.0.1:9222), copies the seeded directory onto it once,
// and keeps `coord bridge` running so the directory (which VS Code watches)
// and the server stay one conversation. The simulator then posts to the server.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const DEMO_SERVER = 'nats://127.0.0.1:4222';

function natsServerBinary() {
  for (const p of ['/usr/sbin/nats-server', '/usr/bin/nats-server']) if (existsSync(p)) return p;
  const which = spawnSync('which', ['nats-server'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : null;
}

async function waitForReady(child, log) {
  const deadline = Date.now() + 10000;
  while (!/Server is ready/.test(log())) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nats-server did not start:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Returns the processes it started (the caller stops them). */
export async function startNatsDemo({ root, coordDir, keep }) {
  let bin = natsServerBinary();
  if (!bin) {
    spawnSync('bash', ['scripts/setup-host.sh', 'nats-server'], { cwd: root, stdio: 'inherit' });
    bin = natsServerBinary();
  }
  if (!bin) throw new Error('nats-server is missing: apt-get install -y nats-server');
  if (!keep) rmSync(join(root, 'demo', 'nats-store'), { recursive: true, force: true });
  const server = spawn(bin, ['-c', 'scripts/nats/demo.conf'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  server.stdout.on('data', (d) => (log += d));
  server.stderr.on('data', (d) => (log += d));
  await waitForReady(server, () => log);
  console.log(`\n> nats-server with JetStream on ${DEMO_SERVER}, WebSocket on ws://127.0.0.1:9222`);
  const cli = join(root, 'dist', 'cli.js');
  const once = spawnSync(process.execPath, [cli, 'bridge', '--once', '--dir', coordDir, '--server', DEMO_SERVER], {
    cwd: root,
    stdio: 'inherit',
  });
  if (once.status !== 0) throw new Error('copying the demo directory onto the server failed');
  const bridge = spawn(process.execPath, [cli, 'bridge', '--dir', coordDir, '--server', DEMO_SERVER], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  console.log(`> coord bridge keeps ${coordDir} and the server in step`);
  return [bridge, server];
}
