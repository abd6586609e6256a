/**
 * One behaviour suite, run against both backends: the coordination directory
 * and a real nats-server with JetStream. Every CLI command as a real process
 * (the long-lived ones too: wait, watch, the hooks, the MCP server through the
 * SDK's client), and the library API (openBackend) in-process, with the same
 * assertions.
 */
import * as assert from 'assert';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { openBackend, type CoordinationBackend, type Message } from '../../src/core';
import {
  CLI,
  freshDir,
  runCoord,
  runCoordAsync,
  parseNdjson,
  startNode,
  tempDir,
  type RunResult,
} from '../support/helpers';
import { NatsServer, sleep, startServer } from './natsServer';

interface Backend {
  name: 'directory' | 'nats';
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** `coord` as a process, as `as`, on this backend. */
  coord(args: string[], as?: string, input?: string): RunResult;
  coordAsync(args: string[], as: string): Promise<RunResult>;
  /** The command line (after node) and the environment of `coord ARGS` as `as` on this backend, for long-lived ones. */
  argv(args: string[], as: string): { args: string[]; env: Record<string, string> };
  open(instance: string): Promise<CoordinationBackend>;
}

/** This process's environment without any identity, directory or server of its own. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !['CLAUDE_INSTANCE_ID', 'COORDINATION_DIR', 'COORD_SERVER'].includes(k)) env[k] = v;
  return env;
}

function directoryBackend(): Backend {
  let dir = '';
  return {
    name: 'directory',
    async setup() {
      dir = freshDir();
    },
    async teardown() {},
    coord: (args, as, input) => runCoord(args, { dir, as, input }),
    coordAsync: (args, as) => runCoordAsync(args, { dir, as }),
    argv: (args, as) => ({ args: [CLI, '--dir', dir, '--as', as, ...args], env: cleanEnv() }),
    open: (instance) => openBackend({ dir, instance, server: null }),
  };
}

function natsBackend(): Backend {
  let server: NatsServer | null = null;
  const env = () => ({ COORD_SERVER: server!.url });
  return {
    name: 'nats',
    async setup() {
      server = await startServer();
    },
    async teardown() {
      await server?.stop();
    },
    coord: (args, as, input) => runCoord(args, { as, input, env: env() }),
    coordAsync: (args, as) => runCoordAsync(['--server', server!.url, ...args], { as }),
    argv: (args, as) => ({ args: [CLI, '--as', as, ...args], env: { ...cleanEnv(), ...env() } }),
    open: (instance) => openBackend({ instance, server: { url: server!.url } }),
  };
}

function json<T>(r: RunResult): T {
  assert.strictEqual(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A user error: exit 1, one line on stderr starting `coord: error:`, nothing on stdout. */
function userError(r: RunResult, pattern: RegExp): void {
  assert.strictEqual(r.code, 1, `expected exit 1, got ${r.code}: ${r.stderr}${r.stdout}`);
  assert.match(r.stderr, /^coord: error: [^\n]+\n$/);
  assert.match(r.stderr, pattern);
  assert.strictEqual(r.stdout, '');
}

const texts = (list: Message[]) => list.map((m) => m.text);

for (const make of [directoryBackend, natsBackend]) {
  const b = make();
  describe(`behaviour on the ${b.name} backend`, function () {
    this.timeout(120000);
    beforeEach(() => b.setup());
    afterEach(() => b.teardown());

    const c = (args: string[], as?: string, input?: string) => b.coord(['--json', ...args], as, input);

    it('rooms: create, list, case-insensitive uniqueness, close (sends refused), reopen', () => {
      const room = json<{ name: string; status: string; creator: string; description: string }>(
        c(['create-chatroom', 'backend', 'API', 'work'], 'instance-1'),
      );
      assert.deepStrictEqual(
        [room.name, room.status, room.creator, room.description],
        ['backend', 'open', 'instance-1', 'API work'],
      );
      userError(
        c(['create-chatroom', 'BACKEND'], 'instance-2'),
        /already exists \(names are unique regardless of case\)/,
      );
      const rooms = json<Array<{ name: string; status: string }>>(c(['list-chatrooms'], 'instance-1'));
      assert.deepStrictEqual(
        rooms.map((r) => `${r.name}:${r.status}`),
        ['backend:open', 'general:open'],
      );
      const closed = json<{ status: string; reason: string }>(
        c(['close-chatroom', 'backend', 'shipped'], 'instance-1'),
      );
      assert.deepStrictEqual([closed.status, closed.reason], ['closed', 'shipped']);
      userError(c(['close-chatroom', 'backend'], 'instance-1'), /already closed; nothing to close/);
      userError(c(['send', '#backend', 'late'], 'instance-2'), /chatroom #backend is closed \(shipped\)/);
      assert.deepStrictEqual(json<Message[]>(c(['check-chatroom', 'backend'], 'instance-1')), []);
      const reopened = json<{ status: string; reason: string }>(
        c(['reopen-chatroom', 'backend', 'bugfix'], 'instance-2'),
      );
      assert.deepStrictEqual([reopened.status, reopened.reason], ['open', '']);
      assert.strictEqual(json<Message>(c(['send', 'backend', 'after reopen'], 'instance-2')).number, 1);
      userError(c(['close-chatroom', 'nope'], 'instance-1'), /unknown chatroom 'nope'/);
    });

    it('messages: numbers 1..N, replies in the parent room, threads, check-chatroom --limit', () => {
      c(['create-chatroom', 'backend'], 'instance-1');
      const m1 = json<Message>(c(['send', '#backend', 'schema v2 is in'], 'instance-1'));
      const m2 = json<Message>(c(['send', 'general', 'hello all'], 'instance-2'));
      const r1 = json<Message>(c(['reply', '1', 'which tables?'], 'instance-2'));
      const r2 = json<Message>(c(['reply', String(r1.number), 'sessions'], 'instance-1'));
      const piped = json<Message>(c(['send', '#backend', '--stdin'], 'instance-3', 'line one\nline two'));
      assert.deepStrictEqual(
        [m1, m2, r1, r2, piped].map((m) => [m.number, m.target, m.replyTo]),
        [
          [1, '#backend', null],
          [2, '#general', null],
          [3, '#backend', 1],
          [4, '#backend', 3],
          [5, '#backend', null],
        ],
      );
      assert.match(m1.id, /^[0-9a-f]{8}$/);
      assert.deepStrictEqual(texts(json<Message[]>(c(['thread', '1'], 'instance-3'))), [
        'schema v2 is in',
        'which tables?',
        'sessions',
      ]);
      assert.deepStrictEqual(texts(json<Message[]>(c(['check-chatroom', 'backend', '--limit', '2'], 'instance-3'))), [
        'sessions',
        'line one\nline two',
      ]);
      // A message is found by its id as well as its number.
      assert.strictEqual(json<Message[]>(c(['thread', m1.id], 'instance-3'))[0].number, 1);
      userError(c(['reply', '99', 'x'], 'instance-1'), /no message #99: numbers run from 1 to 5/);
      userError(c(['send', '#backend', '   '], 'instance-1'), /message text is empty/);
      userError(c(['send', '#nowhere', 'x'], 'instance-1'), /unknown chatroom 'nowhere'/);
      // Refused writes wrote nothing.
      assert.strictEqual(json<{ totalMessages: number }>(c(['system-status'], 'instance-1')).totalMessages, 5);
    });

    it('direct messages: send-dm, @-messages, check-dm, check-inbox; others cannot see them', () => {
      c(['update-status', 'here'], 'instance-2');
      c(['update-status', 'here too'], 'instance-3');
      const dm = json<Message>(c(['send-dm', 'instance-2', 'private note'], 'instance-1'));
      const at = json<Message>(c(['send', '@instance-2', 'ping'], 'instance-1'));
      assert.deepStrictEqual([dm.target, at.target], ['@instance-2', '@instance-2']);
      userError(c(['send-dm', 'instance-1', 'me'], 'instance-1'), /a direct message needs another instance/);
      userError(c(['send-dm', 'ghost', 'boo'], 'instance-1'), /unknown instance 'ghost'/);
      const inbox = json<{ unread: number; directMessages: Message[] }>(c(['check-inbox'], 'instance-2'));
      assert.deepStrictEqual([inbox.unread, texts(inbox.directMessages)], [2, ['private note', 'ping']]);
      assert.deepStrictEqual(texts(json<Message[]>(c(['check-dm', 'instance-1'], 'instance-2'))), [
        'private note',
        'ping',
      ]);
      assert.deepStrictEqual(json<Message[]>(c(['check-dm'], 'instance-3')), []);
      assert.deepStrictEqual(json<Message[]>(c(['check-unread'], 'instance-3')), []);
      const reply = json<Message>(c(['reply', String(dm.number), 'got it'], 'instance-2'));
      assert.strictEqual(reply.target, '@instance-1');
      userError(
        c(['reply', String(dm.number), 'me too'], 'instance-3'),
        /you \(instance-3\) can only reply to your own/,
      );
    });

    it('unread, mark-read (numbers, ranges, all) and notifications (mentions, @all, alerts)', () => {
      c(['update-status', 'reading'], 'instance-2');
      c(['send', 'general', 'plain one'], 'instance-1');
      c(['send', 'general', 'hey @instance-2 look'], 'instance-1');
      c(['send', 'general', 'URGENT: build is red'], 'instance-3');
      c(['send', 'general', 'standup @all'], 'instance-3');
      c(['send', 'general', 'my own'], 'instance-2');
      const unread = json<Message[]>(c(['check-unread'], 'instance-2'));
      assert.deepStrictEqual(
        unread.map((m) => m.number),
        [1, 2, 3, 4],
      );
      const n = json<{ mentions: Message[]; alerts: Message[] }>(c(['check-notifications'], 'instance-2'));
      assert.deepStrictEqual(
        n.mentions.map((m) => m.number),
        [2, 4],
      );
      assert.deepStrictEqual(
        n.alerts.map((m) => m.number),
        [3],
      );
      assert.deepStrictEqual(json<{ marked: number[] }>(c(['mark-read', '1', '3-4'], 'instance-2')).marked, [1, 3, 4]);
      assert.deepStrictEqual(
        json<Message[]>(c(['check-unread'], 'instance-2')).map((m) => m.number),
        [2],
      );
      const again = json<{ marked: number[]; alreadyRead: number }>(c(['mark-read', '1'], 'instance-2'));
      assert.deepStrictEqual([again.marked, again.alreadyRead], [[], 1]);
      assert.deepStrictEqual(json<{ marked: number[] }>(c(['mark-read', 'all'], 'instance-2')).marked, [2]);
      assert.deepStrictEqual(json<Message[]>(c(['check-unread'], 'instance-2')), []);
      // Another instance's marks are its own.
      assert.strictEqual(json<Message[]>(c(['check-unread'], 'instance-4')).length, 5);
      userError(c(['mark-read', '77'], 'instance-2'), /no message #77/);
    });

    it('search: ranked, --exact, --room, --from, --limit', () => {
      c(['create-chatroom', 'backend'], 'instance-1');
      c(['send', 'backend', 'the deploy failed on staging'], 'instance-1');
      c(['send', 'general', 'lunch?'], 'instance-2');
      c(['send', 'general', 'deploy again after the fix'], 'instance-2');
      c(['send', 'backend', 'deploy deploy deploy'], 'instance-3');
      const ranked = json<Message[]>(c(['search', 'deploy'], 'instance-1'));
      assert.deepStrictEqual(ranked.map((m) => m.number).sort(), [1, 3, 4]);
      assert.deepStrictEqual(
        json<Message[]>(c(['search', 'deploy', '--room', 'general'], 'instance-1')).map((m) => m.number),
        [3],
      );
      assert.deepStrictEqual(
        json<Message[]>(c(['search', 'deploy', '--from', 'instance-3'], 'instance-1')).map((m) => m.number),
        [4],
      );
      assert.deepStrictEqual(
        json<Message[]>(c(['search', 'd on st', '--exact'], 'instance-1')).map((m) => m.number),
        [1],
      );
      assert.strictEqual(json<Message[]>(c(['search', 'deploy', '--limit', '1'], 'instance-1')).length, 1);
      assert.strictEqual(c(['search', '  '], 'instance-1').code, 1);
    });

    it('statuses, system-status, system-summary, action-log, validate-command, reindex, help', () => {
      c(['update-status', 'Fixing\nthe race'], 'instance-1');
      c(['send', 'general', 'hi'], 'instance-2');
      const st = json<{ instances: string[]; totalMessages: number; activeChatrooms: number; unread: number }>(
        c(['system-status'], 'instance-1'),
      );
      assert.deepStrictEqual(
        [st.instances, st.totalMessages, st.activeChatrooms, st.unread],
        [['instance-1', 'instance-2'], 1, 1, 1],
      );
      const sum = json<{ statuses: Record<string, { text: string }> }>(c(['system-summary'], 'instance-2'));
      assert.strictEqual(sum.statuses['instance-1'].text, 'Fixing the race');
      const log = json<Array<{ instance: string; action: string }>>(c(['action-log', '--limit', '2'], 'instance-1'));
      assert.deepStrictEqual(
        log.map((e) => `${e.instance} ${e.action}`),
        ['instance-1 UPDATE_STATUS', 'instance-2 SEND_MESSAGE'],
      );
      userError(c(['update-status', ' '], 'instance-1'), /status text is empty/);
      assert.strictEqual(c(['validate-command', 'send'], 'instance-1').code, 0);
      assert.strictEqual(c(['validate-command', 'sned'], 'instance-1').code, 1);
      // A directory's summary is rebuilt; a server keeps none.
      const reindex = c(['reindex'], 'instance-1');
      if (b.name === 'nats') {
        assert.notStrictEqual(reindex.code, 0);
        assert.match(reindex.stderr, /^coord: error: reindex works on a coordination directory[^\n]*\n$/);
      } else assert.strictEqual(json<{ messages: number }>(reindex).messages, 1);
      assert.strictEqual(b.coord(['help']).code, 0);
      const anonymous = b.coord(['send', 'general', 'x']);
      assert.strictEqual(anonymous.code, 1);
      assert.match(anonymous.stderr, /no identity: pass --as ID or set CLAUDE_INSTANCE_ID/);
    });

    it('importance flags, ack, acks, humans, register-human, needs-you, stuck, digest', async () => {
      c(['update-status', 'on it'], 'instance-2');
      const sent = [
        json<Message>(c(['send', 'general', 'build is red @instance-2', '--urgent', '--ack'], 'instance-1')),
        json<Message>(c(['send', 'general', 'review soon', '--high'], 'instance-1')),
        json<Message>(c(['send', 'general', 'whenever', '--low'], 'instance-3')),
        json<Message>(c(['send', 'general', 'plain'], 'instance-3')),
      ];
      const shown = json<Message[]>(c(['check-chatroom', 'general'], 'instance-2'));
      for (const list of [sent, shown])
        assert.deepStrictEqual(
          list.map((m) => `${m.text}|${m.importance}|${m.ackRequired}`),
          [
            'build is red @instance-2|urgent|true',
            'review soon|high|false',
            'whenever|low|false',
            'plain|normal|false',
          ],
        );
      const both = c(['send', 'general', 'x', '--urgent', '--low'], 'instance-1');
      assert.strictEqual(both.code, 2, both.stderr);
      assert.match(both.stderr, /^coord: error: choose one importance, not --urgent and --low\n$/);

      const queue = json<Array<{ key: string; reasons: string[] }>>(c(['needs-you'], 'instance-2'));
      assert.deepStrictEqual(queue[0], { ...queue[0], key: 'msg:1', reasons: ['urgent', 'ack', 'direct'] });
      const owe = json<{ owe: Array<{ status: { message: Message } }> }>(c(['acks', '--pending'], 'instance-2'));
      assert.deepStrictEqual(
        owe.owe.map((e) => e.status.message.number),
        [1],
      );
      userError(c(['ack', '1'], 'instance-1'), /is your own/);
      assert.deepStrictEqual(json<{ acked: number[] }>(c(['ack', '1', '2'], 'instance-2')).acked, [1, 2]);
      assert.deepStrictEqual(json<{ acked: number[]; alreadyAcked: number[] }>(c(['ack', '1'], 'instance-2')), {
        acked: [],
        alreadyAcked: [1],
      });
      userError(c(['ack', '9'], 'instance-2'), /no message #9/);
      // An ack is also a read; what it owed is gone from the queue.
      assert.deepStrictEqual(
        json<Message[]>(c(['check-unread'], 'instance-2')).map((m) => m.number),
        [3, 4],
      );
      assert.deepStrictEqual(json<{ owe: unknown[] }>(c(['acks', '--pending'], 'instance-2')).owe, []);
      assert.ok(!json<Array<{ key: string }>>(c(['needs-you'], 'instance-2')).some((e) => e.key === 'msg:1'));
      const owed = json<{ owed: Array<{ status: { acked: Array<{ by: string }>; done: boolean } }> }>(
        c(['acks'], 'instance-1'),
      );
      assert.deepStrictEqual(
        owed.owed.map((e) => [e.status.acked.map((a) => a.by), e.status.done]),
        [[['instance-2'], true]],
      );

      assert.deepStrictEqual(json<unknown[]>(c(['humans'], 'instance-1')), []);
      userError(c(['send', '@human', 'hello'], 'instance-1'), /no human is registered here/);
      const reg = json<{ human: { id: string }; created: boolean }>(c(['register-human'], 'alice'));
      assert.deepStrictEqual([reg.human.id, reg.created], ['alice', true]);
      assert.strictEqual(json<{ created: boolean }>(c(['register-human', 'alice'], 'instance-1')).created, false);
      assert.deepStrictEqual(
        json<Array<{ id: string }>>(c(['humans'], 'instance-3')).map((h) => h.id),
        ['alice'],
      );
      assert.strictEqual(json<Message>(c(['send', '@human', 'a question for you?'], 'instance-1')).target, '@alice');
      const aliceQueue = json<Array<{ key: string; kind: string }>>(c(['needs-you'], 'alice'));
      assert.deepStrictEqual(
        aliceQueue.map((e) => `${e.key} ${e.kind}`),
        ['msg:1 urgent', 'msg:5 question'],
      );

      const digest = json<{ count: number; urgent: number[]; ackRequested: number[]; summary: string }>(
        c(['digest', 'general'], 'instance-4'),
      );
      assert.deepStrictEqual([digest.count, digest.urgent, digest.ackRequested], [4, [1], [1]]);
      assert.match(digest.summary, /^4 new/);

      // instance-4 was mentioned by @all and has done nothing since: stuck once the threshold passed.
      c(['send', 'general', 'standup @all'], 'instance-1');
      await sleep(2100);
      const stuck = json<Array<{ agent: string; waiting: Message[] }>>(c(['stuck', '--after', '1s'], 'instance-1'));
      assert.deepStrictEqual(
        stuck.map((s) => [s.agent, s.waiting.map((m) => m.number)]),
        [
          ['instance-2', [6]],
          ['instance-3', [6]],
        ],
      );
      const badAfter = c(['stuck', '--after', 'soon'], 'instance-1');
      assert.strictEqual(badAfter.code, 2, badAfter.stderr);
      assert.match(badAfter.stderr, /^coord: error: --after takes a length of time like 90s/);
    });

    it('claims: claim (exclusive, shared, force), claims, release, the guard check', () => {
      const mine = json<{ claims: Array<{ pattern: string; exclusive: boolean }> }>(
        c(['claim', 'src/api/**', '--exclusive', '--reason', 'schema change'], 'instance-1'),
      );
      assert.deepStrictEqual(
        mine.claims.map((x) => [x.pattern, x.exclusive]),
        [['src/api/**', true]],
      );
      userError(
        c(['claim', 'src/api/users.ts'], 'instance-2'),
        /cannot claim src\/api\/users\.ts: instance-1 holds src\/api\/\*\* exclusively/,
      );
      json(c(['claim', 'docs/guide.md'], 'instance-2'));
      json(c(['claim', 'docs/**'], 'instance-3'));
      const forced = json<{ conflicts: Array<{ holder: string }> }>(
        c(['claim', 'src/api/users.ts', '--force'], 'instance-3'),
      );
      assert.deepStrictEqual(
        forced.conflicts.map((x) => x.holder),
        ['instance-1'],
      );
      const all = json<Array<{ instance: string; pattern: string; conflictsWith: string[] }>>(
        c(['claims'], 'instance-2'),
      );
      assert.deepStrictEqual(
        all.map((x) => `${x.instance} ${x.pattern} ${x.conflictsWith.length}`),
        [
          'instance-1 src/api/** 1',
          'instance-2 docs/guide.md 0',
          'instance-3 docs/** 0',
          'instance-3 src/api/users.ts 1',
        ],
      );
      assert.deepStrictEqual(
        json<Array<{ pattern: string }>>(c(['claims', '--mine'], 'instance-3')).map((x) => x.pattern),
        ['docs/**', 'src/api/users.ts'],
      );
      const refused = c(['guard', 'check', 'src/api/orders.ts', 'README.md'], 'instance-2');
      userError(refused, /commit refused: .*src\/api\/orders\.ts \(instance-1 holds src\/api\/\*\* exclusively/);
      assert.deepStrictEqual(
        json<{ checked: number; violations: unknown[] }>(c(['guard', 'check', 'src/api/orders.ts'], 'instance-1')),
        { checked: 1, violations: [] },
      );
      userError(c(['release', 'src/api/**'], 'instance-2'), /you \(instance-2\) hold no claim on src\/api\/\*\*/);
      assert.deepStrictEqual(
        json<Array<{ pattern: string }>>(c(['release', 'src/api/**'], 'instance-1')).map((x) => x.pattern),
        ['src/api/**'],
      );
      assert.deepStrictEqual(
        json<Array<{ pattern: string }>>(c(['release', '--all'], 'instance-3')).map((x) => x.pattern),
        ['docs/**', 'src/api/users.ts'],
      );
      assert.deepStrictEqual(
        json<Array<{ instance: string }>>(c(['claims'], 'instance-1')).map((x) => x.instance),
        ['instance-2'],
      );
      json(c(['guard', 'check', 'src/api/orders.ts'], 'instance-2'));
    });

    it('compare-and-set races: one exclusive path, many claimers; many acks at once; nothing lost', async () => {
      const claimers = Array.from({ length: 6 }, (_, i) => `racer-${i + 1}`);
      const claims = await Promise.all(claimers.map((w) => b.coordAsync(['claim', 'src/hot.ts', '--exclusive'], w)));
      const winners = claims.flatMap((r, i) => (r.code === 0 ? [claimers[i]] : []));
      assert.strictEqual(winners.length, 1, claims.map((r) => `${r.code} ${r.stderr}`).join('\n'));
      for (const r of claims.filter((x) => x.code !== 0)) assert.match(r.stderr, /cannot claim src\/hot\.ts/);
      assert.deepStrictEqual(
        json<Array<{ instance: string }>>(c(['claims'], 'reader')).map((x) => x.instance),
        winners,
      );

      for (let i = 1; i <= 4; i++) c(['send', 'general', `please ack ${i}`, '--ack'], 'asker');
      // Six instances ack message 1 at once (one key each), and one instance acks 1..4 in four processes (one key).
      const acks = await Promise.all([
        ...claimers.map((w) => b.coordAsync(['ack', '1'], w)),
        ...[1, 2, 3, 4].map((n) => b.coordAsync(['ack', String(n)], 'acker')),
      ]);
      for (const r of acks) assert.strictEqual(r.code, 0, r.stderr);
      const owed = json<{ owed: Array<{ status: { message: Message; acked: Array<{ by: string }> } }> }>(
        c(['acks'], 'asker'),
      );
      assert.deepStrictEqual(
        owed.owed.map((e) => [e.status.message.number, e.status.acked.map((a) => a.by).sort()]),
        [
          [1, ['acker', ...claimers]],
          [2, ['acker']],
          [3, ['acker']],
          [4, ['acker']],
        ],
      );
    });

    it('8 concurrent writers: every message once, numbers 1..N without gaps', async () => {
      const writers = Array.from({ length: 8 }, (_, i) => `w${i + 1}`);
      await Promise.all(
        writers.map(async (w) => {
          for (let k = 0; k < 3; k++) {
            const r = await b.coordAsync(['send', 'general', `${w} message ${k}`], w);
            assert.strictEqual(r.code, 0, r.stderr);
          }
        }),
      );
      const all = json<Message[]>(c(['check-chatroom', 'general'], 'reader'));
      assert.deepStrictEqual(
        all.map((m) => m.number),
        Array.from({ length: 24 }, (_, i) => i + 1),
      );
      assert.strictEqual(new Set(all.map((m) => m.text)).size, 24);
    });

    /** Starts `coord ARGS` as `as` and collects its output. */
    function start(args: string[], as: string) {
      const { args: argv, env } = b.argv(args, as);
      return startNode(argv, { env, cwd: tempDir('coord-live-cwd-') });
    }

    async function until(what: string, cond: () => boolean): Promise<void> {
      const deadline = Date.now() + 10000;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`${what} within 10 s`);
        await sleep(25);
      }
    }

    const hookPayload = (event: string) => JSON.stringify({ hook_event_name: event, session_id: 's1' });

    it('wait: hands over what is unread once (the cursor shared with the hooks), then blocks for a new message', async () => {
      json(c(['update-status', 'here'], 'instance-1'));
      const first = json<{ number: number }>(c(['send', '#general', '@instance-1 already waiting'], 'instance-2'));
      const got = await b.coordAsync(['--json', 'wait', '--timeout', '20'], 'instance-1');
      assert.deepStrictEqual(
        json<Message[]>(got).map((m) => [m.number, m.text]),
        [[first.number, '@instance-1 already waiting']],
      );
      const hook = b.coord(['hook', 'PostToolUse', '--agent', 'claude'], 'instance-1', hookPayload('PostToolUse'));
      assert.strictEqual(hook.code, 0, hook.stderr);
      assert.strictEqual(hook.stdout, '', 'what wait handed over is not handed over again');
      const waiter = start(['--json', 'wait', '--mentions', '--timeout', '20'], 'instance-1');
      await sleep(1500);
      assert.strictEqual(waiter.out(), '', 'nothing was pending');
      json(c(['send', '#general', 'not for anyone in particular'], 'instance-2'));
      json(c(['send-dm', 'instance-1', 'this one is for you'], 'instance-2'));
      assert.strictEqual(await waiter.done, 0, waiter.err());
      assert.deepStrictEqual(texts(JSON.parse(waiter.out())), ['this one is for you']);
      // The room message is still unread and never handed over (the waiter wanted mentions): no mention is pending.
      const timeout = await b.coordAsync(['wait', '--mentions', '--timeout', '1'], 'instance-1');
      assert.strictEqual(timeout.code, 124, timeout.stderr);
    });

    it('watch: streams messages, room and status changes as NDJSON, resumable with --since', async () => {
      const before = json<{ number: number }>(c(['send', '#general', 'before the watch'], 'instance-2'));
      const watcher = start(['--json', 'watch', '--since', '0'], 'instance-1');
      await until('the replayed message', () => watcher.out().includes('before the watch'));
      json(c(['create-chatroom', 'ops', 'operations'], 'instance-2'));
      json(c(['update-status', 'deploying'], 'instance-2'));
      json(c(['send', '#ops', 'deploy started'], 'instance-2'));
      await until('the live events', () => watcher.out().includes('deploy started') && watcher.out().includes('ops'));
      await until('the status event', () => watcher.out().includes('deploying'));
      watcher.child.kill('SIGTERM');
      await watcher.done;
      const events = parseNdjson<{ type: string; cursor: number; message?: Message; room?: { name: string } }>(
        watcher.out(),
      );
      const messages = events.filter((e) => e.type === 'message').map((e) => e.message!.text);
      assert.deepStrictEqual(messages, ['before the watch', 'deploy started']);
      assert.ok(events.some((e) => e.type === 'room' && e.room?.name === 'ops'));
      assert.ok(events.some((e) => e.type === 'status'));
      assert.strictEqual(events.find((e) => e.type === 'message')!.cursor, before.number);
      // Resumed from the first message's cursor: only what came after it.
      const resumed = start(['--json', 'watch', '--since', String(before.number)], 'instance-1');
      await until('the resumed stream', () => resumed.out().includes('deploy started'));
      resumed.child.kill('SIGTERM');
      await resumed.done;
      assert.ok(!resumed.out().includes('before the watch'));
    });

    it('hooks: SessionStart briefs, PostToolUse hands a message over once, Stop blocks once', () => {
      json(c(['update-status', 'here'], 'instance-1'));
      const hook = (event: string, extra: Record<string, unknown> = {}) =>
        b.coord(
          ['hook', event, '--agent', 'claude'],
          'instance-1',
          JSON.stringify({ ...JSON.parse(hookPayload(event)), ...extra }),
        );
      const start1 = hook('SessionStart');
      assert.strictEqual(start1.code, 0, start1.stderr);
      assert.match(JSON.parse(start1.stdout).hookSpecificOutput.additionalContext, /^You are instance-1 /);
      json(c(['send', '#general', '@instance-1 please review'], 'instance-2'));
      const tool = hook('PostToolUse');
      assert.match(JSON.parse(tool.stdout).hookSpecificOutput.additionalContext, /please review/);
      assert.strictEqual(hook('PostToolUse').stdout, '', 'handed over once');
      json(c(['send-dm', 'instance-1', 'answer me before you stop'], 'instance-2'));
      const stop = JSON.parse(hook('Stop').stdout);
      assert.strictEqual(stop.decision, 'block');
      assert.match(stop.reason, /answer me before you stop/);
      assert.strictEqual(hook('Stop', { stop_hook_active: true }).stdout, '', 'never twice in a row');
    });

    it("mcp: the SDK client lists and calls the tools, and hears of another process's send", async () => {
      json(c(['update-status', 'here'], 'instance-1'));
      const { args, env } = b.argv(['mcp'], 'instance-1');
      const client = new Client({ name: 'behaviour', version: '1.0.0' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args,
          env,
          cwd: tempDir('coord-mcp-cwd-'),
          stderr: 'pipe',
        }),
      );
      try {
        const { tools } = await client.listTools();
        assert.ok(tools.length >= 10 && tools.some((t) => t.name === 'send'));
        const sent = await client.callTool({
          name: 'send',
          arguments: { to: '#general', text: 'from the MCP client' },
        });
        const number = Number(/^Sent #(\d+)/.exec((sent as { content: Array<{ text: string }> }).content[0].text)?.[1]);
        assert.strictEqual(json<Message[]>(c(['thread', String(number)], 'instance-2'))[0].text, 'from the MCP client');
        await client.subscribeResource({ uri: 'coord://inbox' });
        let heard = false;
        client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
          if (n.params.uri === 'coord://inbox') heard = true;
        });
        json(c(['send', '#general', '@instance-1 over to you'], 'instance-2'));
        await until('an inbox update', () => heard);
        const inbox = await client.callTool({ name: 'inbox', arguments: {} });
        assert.match((inbox as { content: Array<{ text: string }> }).content[0].text, /over to you/);
      } finally {
        await client.close();
      }
    });

    it('library: openBackend gives the same operations; another writer becomes visible', async () => {
      const one = await b.open('lib-1');
      const two = await b.open('lib-2');
      try {
        assert.strictEqual(one.backend, b.name);
        const room = await one.createChatroom('lib', 'library room');
        assert.strictEqual(room.name, 'lib');
        const sent = await one.send('#lib', 'from the library @lib-2');
        assert.strictEqual(sent.number, 1);
        // The writer reads its own write at once.
        assert.deepStrictEqual(texts(one.checkChatroom('lib')), ['from the library @lib-2']);
        let changed = false;
        const stop = two.onChange(() => (changed = true));
        const reply = await one.reply(1, 'and a reply');
        assert.strictEqual(reply.replyTo, 1);
        // The other object hears of it: the replica's consumer (NATS) or fs.watch (directory).
        const deadline = Date.now() + 5000;
        while (!changed && Date.now() < deadline) await sleep(10);
        assert.ok(changed, 'no change event within 5 s');
        stop();
        two.refresh();
        assert.deepStrictEqual(texts(two.checkNotifications().mentions), ['from the library @lib-2']);
        assert.deepStrictEqual(texts(two.thread(1)), ['from the library @lib-2', 'and a reply']);
        assert.deepStrictEqual((await two.markRead('all')).marked, [1, 2]);
        assert.strictEqual(two.unreadCounts().total, 0);
        await two.updateStatus('library status');
        await two.sendDm('lib-1', 'dm from two');
        one.refresh();
        await waitFor(() => one.conversations().length === 1, one);
        assert.deepStrictEqual(
          one.conversations().map((cv) => [cv.peer, cv.messages, cv.unread]),
          [['lib-2', 1, 1]],
        );
        await one.closeChatroom('lib', 'done');
        await waitFor(() => two.getChatroom('lib').status === 'closed', two);
        await assert.rejects(
          two.send('#lib', 'x'),
          (e: Error) => e.name === 'CoordError' && /is closed/.test(e.message),
        );
        assert.deepStrictEqual(texts(one.search('library')), ['from the library @lib-2']);
        // The index follows later messages (written here or elsewhere).
        await two.send('#general', 'a later library note');
        await waitFor(() => one.search('later').length === 1, one);
        assert.deepStrictEqual(texts(one.search('library')).sort(), [
          'a later library note',
          'from the library @lib-2',
        ]);
        assert.strictEqual(one.statuses()['lib-2']?.text, 'library status');

        // Attention: humans, importance, acks, what needs you, digests, stuck agents.
        assert.deepStrictEqual(one.humans(), []);
        assert.strictEqual((await two.registerHuman('lib-human')).created, true);
        await waitFor(() => one.humans().length === 1, one);
        assert.strictEqual((await one.registerHuman('lib-human')).created, false);
        const asked = await one.send('#general', 'release now @lib-2', { importance: 'urgent', ack: true });
        assert.deepStrictEqual([asked.importance, asked.ackRequired], ['urgent', true]);
        await waitFor(() => two.needsYou().some((e) => e.key === `msg:${asked.number}`), two);
        assert.deepStrictEqual(
          two.acks({ pendingOnly: true }).owe.map((e) => e.status.message.number),
          [asked.number],
        );
        assert.deepStrictEqual(two.roomDigest('general').urgent, [asked.number]);
        assert.deepStrictEqual(await two.ack([asked.number!]), { acked: [asked.number], alreadyAcked: [] });
        await assert.rejects(one.ack([asked.number!]), /is your own/);
        await waitFor(() => one.acks().owed[0]?.status.done === true, one);
        assert.deepStrictEqual(
          one.acks().owed[0].status.acked.map((a) => a.by),
          ['lib-2'],
        );
        assert.ok(!two.needsYou().some((e) => e.key === `msg:${asked.number}`));
        assert.strictEqual(two.roomDigest('general').count, 0);
        assert.deepStrictEqual(one.stuckAgents({ stuckAfterMs: 3_600_000 }), []);

        // Claims through the backend: one exclusive path, two holders refused.
        const book1 = one.claimBook({ root: '/repo' });
        const book2 = two.claimBook({ root: '/repo' });
        await book1.claim(['src/lib/**'], { exclusive: true });
        await waitFor(() => book2.list().length === 1, two);
        await assert.rejects(book2.claim(['src/lib/a.ts']), /cannot claim src\/lib\/a\.ts: lib-1 holds/);
        assert.deepStrictEqual(
          book2.guardCheck(['src/lib/a.ts']).map((v) => v.claim.instance),
          ['lib-1'],
        );
        assert.deepStrictEqual(
          (await book1.release('all')).map((x) => x.pattern),
          ['src/lib/**'],
        );
      } finally {
        await one.close();
        await two.close();
      }
    });
  });
}

/** The directory reads on refresh(); the NATS replica is pushed: wait for either (bounded). */
async function waitFor(cond: () => boolean, c: CoordinationBackend): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    c.refresh();
    if (cond()) return;
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await sleep(10);
  }
}
