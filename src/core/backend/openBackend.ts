/**
 * Choosing the backend: a NATS server when one is configured (`--server`,
 * $COORD_SERVER, the extension's `coordination.server`), else the
 * coordination directory. The NATS client is a bundle of its own
 * (dist/nats.js) loaded only here, so the directory path never pays for it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { openCoordination, type OpenOptions } from '../coordination';
import { CoordError } from '../common/errors';
import { coordClock } from '../common/clock';
import type { CoordinationBackend } from './coordinationBackend';
import { serverOptionsFrom, type ServerOptions } from '../nats/serverOptions';

export interface BackendOptions extends OpenOptions {
  /**
   * The server. Undefined: from the environment ($COORD_SERVER ...);
   * null: the directory, whatever the environment says.
   */
  server?: ServerOptions | null;
}

/** Opens the coordination as `instance`: on the server when one is configured, else in the directory. */
export async function openBackend(options: BackendOptions = {}): Promise<CoordinationBackend> {
  const env = options.env ?? process.env;
  const server = options.server !== undefined ? options.server : serverOptionsFrom({}, env);
  if (!server) return openCoordination(options);
  const instance = options.instance ?? (env.CLAUDE_INSTANCE_ID || null);
  return loadNats().openNatsCoordination(server, instance, options.now ?? coordClock(env));
}

type NatsModule = typeof import('../nats/openNats');

let natsModule: NatsModule | null = null;

/** dist/nats.js beside the bundle that runs (cli, core, extension), or the tsc output in tests. */
export function loadNats(): NatsModule {
  if (natsModule) return natsModule;
  for (const file of [path.join(__dirname, 'nats.js'), path.join(__dirname, '..', 'nats', 'openNats.js')]) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (fs.existsSync(file)) return (natsModule = require(file) as NatsModule);
  }
  throw new CoordError(
    'io',
    `the NATS client (dist/nats.js) is missing beside ${__dirname}; rebuild with npm run build`,
  );
}
