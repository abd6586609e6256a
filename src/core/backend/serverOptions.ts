/**
 * How to reach a NATS server: from `--server`/`--creds`, the environment
 * ($COORD_SERVER, $COORD_USER, $COORD_PASSWORD, $COORD_TOKEN, $COORD_CREDS,
 * $COORD_TLS_CA, $COORD_TLS_CERT, $COORD_TLS_KEY, $COORD_REPLICAS) or the
 * extension's settings. No server means the coordination directory.
 */
import { CoordError } from '../common/errors';

export interface ServerOptions {
  /** One or more `nats://host:port` (or `tls://`) URLs, comma-separated. */
  url: string;
  user?: string;
  password?: string;
  token?: string;
  /** A `.creds` file (JWT + nkey seed), as `nsc` writes them. */
  creds?: string;
  tls?: { ca?: string; cert?: string; key?: string };
  /** Replicas of the stream and buckets when this client creates them (3 on a 3-node cluster). */
  replicas?: number;
  /** Bound on connecting and on each request, in milliseconds. */
  timeoutMs?: number;
}

export interface ServerFlags {
  server?: string;
  creds?: string;
}

/** The server to use, or null for the directory. */
export function serverOptionsFrom(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): ServerOptions | null {
  const url = (flags.server ?? env.COORD_SERVER ?? '').trim();
  if (url === '') return null;
  checkServerUrl(url);
  const tls =
    env.COORD_TLS_CA || env.COORD_TLS_CERT || env.COORD_TLS_KEY
      ? {
          ca: env.COORD_TLS_CA || undefined,
          cert: env.COORD_TLS_CERT || undefined,
          key: env.COORD_TLS_KEY || undefined,
        }
      : undefined;
  const replicas = env.COORD_REPLICAS ? Number(env.COORD_REPLICAS) : undefined;
  if (replicas !== undefined && !(Number.isInteger(replicas) && replicas >= 1 && replicas <= 5))
    throw new CoordError('usage', `COORD_REPLICAS is '${env.COORD_REPLICAS}'; give 1, 3 or 5`);
  return {
    url,
    user: env.COORD_USER || undefined,
    password: env.COORD_PASSWORD || undefined,
    token: env.COORD_TOKEN || undefined,
    creds: flags.creds ?? (env.COORD_CREDS || undefined),
    tls,
    replicas,
  };
}

const URL_RE = /^(nats|tls|ws|wss):\/\/[^\s/]+$|^[^\s:/]+(:\d+)?$/;

function checkServerUrl(url: string): void {
  for (const part of url.split(',')) {
    if (!URL_RE.test(part.trim()))
      throw new CoordError(
        'usage',
        `'${describeServer(part.trim())}' is not a NATS server address; ` +
          'use nats://host:4222 (several: comma-separated)',
      );
  }
}

/** The server as shown in messages: without a password or token in it. */
export function describeServer(url: string): string {
  return url.replace(/\/\/[^@/]*@/g, '//');
}
