/**
 * One connection to a NATS server with JetStream: connecting within a bounded
 * time (errors name the server and what to check), making sure the stream and
 * buckets exist, and the writes the NATS backend does (a message publish whose
 * stream sequence is the message number, actions, compare-and-set KV updates).
 *
 * Layout on the server:
 *   stream COORD_MESSAGES  subjects coord.msg.<sender>  one message each; sequence = number; never deleted
 *   stream COORD_ACTIONS   subjects coord.act.<actor>   the action log, JSON per entry
 *   KV coord-rooms         key = lower-case room name    JSON Chatroom
 *   KV coord-statuses      key = instance                JSON {text, updated}
 *   KV coord-reads         key = instance                JSON {numbers: "1-20,25"}
 *   KV coord-acks          key = the acknowledger        JSON {acks: "<formats/acksFile.ts lines>"}
 *   KV coord-humans        key = the human's id          JSON {since}
 *   KV coord-claims        key = "all"                   JSON as data/claims.json (one key: overlaps are
 *                                                        decided over every claim at once)
 *   KV coord-delivery      key = instance                JSON DeliveryState (what its hooks handed over;
 *                                                        read one key at a time, not mirrored)
 */
import * as fs from 'fs';
import * as net from 'net';
import { connect } from '@nats-io/transport-node';
import { credsAuthenticator, headers, type NatsConnection, type ConnectionOptions } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV, type KvEntry } from '@nats-io/kv';
import { CoordError } from '../common/errors';
import { describeServer, type ServerOptions } from './serverOptions';
import { INITIAL_ROOM } from '../write/initDirectory';
import { formatTimestamp } from '../common/time';

export const MESSAGES_STREAM = 'COORD_MESSAGES';
export const ACTIONS_STREAM = 'COORD_ACTIONS';
export const MESSAGE_SUBJECT_PREFIX = 'coord.msg.';
export const ACTION_SUBJECT_PREFIX = 'coord.act.';
export const BUCKETS = {
  rooms: 'coord-rooms',
  statuses: 'coord-statuses',
  reads: 'coord-reads',
  acks: 'coord-acks',
  humans: 'coord-humans',
  claims: 'coord-claims',
  delivery: 'coord-delivery',
} as const;
export type BucketName = keyof typeof BUCKETS;
/** The buckets every process mirrors in its replica (the delivery cursors are read one key at a time). */
export const MIRRORED_BUCKETS: readonly BucketName[] = ['rooms', 'statuses', 'reads', 'acks', 'humans', 'claims'];
/** Header carrying a message's 8-hex id. */
export const ID_HEADER = 'Coord-Id';
/** Header naming the bridge that copied a message from a directory (so it never goes back). */
export const ORIGIN_HEADER = 'Coord-Origin';

const DEFAULT_TIMEOUT_MS = 5000;
/** A publish is retried (same Nats-Msg-Id, so never stored twice) while a cluster elects a new leader. */
const PUBLISH_RETRY_MS = 20000;
/** The server drops a retried publish with the same id within this window. */
const DUPLICATE_WINDOW_NS = 10 * 60 * 1e9;

export class NatsSession {
  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly kv: Record<BucketName, KV>,
    readonly server: string,
    readonly timeoutMs: number,
  ) {}

  static async open(options: ServerOptions & { now?: () => Date }): Promise<NatsSession> {
    const server = describeServer(options.url);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const nc = await connectBounded(options, server, timeoutMs);
    try {
      const jsm = await jetstreamManager(nc, { timeout: timeoutMs }).catch((e: unknown) => {
        throw jetStreamError(e, server);
      });
      const js = jetstream(nc, { timeout: timeoutMs });
      const replicas = options.replicas ?? 1;
      await ensureStream(jsm, MESSAGES_STREAM, MESSAGE_SUBJECT_PREFIX + '>', replicas, server);
      await ensureStream(jsm, ACTIONS_STREAM, ACTION_SUBJECT_PREFIX + '>', replicas, server);
      const kvm = new Kvm(js);
      const kv = {} as Record<BucketName, KV>;
      let fresh = false;
      for (const [key, bucket] of Object.entries(BUCKETS) as Array<[BucketName, string]>) {
        const opened = await openBucket(jsm, kvm, bucket, replicas, server);
        kv[key] = opened.kv;
        if (key === 'rooms') fresh = opened.created;
      }
      if (fresh) await seedInitialRoom(kv.rooms, options.now ?? (() => new Date()));
      return new NatsSession(nc, js, jsm, kv, server, timeoutMs);
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Publishes one message as `from`; resolves to its stream sequence, the
   * message number. Retried with the same Nats-Msg-Id until acknowledged, so
   * a lost acknowledgement never stores it twice.
   */
  async publishMessage(
    from: string,
    line: string,
    id: string,
    mirror?: { origin: string; msgID: string },
  ): Promise<number> {
    const h = headers();
    h.set(ID_HEADER, id);
    if (mirror) h.set(ORIGIN_HEADER, mirror.origin);
    const msgID = mirror?.msgID ?? `${from}-${id}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const ack = await this.withRetry(`send as ${from}`, () =>
      this.js.publish(MESSAGE_SUBJECT_PREFIX + from, line, {
        msgID,
        headers: h,
        expect: { streamName: MESSAGES_STREAM },
      }),
    );
    return ack.seq;
  }

  async publishAction(entry: { time: string; instance: string; action: string; details: string }): Promise<number> {
    const msgID = `act-${entry.instance}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const ack = await this.withRetry(`record the action of ${entry.instance}`, () =>
      this.js.publish(ACTION_SUBJECT_PREFIX + entry.instance, JSON.stringify(entry), { msgID }),
    );
    return ack.seq;
  }

  /**
   * Compare-and-set on one key: `change` gets the current value (null when
   * absent) and returns the next one, or undefined to leave it. A concurrent
   * writer makes the update fail; it is then re-read and re-applied.
   */
  async updateKey<T>(
    bucket: BucketName,
    key: string,
    change: (current: T | null) => T | undefined,
  ): Promise<{ value: T; revision: number } | null> {
    const kv = this.kv[bucket];
    for (let attempt = 0; ; attempt++) {
      const entry = await this.withRetry(`read ${bucket} ${key}`, () => kv.get(key));
      const current = valueOf<T>(entry);
      const next = change(current);
      if (next === undefined) return null;
      const data = JSON.stringify(next);
      try {
        const revision = entry === null ? await kv.create(key, data) : await kv.update(key, data, entry.revision);
        return { value: next, revision };
      } catch (error) {
        if (!isWrongLastSequence(error) || attempt >= 20) throw this.ioError(`update ${bucket} ${key}`, error);
      }
    }
  }

  /** One key's value, or null when it is absent. */
  async readKey<T>(bucket: BucketName, key: string): Promise<T | null> {
    return valueOf<T>(await this.withRetry(`read ${bucket} ${key}`, () => this.kv[bucket].get(key)));
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }

  private async withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + PUBLISH_RETRY_MS;
    let delay = 100;
    for (;;) {
      try {
        return await fn();
      } catch (error) {
        if (isPermissionError(error)) throw permissionError(what, this.server, error);
        if (!isTransient(error) || Date.now() + delay > deadline) throw this.ioError(what, error);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 1000);
      }
    }
  }

  ioError(what: string, error: unknown): CoordError {
    if (isPermissionError(error)) return permissionError(what, this.server, error);
    return new CoordError(
      'io',
      `cannot ${what} on the NATS server ${this.server}: ${errorText(error)}; ` +
        'check that the server (and its JetStream) is up and reachable',
    );
  }
}

async function connectBounded(options: ServerOptions, server: string, timeoutMs: number): Promise<NatsConnection> {
  const opts: ConnectionOptions & { tls?: unknown } = {
    servers: options.url.split(',').map((s) => s.trim()),
    timeout: timeoutMs,
    name: 'coord',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: false,
  };
  if (options.user !== undefined) opts.user = options.user;
  if (options.password !== undefined) opts.pass = options.password;
  if (options.token !== undefined) opts.token = options.token;
  if (options.creds !== undefined) {
    let creds: Uint8Array;
    try {
      creds = fs.readFileSync(options.creds);
    } catch (error) {
      throw new CoordError(
        'usage',
        `cannot read the credentials file ${options.creds} ` +
          `(${(error as NodeJS.ErrnoException).code ?? 'error'}); check --creds / COORD_CREDS`,
      );
    }
    opts.authenticator = credsAuthenticator(creds);
  }
  if (options.tls) {
    opts.tls = {
      caFile: options.tls.ca,
      certFile: options.tls.cert,
      keyFile: options.tls.key,
    };
  }
  // The client leaves its socket open after a connect timeout (the process would hang): probe first.
  await probeServers(opts.servers as string[], server, timeoutMs);
  try {
    return await connect(opts);
  } catch (error) {
    throw connectError(error, server);
  }
}

/**
 * Resolves once one of the servers greets (a NATS server sends INFO at once);
 * a refused connection or silence until the deadline is an error naming the server.
 */
async function probeServers(urls: string[], server: string, timeoutMs: number): Promise<void> {
  const tcp = urls.filter((u) => !/^wss?:/i.test(u));
  if (tcp.length === 0) return;
  const results = await Promise.all(tcp.map((u) => probe(u, timeoutMs)));
  if (results.some((r) => r === null)) return;
  const refused = results.find((r) => r !== 'silent');
  if (refused) throw connectError(new Error(refused), server);
  throw new CoordError(
    'io',
    `no answer from the NATS server ${server} within ${Math.round(timeoutMs / 1000)} s; ` +
      'check the address and port, that nats-server runs there and that no firewall is in the way',
  );
}

/** null when the server greeted; else 'silent' or the socket error. */
function probe(url: string, timeoutMs: number): Promise<string | null> {
  const m = /^(?:(?:nats|tls):\/\/)?(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?$/i.exec(url);
  if (!m) return Promise.resolve(null); // let the client report it
  const host = m[1].replace(/^\[|\]$/g, '');
  const port = Number(m[2] ?? 4222);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('silent'), timeoutMs);
    socket.once('data', () => done(null));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      done(`${e.code === 'ECONNREFUSED' ? 'connection refused' : (e.code ?? 'error')}: ${e.message}`),
    );
  });
}

function connectError(error: unknown, server: string): CoordError {
  const text = errorText(error);
  if (/authori[sz]ation|authentication|permissions? violation|user.*expired/i.test(text))
    return new CoordError(
      'io',
      `the NATS server ${server} refused the credentials (${text}); ` +
        'check --creds / COORD_CREDS, COORD_USER and COORD_PASSWORD, or COORD_TOKEN (or user:password@ in --server)',
    );
  if (/tls|certificate|ssl/i.test(text))
    return new CoordError(
      'io',
      `TLS with the NATS server ${server} failed (${text}); check COORD_TLS_CA, COORD_TLS_CERT and COORD_TLS_KEY`,
    );
  return new CoordError(
    'io',
    `cannot connect to the NATS server ${server} (${text}); ` +
      'check that nats-server runs there, the host and port, and --server / COORD_SERVER',
  );
}

function jetStreamError(error: unknown, server: string): CoordError {
  return new CoordError(
    'io',
    `the NATS server ${server} has no JetStream (${errorText(error)}); ` +
      'start nats-server with -js (or jetstream {} in its config)',
  );
}

async function ensureStream(
  jsm: JetStreamManager,
  name: string,
  subject: string,
  replicas: number,
  server: string,
): Promise<void> {
  try {
    await jsm.streams.info(name);
    return;
  } catch (error) {
    if (!/not found/i.test(errorText(error))) throw serverSetupError(name, server, error);
  }
  try {
    await jsm.streams.add({
      name,
      subjects: [subject],
      num_replicas: replicas,
      duplicate_window: DUPLICATE_WINDOW_NS,
      deny_delete: true,
      deny_purge: true,
    });
  } catch (error) {
    // Another client created it at the same moment.
    if (/already in use|already exists/i.test(errorText(error))) return;
    throw serverSetupError(name, server, error);
  }
}

async function openBucket(
  jsm: JetStreamManager,
  kvm: Kvm,
  bucket: string,
  replicas: number,
  server: string,
): Promise<{ kv: KV; created: boolean }> {
  try {
    // open() with bindOnly does not check that the bucket exists: its stream does.
    await jsm.streams.info(`KV_${bucket}`);
    return { kv: await kvm.open(bucket, { bindOnly: true }), created: false };
  } catch (error) {
    if (!/not found/i.test(errorText(error))) throw serverSetupError(bucket, server, error);
  }
  try {
    return { kv: await kvm.create(bucket, { replicas, history: 1 }), created: true };
  } catch (error) {
    if (/already in use|already exists/i.test(errorText(error)))
      return { kv: await kvm.open(bucket, { bindOnly: true }), created: false };
    throw serverSetupError(bucket, server, error);
  }
}

/** A new server starts with the same room as a new directory. */
async function seedInitialRoom(rooms: KV, now: () => Date): Promise<void> {
  const time = formatTimestamp(now());
  const room = { ...INITIAL_ROOM, status: 'open', created: time, modified: time, reason: '', description: '' };
  await rooms.create(INITIAL_ROOM.name, JSON.stringify(room)).catch(() => undefined);
}

function serverSetupError(what: string, server: string, error: unknown): CoordError {
  if (isPermissionError(error))
    return new CoordError(
      'io',
      `the NATS server ${server} does not let this user read or create ${what} (${errorText(error)}); ` +
        'ask its admin to create it (any coord with admin rights creates it on first use) ' +
        "or check the user's permissions",
    );
  if (/jetstream not enabled|no responders/i.test(errorText(error))) return jetStreamError(error, server);
  return new CoordError(
    'io',
    `cannot set up ${what} on the NATS server ${server} (${errorText(error)}); ` +
      "check the server's JetStream (limits, cluster health)",
  );
}

function permissionError(what: string, server: string, error: unknown): CoordError {
  return new CoordError(
    'io',
    `the NATS server ${server} refused to ${what} (${errorText(error)}); ` +
      'with per-agent credentials each agent may only write as itself: ' +
      'check --as / CLAUDE_INSTANCE_ID against the user in --creds / COORD_USER',
  );
}

export function errorText(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string } };
  const text = e?.message ?? String(error);
  const cause = e?.cause?.message && !text.includes(e.cause.message) ? `: ${e.cause.message}` : '';
  return (text + cause).replace(/\s+/g, ' ').trim();
}

function isPermissionError(error: unknown): boolean {
  return /permissions? violation|authorization/i.test(errorText(error));
}

function isWrongLastSequence(error: unknown): boolean {
  return /wrong last sequence|key exists/i.test(errorText(error));
}

/** Worth retrying: a timeout, no responders (leader election), a reconnect in progress. */
function isTransient(error: unknown): boolean {
  return /timeout|no responders|503|disconnect|reconnect|connection closed|leader|temporarily|stream.*offline/i.test(
    errorText(error),
  );
}

/** A key's JSON value; null when it is absent or deleted. */
function valueOf<T>(entry: KvEntry | null): T | null {
  return entry && entry.operation === 'PUT' && entry.length > 0 ? (entry.json() as T) : null;
}
