/**
 * A follower (openCoordination({ follow: true }), what the extension opens)
 * answers every read from the directory's summary, without loading the
 * directory, and its answers equal a full load's: on the legacy sample and on
 * a generated directory with urgent messages, ack requests, acks, questions
 * answered and not, a human, a closed room and code references; for every
 * identity; after others append (the summary's delta), after read marks
 * change, and after its own writes. Its read marks are the ones a full load
 * writes, byte for byte.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Coordination, openCoordination } from '../../src/core';
import { FOLLOWER_DELTA_LIMITS, MAX_DELTA_MESSAGES } from '../../src/core/search/persistedIndex';
import { copySample, REPO_ROOT, runCoord, tempDir } from '../support/helpers';

const NOW = new Date('2026-12-05T12:00:00');
const now = () => NOW;

async function generate(dir: string, messages: number): Promise<void> {
  const url = 'file://' + path.join(REPO_ROOT, 'scripts', 'generate-dir.mjs');
  const mod = await (
    new Function('u', 'return import(u)') as (u: string) => Promise<{ generateDir: (d: string, o: object) => unknown }>
  )(url);
  mod.generateDir(dir, { messages, seed: 5 });
}

/** Writes are made two hours before the reads, so agents that wrote nothing since look stuck. */
const EARLIER = new Date('2026-12-05T10:00:00');

const open = (dir: string, instance: string, follow: boolean, clock = now) =>
  openCoordination({ dir, instance, env: {}, now: clock, ...(follow ? { follow: true } : {}) });

/** instance-1's follower, as the extension opens it: `rebuildSummary` is how it asks another process. */
const followerAsking = (dir: string, rebuildSummary: () => void | Promise<unknown>) =>
  openCoordination({ dir, instance: 'instance-1', env: {}, now, follow: true, rebuildSummary });

/** What the extension and the commands ask of one identity. */
function answers(c: Coordination): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ask = (name: string, fn: () => unknown) => {
    try {
      out[name] = fn();
    } catch (error) {
      out[name] = { error: String(error) };
    }
  };
  const peers = c.knownInstances().filter((i) => i !== c.instance);
  ask('listChatrooms', () => c.listChatrooms());
  ask('unreadCounts', () => c.unreadCounts());
  ask('checkNotifications', () => c.checkNotifications());
  ask('checkInbox', () => c.checkInbox({ limit: 20 }));
  ask('checkUnread general', () => c.checkUnread({ room: 'general' }));
  ask('conversations', () => c.conversations());
  ask('checkDm', () => c.checkDm());
  ask('checkDm limited', () => c.checkDm(undefined, { limit: 5 }));
  for (const p of peers) ask(`checkDm ${p}`, () => c.checkDm(p));
  ask('statuses', () => c.statuses());
  ask('lineCount', () => c.lineCount);
  ask('messagesAfter', () => c.messagesAfter(Math.max(0, c.lineCount - 40)));
  ask('lastMessages', () => c.lastMessages(25));
  ask('messagesContaining', () => c.messagesContaining('src/app.ts:'));
  ask('getMessage 3', () => c.getMessage(3));
  ask('getMessage missing', () => c.getMessage(10_000_000));
  ask('isVisible', () => c.lastMessages(40).map((m) => c.isVisible(m)));
  ask('acks', () => c.acks());
  ask('acks pending', () => c.acks({ pendingOnly: true }));
  ask('stuckAgents', () => c.stuckAgents({ stuckAfterMs: 60_000 }));
  ask('needsYou', () => c.needsYou({ stuckAfterMs: 60_000 }));
  ask('needsYou oldest waiting', () => c.needsYou({ stuckAfterMs: 60_000, oldestWaitingOnly: true }));
  ask('needsYouNewest', () => c.needsYouNewest({ stuckAfterMs: 60_000, oldestWaitingOnly: true, perKind: 3 }));
  ask('checkNotifications without alerts', () => c.checkNotifications({ alerts: false }));
  ask('unreadMentionsByTarget', () => c.unreadMentionsByTarget());
  ask('search', () => c.search('deploy'));
  ask('systemStatus', () => c.systemStatus());
  ask('checkChatroom', () => c.checkChatroom('general', { limit: 12 }));
  ask('roomDigest general', () => c.roomDigest('general'));
  ask('roomDigest dev', () => c.roomDigest('dev'));
  ask('chatroomSlice last page', () => c.chatroomSlice('general', -7));
  ask('chatroomSlice from 5', () => c.chatroomSlice('general', 5));
  for (const p of peers) {
    ask(`dmSlice ${p}`, () => c.dmSlice(p, -4));
    ask(`checkUnread from ${p}`, () => c.checkUnread({ peer: p }));
    ask(`checkUnread from ${p}, last 2`, () => c.checkUnread({ peer: p, limit: 2 }));
  }
  return out;
}

function assertSameAnswers(dir: string, instance: string, follower?: Coordination): void {
  const f = follower ?? open(dir, instance, true);
  f.refresh();
  const got = answers(f);
  assert.strictEqual(f.storeLoaded, false, `the follower of ${instance} loaded the directory`);
  const want = answers(open(dir, instance, false));
  for (const key of Object.keys(want)) assert.deepStrictEqual(got[key], want[key], `${instance}: ${key}`);
}

/** Attention traffic on top of a directory: urgent, acks asked and given, questions, a human, code refs. */
async function plant(dir: string): Promise<void> {
  const as = (id: string) => open(dir, id, false, () => EARLIER);
  await as('alice').registerHuman('alice');
  const i2 = as('instance-2');
  await i2.send('#general', 'the build is red, see src/app.ts:12-14', { importance: 'urgent' });
  const asked = await i2.sendDm('instance-1', 'please confirm the freeze', { ack: true });
  await i2.send('#general', '@instance-1 can you review the deploy?');
  const q = await i2.sendDm('instance-1', 'are you on the migration?');
  await as('instance-3').send('#dev', '@all who owns src/app.ts:40?', { ack: true });
  await as('instance-3').send('#dev', '@human please look at this?');
  const i1 = as('instance-1');
  await i1.reply(q.number!, 'yes, on it');
  await i1.ack([asked.number!]);
  await as('instance-4').send('#ops', 'closing soon, src/app.ts:12');
  await as('instance-4').closeChatroom('ops', 'done here');
}

describe('a follower answers from the summary as a full load does', function () {
  this.timeout(300_000);

  it('on the legacy sample, for every identity, without loading the directory', () => {
    const dir = copySample();
    for (const id of open(dir, 'instance-1', false).knownInstances()) assertSameAnswers(dir, id);
  });

  it('on a generated directory with attention traffic, after appends, read marks and its own writes', async () => {
    const dir = path.join(tempDir('coord-follow-'), 'coordination');
    await generate(dir, 3000);
    await plant(dir);
    for (const id of ['instance-1', 'instance-2', 'instance-3', 'alice']) assertSameAnswers(dir, id);
    // The answers compared hold something of each kind.
    const full = open(dir, 'instance-1', false);
    const reasons = new Set(full.needsYou({ stuckAfterMs: 60_000 }).flatMap((e) => e.reasons));
    assert.deepStrictEqual([...reasons].sort(), ['ack', 'direct', 'question', 'stuck', 'urgent']);
    assert.ok(full.acks().owe.length > 0 && full.acks().owed.length === 0);
    assert.ok(
      open(dir, 'alice', false)
        .needsYou()
        .some((e) => e.reasons.includes('question')),
    );
    assert.strictEqual(full.messagesContaining('src/app.ts:').length, 3);
    assert.ok(full.conversations().some((c) => c.unread > 0));
    // A queue with only the oldest waiting message reads the same.
    const whole = full.needsYou({ stuckAfterMs: 60_000 });
    const oldest = full.needsYou({ stuckAfterMs: 60_000, oldestWaitingOnly: true });
    assert.deepStrictEqual(
      oldest.map((e) => [e.key, e.title, e.message, e.stuck?.waiting.length ?? 0, e.stuck?.waitingTotal ?? 0]),
      whole.map((e) => [e.key, e.title, e.message, e.stuck ? 1 : 0, e.stuck?.waiting.length ?? 0]),
    );

    // The newest of each kind are the end of each kind's part of the whole queue.
    const newest = full.needsYouNewest({ stuckAfterMs: 60_000, perKind: 2 });
    const kinds = [...new Set(whole.map((e) => e.kind))];
    assert.deepStrictEqual(
      newest.entries.map((e) => e.key),
      kinds.flatMap((k) => whole.filter((e) => e.kind === k).slice(-2)).map((e) => e.key),
    );
    assert.ok(newest.totals.direct > 2, `more direct entries than listed: ${newest.totals.direct}`);
    for (const k of kinds) assert.strictEqual(newest.totals[k], whole.filter((e) => e.kind === k).length, k);

    // Others append (answered through the summary's delta), and mark read.
    const follower = open(dir, 'instance-1', true);
    follower.refresh();
    const before = follower.version;
    assert.strictEqual(follower.refresh(), false, 'nothing changed');
    assert.strictEqual(follower.version, before);
    // A stuck agent reads what waits for it (at the earlier time, so it stays idle): the rows of the base the
    // follower kept as waiting for it are read again, and the agent leaves the queue.
    const stuckKey = (c: Coordination) =>
      c.needsYou({ stuckAfterMs: 60_000, oldestWaitingOnly: true }).find((e) => e.key === 'stuck:instance-4');
    assert.ok(stuckKey(follower)?.stuck?.waitingTotal, 'instance-4 is stuck');
    await open(dir, 'instance-4', false, () => EARLIER).markRead('all');
    follower.refresh();
    assert.strictEqual(stuckKey(follower), undefined);
    assertSameAnswers(dir, 'instance-1', follower);
    // Its identity answers a question of the base from another process, which changes none of its read records:
    // the queue's verdicts of the base the follower kept are worked out again.
    const review = follower.needsYou().find((e) => e.kind === 'question' && e.summary.includes('review the deploy'));
    assert.ok(review?.message?.number, 'the question waits');
    await open(dir, 'instance-1', false, () => EARLIER).reply(review.message.number, 'looking now');
    follower.refresh();
    assert.strictEqual(
      follower.needsYou().find((e) => e.key === review.key && e.reasons.includes('question')),
      undefined,
    );
    assertSameAnswers(dir, 'instance-1', follower);
    // ... and reads a message of the base that waits on it.
    const direct = follower.needsYou().find((e) => e.kind === 'direct' && e.message?.number);
    assert.ok(direct?.message?.number, 'a direct message waits');
    await open(dir, 'instance-1', false, () => EARLIER).markRead([direct.message.number]);
    follower.refresh();
    assert.strictEqual(
      follower.needsYou().find((e) => e.key === direct.key),
      undefined,
    );
    assertSameAnswers(dir, 'instance-1', follower);
    await open(dir, 'instance-3', false).send('#general', '@instance-1 one more question?');
    await open(dir, 'instance-2', false).sendDm('instance-1', 'and src/app.ts:13 again', { importance: 'urgent' });
    await open(dir, 'instance-2', false).markRead('all');
    assert.strictEqual(follower.refresh(), true, 'the appends are seen');
    assert.ok(follower.version > before);
    assertSameAnswers(dir, 'instance-1', follower);
    assertSameAnswers(dir, 'instance-2');
    // A room message alone changes none of instance-1's read records (its unread rows of the base are kept);
    // closing a room changes what it may see, and reopening it changes it back.
    const unreadBefore = follower.unreadCounts().total;
    await open(dir, 'instance-3', false).send('#general', 'one more for everyone');
    follower.refresh();
    assert.strictEqual(follower.unreadCounts().total, unreadBefore + 1);
    assertSameAnswers(dir, 'instance-1', follower);
    const inDev = follower.unreadCounts().byTarget['#dev'];
    assert.ok(inDev > 0, 'unread in #dev');
    await open(dir, 'instance-4', false).closeChatroom('dev', 'paused');
    follower.refresh();
    assert.strictEqual(follower.unreadCounts().byTarget['#dev'], undefined);
    assertSameAnswers(dir, 'instance-1', follower);
    await open(dir, 'instance-4', false).reopenChatroom('dev', 'back');
    follower.refresh();
    assert.strictEqual(follower.unreadCounts().byTarget['#dev'], inDev);
    assertSameAnswers(dir, 'instance-1', follower);
    // A bash writer's block (no log line), older than the messages appended since the summary, comes in among
    // them: the rows after it move, and what the follower kept of those rows is worked out again.
    await open(dir, 'instance-1', false).send(
      '#general',
      'mine, so never unread: the rows before it do not all look alike',
    );
    follower.refresh();
    const unreadNow = follower.unreadCounts().total;
    fs.appendFileSync(
      path.join(dir, 'chatrooms', 'general.txt'),
      '[2026-12-05 11:59:00] FROM: instance-3\nID: 0badf00d\nMESSAGE: @instance-1 a block from bash\n---\n',
    );
    follower.refresh();
    assert.strictEqual(follower.unreadCounts().total, unreadNow + 1);
    assertSameAnswers(dir, 'instance-1', follower);

    const digest = full.roomDigest('general');
    assert.ok(
      digest.count > 0 && digest.threads.length > 0 && digest.urgent.length > 0,
      JSON.stringify(digest).slice(0, 300),
    );

    // Mentions counted by conversation are the listed mentions, counted.
    const mentions = new Map<string, number>();
    for (const m of full.checkNotifications().mentions) {
      const key = m.target.startsWith('#') ? m.target : `@${m.from}`;
      mentions.set(key, (mentions.get(key) ?? 0) + 1);
    }
    assert.ok(mentions.size > 1);
    assert.deepStrictEqual(new Map(Object.entries(full.unreadMentionsByTarget())), mentions);

    // A slice is the end of the whole; the unread from a peer are that conversation's.
    const room = full.checkChatroom('general');
    assert.deepStrictEqual(full.chatroomSlice('general', -7), { total: room.length, messages: room.slice(-7) });
    assert.deepStrictEqual(
      full.checkUnread({ peer: 'instance-2' }),
      full.checkUnread().filter((m) => m.target === '@instance-1' && m.from === 'instance-2'),
    );
    assert.ok(full.checkUnread({ peer: 'instance-2' }).length > 0);

    // Its own writes: an ack, marks by reference, a reply, a status.
    const owed = follower.acks({ pendingOnly: true }).owe.map((e) => e.status.message);
    assert.ok(owed.length > 0);
    const mine = follower.checkDm().find((m) => m.from === 'instance-1')!;
    await assert.rejects(follower.ack([mine.number!]), /is your own/);
    assert.deepStrictEqual(await follower.ack([owed[0].number!]), { acked: [owed[0].number], alreadyAcked: [] });
    assert.strictEqual(follower.storeLoaded, false, 'the follower loaded the directory to acknowledge');
    const unread = follower.checkUnread().slice(-3);
    const result = await follower.markRead([...unread.map((m) => m.number!), unread[0].number!]);
    assert.strictEqual(result.marked.length, 3);
    await follower.reply(unread[1].number!, 'answered');
    await follower.updateStatus('following');
    follower.refresh();
    assertSameAnswers(dir, 'instance-1', follower);
  });

  it('writes the read marks a full load writes', async () => {
    const base = path.join(tempDir('coord-follow-marks-'), 'coordination');
    await generate(base, 1500);
    await plant(base);
    const copy = path.join(path.dirname(base), 'copy');
    fs.cpSync(base, copy, { recursive: true });
    // The copy of a lock this process still leases would be taken for a live holder's.
    fs.rmSync(path.join(copy, 'data', '.coord.lock'), { recursive: true, force: true });
    const refs = (c: Coordination) => [
      ...c
        .checkUnread()
        .slice(-4)
        .map((m) => m.number!),
      1,
      2,
    ];
    const follower = open(base, 'instance-2', true);
    const loaded = open(copy, 'instance-2', false);
    const a = await follower.markRead(refs(follower));
    const b = await loaded.markRead(refs(loaded));
    assert.deepStrictEqual(a, b);
    assert.strictEqual(follower.storeLoaded, false);
    for (const rel of ['read-status/instance-2.txt', 'data/read-receipts.log', 'inboxes/instance-2.txt'])
      assert.strictEqual(
        fs.readFileSync(path.join(base, rel), 'utf8'),
        fs.readFileSync(path.join(copy, rel), 'utf8'),
        rel,
      );
  });

  it('past what its delta holds, asks for the summary to be rebuilt elsewhere and answers from the old one meanwhile', async () => {
    const dir = path.join(tempDir('coord-follow-rebuild-'), 'coordination');
    await generate(dir, 3000);
    let asked = 0;
    const follower = followerAsking(dir, () => {
      asked++;
    });
    follower.refresh();
    const index = path.join(dir, 'data', '.coord-search-index');
    const built = fs.statSync(index);
    // A Python-era writer appends more lines at once than a summary's delta holds (MAX_DELTA_MESSAGES).
    const burst = (from: number, n: number) =>
      Array.from(
        { length: n },
        (_, k) => `[2026-12-05 11:00:00] instance-3 -> #general: burst ${from + k} @instance-1\n`,
      );
    fs.appendFileSync(path.join(dir, 'data', 'messages.log'), burst(0, MAX_DELTA_MESSAGES + 500).join(''));
    assertSameAnswers(dir, 'instance-1', follower);
    assert.strictEqual(asked, 1, 'asked for a rebuild');
    const after = fs.statSync(index);
    assert.deepStrictEqual([after.ino, after.mtimeMs], [built.ino, built.mtimeMs], 'the follower did not rebuild it');
    // More lines before the rebuild is done: asked once, still answered.
    fs.appendFileSync(path.join(dir, 'data', 'messages.log'), burst(10_000, 10).join(''));
    assertSameAnswers(dir, 'instance-1', follower);
    assert.strictEqual(asked, 1);
    // Another process rebuilds it (what the extension runs); the follower reads the new one.
    const r = runCoord(['--json', 'reindex'], { dir });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(JSON.parse(r.stdout).messages, follower.systemStatus().totalMessages);
    fs.appendFileSync(path.join(dir, 'data', 'messages.log'), burst(20_000, 1).join(''));
    assertSameAnswers(dir, 'instance-1', follower);
    assert.strictEqual(asked, 1);
    assert.notDeepStrictEqual(
      [fs.statSync(index).ino, fs.statSync(index).mtimeMs],
      [built.ino, built.mtimeMs],
      'the rebuilt summary is in place',
    );
  });

  describe('past even the longer delta, while another process rebuilds the summary', () => {
    const burst = (n: number) =>
      Array.from(
        { length: n },
        (_, k) => `[2026-12-05 11:00:00] instance-3 -> #general: flood ${k} @instance-1\n`,
      ).join('');
    async function flooded() {
      const dir = path.join(tempDir('coord-follow-flood-'), 'coordination');
      await generate(dir, 3000);
      let asked = 0;
      let ended: (built: boolean) => void = () => undefined;
      const follower = followerAsking(dir, () => {
        asked++;
        return new Promise<boolean>((resolve) => (ended = resolve));
      });
      follower.refresh();
      const held = answers(follower);
      const index = path.join(dir, 'data', '.coord-search-index');
      const stampOf = () => [fs.statSync(index).ino, fs.statSync(index).mtimeMs];
      const built = stampOf();
      // More lines at once than even a follower's delta holds: building here would block for seconds at 1M.
      fs.appendFileSync(path.join(dir, 'data', 'messages.log'), burst(FOLLOWER_DELTA_LIMITS.messages + 100));
      follower.refresh();
      assert.strictEqual(asked, 1, 'asked for a rebuild');
      assert.deepStrictEqual(answers(follower), held, 'the last answers stand meanwhile');
      assert.deepStrictEqual(stampOf(), built, 'the follower built the summary itself');
      assert.strictEqual(follower.storeLoaded, false, 'the follower loaded the directory');
      return { dir, follower, end: (ok: boolean) => ended(ok), stampOf, built, asked: () => asked };
    }
    const settled = () => new Promise((resolve) => setImmediate(resolve));

    it('keeps its last answers, builds nothing, and reads the new summary once it is in place', async () => {
      const { dir, follower, end, stampOf, built, asked } = await flooded();
      const r = runCoord(['--json', 'reindex'], { dir });
      assert.strictEqual(r.code, 0, r.stderr);
      end(true);
      await settled();
      assertSameAnswers(dir, 'instance-1', follower);
      assert.strictEqual(asked(), 1);
      assert.notDeepStrictEqual(stampOf(), built, 'the rebuilt summary is in place');
    });

    it('builds the summary itself when that rebuild failed', async () => {
      const { dir, follower, end } = await flooded();
      end(false);
      await settled();
      assertSameAnswers(dir, 'instance-1', follower);
    });
  });
});
