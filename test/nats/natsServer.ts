/**
 * Real nats-server processes for the tests: on free loopback ports, with
 * their JetStream store in a temporary directory, stopped when the test ends
 * (and when the test process exits). A 3-node cluster for the fault tests.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { tempDir } from '../support/helpers';

export const NATS_SERVER = findNatsServer();

function findNatsServer(): string {
  for (const candidate of [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/bin/nats-server']) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  const which = spawnSync('which', ['nats-server'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error('nats-server is not installed: apt-get install -y nats-server (scripts/setup-host.sh does it)');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

export class NatsServer {
  private proc: ChildProcess | null = null;
  log = '';

  constructor(
    readonly port: number,
    readonly configFile: string,
    readonly storeDir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts the server and resolves once it accepts clients (and, in a cluster, once it has routes). */
  async start(): Promise<void> {
    const proc = spawn(NATS_SERVER, ['-c', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    running.add(proc);
    proc.on('exit', () => running.delete(proc));
    const collect = (d: Buffer) => {
      this.log += d.toString();
      if (this.log.length > 200_000) this.log = this.log.slice(-100_000);
    };
    proc.stdout!.on('data', collect);
    proc.stderr!.on('data', collect);
    const deadline = Date.now() + 15000;
    while (!/Server is ready/.test(this.log)) {
      if (proc.exitCode !== null) throw new Error(`nats-server exited: ${this.log.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`nats-server did not start: ${this.log.slice(-2000)}`);
      await sleep(20);
    }
  }

  /** SIGKILL: a crash, nothing flushed. */
  async kill(): Promise<void> {
    await this.stopWith('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.stopWith('SIGTERM');
  }

  private async stopWith(signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await Promise.race([exited, sleep(5000)]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}

/**
 * A single server with JetStream. `extra` is more configuration text;
 * `template` a config file (scripts/nats/*.conf) whose listen address, store
 * directory and websocket port are replaced.
 */
export async function startServer(
  opts: { extra?: string; template?: string; wsPort?: number } = {},
): Promise<NatsServer> {
  const dir = tempDir('coord-nats-');
  const port = await freePort();
  const store = path.join(dir, 'jetstream');
  let config: string;
  if (opts.template) {
    // The documented configs (scripts/nats/*.conf) as they are, on test ports and a temporary store.
    config = fs
      .readFileSync(opts.template, 'utf8')
      .replace(/^listen: .*$/m, `listen: 127.0.0.1:${port}`)
      .replace(/store_dir: .*$/m, `store_dir: "${store}"`)
      .replace(/(websocket \{[^}]*?)port: \d+/s, `$1port: ${opts.wsPort ?? 0}`)
      .replace(/(websocket \{[^}]*?)host: \S+/s, `$1host: 127.0.0.1`);
  } else {
    config = `listen: 127.0.0.1:${port}\njetstream { store_dir: "${store}" }\n${opts.extra ?? ''}\n`;
  }
  const file = path.join(dir, 'server.conf');
  fs.writeFileSync(file, config);
  const server = new NatsServer(port, file, store);
  await server.start();
  return server;
}

/** Three JetStream nodes routed to each other (an R3 stream survives one of them down). */
export async function startCluster(): Promise<NatsServer[]> {
  const dir = tempDir('coord-cluster-');
  const ports = [await freePort(), await freePort(), await freePort()];
  const routes = [await freePort(), await freePort(), await freePort()];
  const servers = ports.map((port, i) => {
    const store = path.join(dir, `n${i + 1}`);
    const file = path.join(dir, `n${i + 1}.conf`);
    fs.writeFileSync(
      file,
      [
        `server_name: n${i + 1}`,
        `listen: 127.0.0.1:${port}`,
        `jetstream { store_dir: "${store}" }`,
        `cluster {`,
        `  name: coord`,
        `  listen: 127.0.0.1:${routes[i]}`,
        `  routes: [${routes
          .filter((_, j) => j !== i)
          .map((r) => `nats-route://127.0.0.1:${r}`)
          .join(', ')}]`,
        `}`,
      ].join('\n'),
    );
    return new NatsServer(port, file, store);
  });
  await Promise.all(servers.map((s) => s.start()));
  return servers;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
