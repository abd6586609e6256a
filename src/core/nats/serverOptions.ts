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
  const given = (flags.server ?? env.COORD_SERVER ?? '').trim();
  if (given === '') return null;
  checkServerUrl(given);
  const { url, auth } = credentialsOutOfUrl(given);
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
    ...(auth ?? {
      user: env.COORD_USER || undefined,
      password: env.COORD_PASSWORD || undefined,
      token: env.COORD_TOKEN || undefined,
    }),
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

/**
 * `nats://user:password@host` or `nats://token@host` (percent-encoded): the
 * client ignores credentials in a URL, so they are taken out here and given
 * to it as options, instead of COORD_USER / COORD_PASSWORD / COORD_TOKEN.
 */
function credentialsOutOfUrl(given: string): { url: string; auth: Auth | null } {
  let auth: Auth | null = null;
  const parts = given.split(',').map((part) => {
    const m = /^([a-z]+:\/\/)([^@/]*)@(.*)$/i.exec(part.trim());
    if (!m) return part.trim();
    const decoded = (text: string) => {
      try {
        return decodeURIComponent(text);
      } catch {
        throw new CoordError(
          'usage',
          `the credentials in '${describeServer(part.trim())}' are not valid percent-encoding; ` +
            'encode reserved characters (e.g. %40 for @)',
        );
      }
    };
    const colon = m[2].indexOf(':');
    auth ??=
      colon < 0
        ? { token: decoded(m[2]) }
        : { user: decoded(m[2].slice(0, colon)), password: decoded(m[2].slice(colon + 1)) };
    return m[1] + m[3];
  });
  return { url: parts.join(','), auth };
}

type Auth = Pick<ServerOptions, 'user' | 'password' | 'token'>;

/** The server as shown in messages: without a password or token in it. */
export function describeServer(url: string): string {
  return url.replace(/\/\/[^@/]*@/g, '//');
}
