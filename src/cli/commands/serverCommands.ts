/**
 * `coord` over a NATS server: the global --server / --creds options (see
 * README "Several machines") and `bridge`, which mirrors a coordination
 * directory to the server and back.
 */
import { Command } from 'commander';
import { CoordError, describeServer, loadNats, serverOptionsFrom } from '../../core';
import { emitFor, globals, print } from '../cliContext';
import type { CommandArea } from '../cliContext';

export const serverArea: CommandArea = {
  title: 'Several machines (NATS)',
  register(program: Command): void {
    program
      .option('--server <url>', 'use a NATS JetStream server instead of the directory (default: $COORD_SERVER)')
      .option(
        '--creds <file>',
        'NATS credentials file (default: $COORD_CREDS; also $COORD_USER/$COORD_PASSWORD, $COORD_TOKEN)',
      );

    program
      .command('bridge')
      .description('mirror a coordination directory (--dir) to a NATS server (--server) and back; runs until Ctrl-C')
      .option('--once', 'one pass both ways, then exit')
      .action(async (opts: { once?: boolean }, cmd: Command) => {
        const g = globals(cmd);
        const server = serverOptionsFrom({ server: g.server, creds: g.creds });
        if (!server)
          throw new CoordError('usage', 'bridge needs a server: --server nats://host:4222 (or set COORD_SERVER)');
        const bridge = await loadNats().Bridge.open({ dir: g.dir, server });
        try {
          if (opts.once) {
            const p = await bridge.pass();
            emitFor(cmd, p, () => describePass(p));
            return;
          }
          const stop = new AbortController();
          process.once('SIGINT', () => stop.abort());
          process.once('SIGTERM', () => stop.abort());
          print(`Bridging ${bridge.dir} <-> ${describeServer(server.url)} (Ctrl-C stops)`);
          await bridge.run(stop.signal, (p) => {
            const failed = (p as { error?: Error }).error;
            if (failed) process.stderr.write(`coord: bridge: ${failed.message}\n`);
            else if (p.toServer || p.toDirectory || p.rooms) print(describePass(p));
          });
        } finally {
          await bridge.close();
        }
      });
  },
};

function describePass(p: { toServer: number; toDirectory: number; rooms: number }): string {
  return `${p.toServer} to the server, ${p.toDirectory} to the directory, ${p.rooms} room changes`;
}
