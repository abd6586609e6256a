import * as assert from 'assert';
import * as path from 'path';
import {
  decodeAttention,
  encodeAttention,
  initCoordination,
  NotificationThrottle,
  openCoordination,
  isSilenced,
} from '../../src/core';
import type { Notice, QueueEntry } from '../../src/core';
import { tempDir } from '../support/helpers';

/** A directory where every identity shares one clock the test moves. */
function world(start = new Date(2026, 0, 5, 9, 0, 0)) {
  let t = start.getTime();
  const now = () => new Date(t);
  const dir = path.join(tempDir(), 'coordination');
  initCoordination(dir, { now });
  const as = (instance: string) => openCoordination({ dir, instance, now });
  return { dir, as, advance: (ms: number) => (t += ms) };
}

const MIN = 60_000;

describe('importance and ack tags', () => {
  it('encodes as leading tags and reads them back into fields', () => {
    const stored = encodeAttention('Deploy frozen', { importance: 'urgent', ack: true });
    assert.strictEqual(stored, '[urgent] [please ack] Deploy frozen');
    assert.deepStrictEqual(decodeAttention(stored), { text: 'Deploy frozen', importance: 'urgent', ackRequired: true });
    assert.strictEqual(encodeAttention('plain'), 'plain');
    assert.strictEqual(encodeAttention('x', { importance: 'low' }), '[low] x');
  });

  it('reads tags in any case and order, each once; leaves other brackets and tag-only texts alone', () => {
    assert.deepStrictEqual(decodeAttention('[Please Ack] [HIGH] ship it'), {
      text: 'ship it',
      importance: 'high',
      ackRequired: true,
    });
    assert.deepStrictEqual(decodeAttention('[urgent] [low] x'), {
      text: '[low] x',
      importance: 'urgent',
      ackRequired: false,
    });
    assert.deepStrictEqual(decodeAttention('[wip] x'), { text: '[wip] x', importance: 'normal', ackRequired: false });
    assert.deepStrictEqual(decodeAttention('[urgent] '), {
      text: '[urgent] ',
      importance: 'normal',
      ackRequired: false,
    });
    assert.deepStrictEqual(decodeAttention('urgent: no tag'), {
      text: 'urgent: no tag',
      importance: 'normal',
      ackRequired: false,
    });
  });

  it('a sent message reads back with its fields, in threads, search and replies alike', async () => {
    const w = world();
    const a = w.as('instance-1');
    await a.createChatroom('backend');
    const m = await a.send('#backend', 'Migration is in', { importance: 'high', ack: true });
    assert.strictEqual(m.text, 'Migration is in');
    assert.strictEqual(m.importance, 'high');
    assert.strictEqual(m.ackRequired, true);
    const b = w.as('instance-2');
    assert.deepStrictEqual(b.getMessage(m.number!), m);
    const r = await b.reply(m.number!, 'on it', { importance: 'urgent' });
    assert.deepStrictEqual(
      b.thread(m.number!).map((x) => [x.text, x.importance, x.ackRequired]),
      [
        ['Migration is in', 'high', true],
        ['on it', 'urgent', false],
      ],
    );
    assert.deepStrictEqual(b.search('migration'), [m]);
    assert.strictEqual(r.replyTo, m.number);
  });
});

describe('acknowledgements', () => {
  it('who owes what: the recipient of a DM, the mentioned in a room, anyone when nobody is named', async () => {
    const w = world();
    const a = w.as('instance-1');
    await a.createChatroom('backend');
    for (const id of ['instance-2', 'instance-3']) await w.as(id).updateStatus('here');
    const dm = await a.sendDm('instance-2', 'read this', { ack: true });
    const named = await a.send('#backend', '@instance-2 @instance-3 schema changed', { ack: true });
    const open = await a.send('#backend', 'anyone?', { ack: true });
    await a.send('#backend', 'no ack wanted');
    w.advance(5 * MIN);

    const owe2 = w.as('instance-2').acks({ pendingOnly: true });
    assert.deepStrictEqual(
      owe2.owe.map((e) => e.status.message.number),
      [dm.number, named.number, open.number],
    );
    assert.deepStrictEqual(
      owe2.owe.map((e) => e.ageSeconds),
      [300, 300, 300],
    );
    const owe3 = w.as('instance-3').acks({ pendingOnly: true });
    assert.deepStrictEqual(
      owe3.owe.map((e) => e.status.message.number),
      [named.number, open.number],
      'a DM to another is not mine to ack',
    );

    const result = await w.as('instance-3').ack([named.number!, open.number!]);
    assert.deepStrictEqual(result, { acked: [named.number, open.number], alreadyAcked: [] });
    assert.deepStrictEqual(await w.as('instance-3').ack([named.number!]), { acked: [], alreadyAcked: [named.number] });

    const owed = a.acks({ pendingOnly: true }).owed;
    assert.deepStrictEqual(
      owed.map((e) => [e.status.message.number, e.status.pending]),
      [
        [dm.number, ['instance-2']],
        [named.number, ['instance-2']],
      ],
      "the open one is settled by instance-3's ack",
    );
    assert.deepStrictEqual(
      w
        .as('instance-2')
        .acks({ pendingOnly: true })
        .owe.map((e) => e.status.message.number),
      [dm.number, named.number],
    );
    // Without --pending, settled ones show too, with who acked.
    const all = a.acks().owed.find((e) => e.status.message.number === open.number)!;
    assert.deepStrictEqual(
      all.status.acked.map((x) => x.by),
      ['instance-3'],
    );
    // An ack is also a read.
    assert.ok(
      !w
        .as('instance-3')
        .checkUnread()
        .some((m) => m.number === named.number),
    );
  });

  it('refuses to ack your own message or one you cannot see, and writes nothing', async () => {
    const w = world();
    const a = w.as('instance-1');
    await w.as('instance-2').updateStatus('x');
    await w.as('instance-3').updateStatus('x');
    const dm = await a.sendDm('instance-2', 'private', { ack: true });
    await assert.rejects(a.ack([dm.number!]), /your own/);
    await assert.rejects(w.as('instance-3').ack([dm.number!]), /not one you can see/);
    await assert.rejects(w.as('instance-3').ack([99]), /no message #99/);
    assert.strictEqual(a.acks().owed[0].status.acked.length, 0);
  });
});

describe('the human', () => {
  it('is registered, listed, and reached as @human or by id', async () => {
    const w = world();
    const agent = w.as('instance-1');
    await assert.rejects(agent.send('@human', 'hello?'), /no human is registered/);
    const { created } = await w.as('alice').registerHuman();
    assert.ok(created);
    assert.deepStrictEqual(
      agent.humans().map((h) => h.id),
      ['alice'],
    );
    const m = await agent.send('@human', 'May I drop the sessions table?');
    assert.strictEqual(m.target, '@alice');
    const bare = await agent.send('human', 'and this?');
    assert.strictEqual(bare.target, '@alice');
    await w.as('bob').registerHuman();
    await assert.rejects(agent.send('@human', 'who?'), /ambiguous.*@alice, @bob/);
    assert.strictEqual((await agent.send('@bob', 'hi bob')).target, '@bob');
  });
});

describe('stuck agents, on a controlled clock', () => {
  it('flags an agent with unread messages addressed to it and no activity for the threshold', async () => {
    const w = world();
    const lead = w.as('instance-1');
    await lead.createChatroom('backend');
    await w.as('instance-2').updateStatus('working');
    await w.as('instance-3').updateStatus('working');
    await lead.sendDm('instance-2', 'please rebase');
    await lead.send('#backend', 'general note, addressed to nobody');
    const threshold = 10 * MIN;

    w.advance(9 * MIN);
    assert.deepStrictEqual(lead.stuckAgents({ stuckAfterMs: threshold }), [], 'not yet: under the threshold');

    w.advance(2 * MIN);
    const stuck = lead.stuckAgents({ stuckAfterMs: threshold });
    assert.deepStrictEqual(
      stuck.map((s) => [s.agent, s.waiting.map((m) => m.text), s.idleMs]),
      [['instance-2', ['please rebase'], 11 * MIN]],
      'instance-3 has nothing waiting; instance-1 sent the messages',
    );

    // Any activity clears it: a status update, a read, a send.
    await w.as('instance-2').updateStatus('rebasing');
    assert.deepStrictEqual(lead.stuckAgents({ stuckAfterMs: threshold }), []);
    w.advance(11 * MIN);
    assert.deepStrictEqual(
      lead.stuckAgents({ stuckAfterMs: threshold }).map((s) => s.agent),
      ['instance-2'],
      'idle again, the DM still unread',
    );
    await w.as('instance-2').markRead('all');
    w.advance(60 * MIN);
    assert.deepStrictEqual(lead.stuckAgents({ stuckAfterMs: threshold }), [], 'read: nothing waits');
  });

  it('a room @mention waits for the mentioned; humans are never "stuck"', async () => {
    const w = world();
    const lead = w.as('instance-1');
    await lead.createChatroom('backend');
    await w.as('alice').registerHuman();
    await w.as('instance-4').updateStatus('x');
    await lead.send('#backend', '@instance-4 review please; @human fyi');
    w.advance(20 * MIN);
    assert.deepStrictEqual(
      lead.stuckAgents({ stuckAfterMs: 15 * MIN }).map((s) => s.agent),
      ['instance-4'],
    );
  });
});

describe('the "Needs you" queue', () => {
  it('collects urgent, acks owed, questions and messages to the human; entries leave when done', async () => {
    const w = world();
    const agent = w.as('instance-1');
    const other = w.as('instance-2');
    await agent.createChatroom('backend');
    const human = w.as('alice');
    await human.registerHuman();
    const urgent = await other.send('#backend', 'prod is down', { importance: 'urgent' });
    const ask = await agent.send('@human', 'Can I drop the sessions table?');
    const ack = await agent.send('#backend', '@alice new schema, confirm', { ack: true });
    const noise = await agent.send('#backend', 'routine progress');
    w.advance(MIN);

    const keys = () => human.needsYou().map((e) => `${e.key}:${e.reasons.join('+')}`);
    assert.deepStrictEqual(keys(), [
      `msg:${urgent.number}:urgent`,
      `msg:${ack.number}:ack+direct`,
      `msg:${ask.number}:question+direct`,
    ]);
    assert.ok(!keys().some((k) => k.startsWith(`msg:${noise.number}:`)));
    const ackEntry = human.needsYou()[1];
    assert.deepStrictEqual(ackEntry.actions, ['reply', 'ack', 'open']);
    assert.strictEqual(ackEntry.target, '#backend');

    await human.markRead([urgent.number!]);
    await human.ack([ack.number!]);
    assert.deepStrictEqual(keys(), [`msg:${ask.number}:question+direct`], 'read and acked leave');
    await human.markRead([ask.number!]);
    assert.deepStrictEqual(keys(), [`msg:${ask.number}:question`], 'a read question still waits for an answer');
    await human.reply(ask.number!, 'No, keep it.');
    assert.deepStrictEqual(keys(), [], 'answered');
  });

  it('lists stuck agents after messages', async () => {
    const w = world();
    await w.as('alice').registerHuman();
    await w.as('instance-2').updateStatus('x');
    await w.as('alice').sendDm('instance-2', 'status?');
    w.advance(30 * MIN);
    const q = w.as('alice').needsYou({ stuckAfterMs: 15 * MIN });
    assert.deepStrictEqual(
      q.map((e) => [e.key, e.target]),
      [['stuck:instance-2', '@instance-2']],
    );
  });
});

describe('the "Needs you" queue, newest of each kind', () => {
  it('lists the newest entries of each kind in queue order, and counts every entry of each kind', async () => {
    const w = world();
    const human = w.as('alice');
    await human.registerHuman();
    const agent = w.as('instance-1');
    await agent.createChatroom('backend');
    // Out of time order in the log for one pair: a message written later with an earlier clock.
    for (let i = 0; i < 7; i++) {
      await agent.send('@alice', `note ${i}`);
      await w.as('instance-2').send('#backend', `down ${i}`, { importance: 'urgent' });
      w.advance(i === 3 ? -2 * MIN : MIN);
    }
    await agent.send('@alice', 'Can I deploy?');
    await w.as('instance-3').updateStatus('x');
    await human.sendDm('instance-3', 'status?');
    w.advance(30 * MIN);
    const opts = { stuckAfterMs: 15 * MIN };
    const whole = human.needsYou(opts);
    const kinds = ['urgent', 'question', 'direct', 'stuck'] as const;
    assert.deepStrictEqual(
      kinds.map((k) => whole.filter((e) => e.kind === k).length),
      [7, 1, 7, 1],
      'every kind is there, two of them more than listed',
    );
    for (const perKind of [1, 3, 100]) {
      const newest = human.needsYouNewest({ ...opts, perKind });
      const want = kinds.flatMap((k) => whole.filter((e) => e.kind === k).slice(-perKind));
      assert.deepStrictEqual(newest.entries, want, `perKind ${perKind}`);
      assert.deepStrictEqual(newest.totals, {
        urgent: 7,
        ack: 0,
        question: 1,
        direct: 7,
        stuck: 1,
        'claim-conflict': 0,
      });
    }
  });
});

describe('since you last looked', () => {
  it('is a deterministic digest of the unread messages: how many, from whom, urgent, acks, threads that grew', async () => {
    const w = world();
    const a = w.as('instance-1');
    const b = w.as('instance-2');
    const me = w.as('alice');
    await a.createChatroom('backend');
    const root = await a.send('#backend', 'plan');
    await me.markRead('all');
    const r1 = await b.reply(root.number!, 'ok');
    const u = await a.send('#backend', 'hotfix now', { importance: 'urgent', ack: true });
    await a.reply(r1.number!, 'thanks');
    await b.send('#backend', 'done');
    const d = me.roomDigest('backend');
    assert.deepStrictEqual(d.from, [
      { id: 'instance-1', count: 2 },
      { id: 'instance-2', count: 2 },
    ]);
    assert.deepStrictEqual(d.threads, [{ root: root.number, added: 2 }]);
    assert.strictEqual(
      d.summary,
      `4 new since you last looked: 2 from instance-1, 2 from instance-2 · urgent #${u.number} · ack asked #${u.number} · threads grew #${root.number} (+2)`,
    );
    assert.deepStrictEqual(me.roomDigest('backend'), d, 'the same state gives the same digest');
  });
});

describe('notification throttle', () => {
  function clock() {
    let t = 0;
    const timers: Array<{ at: number; fn: () => void; id: number }> = [];
    let ids = 0;
    return {
      now: () => t,
      setTimer: (fn: () => void, ms: number) => {
        const id = ++ids;
        timers.push({ at: t + ms, fn, id });
        return id;
      },
      clearTimer: (h: unknown) => {
        const i = timers.findIndex((x) => x.id === h);
        if (i >= 0) timers.splice(i, 1);
      },
      advance(ms: number) {
        const end = t + ms;
        for (;;) {
          timers.sort((x, y) => x.at - y.at);
          const next = timers[0];
          if (!next || next.at > end) break;
          timers.shift();
          t = next.at;
          next.fn();
        }
        t = end;
      },
    };
  }
  const entry = (n: number): QueueEntry => ({
    key: `msg:${n}`,
    kind: 'direct',
    reasons: ['direct'],
    title: `m${n}`,
    summary: `m${n}`,
    time: '',
    target: '#r',
    actions: ['reply', 'open'],
  });

  it('a burst of 50 gives one summary; a lone entry is shown on its own', () => {
    const c = clock();
    const shown: Notice[] = [];
    const t = new NotificationThrottle((n) => shown.push(n) > 0, c);
    // 50 arrivals over 30 s, a pause under the quiet time between each.
    for (let i = 0; i < 50; i++) {
      t.add([entry(i)]);
      c.advance(600);
    }
    c.advance(5000);
    assert.strictEqual(shown.length, 1);
    assert.strictEqual(shown[0].kind, 'summary');
    assert.strictEqual(shown[0].kind === 'summary' && shown[0].entries.length, 50);
    c.advance(60_000);
    t.add([entry(99)]);
    c.advance(5000);
    assert.deepStrictEqual(shown[1], { kind: 'single', entry: entry(99) });
  });

  it('holds what comes during the cooldown for one later summary', () => {
    const c = clock();
    const shown: Notice[] = [];
    const t = new NotificationThrottle((n) => shown.push(n) > 0, { ...c, cooldownMs: 30_000 });
    t.add([entry(1)]);
    c.advance(5000);
    assert.strictEqual(shown.length, 1);
    t.add([entry(2), entry(3), entry(4)]);
    c.advance(10_000);
    assert.strictEqual(shown.length, 1, 'still cooling down');
    c.advance(30_000);
    assert.deepStrictEqual(shown[1].kind === 'summary' && shown[1].entries.map((e) => e.key), [
      'msg:2',
      'msg:3',
      'msg:4',
    ]);
  });

  it('a notification that was not shown (notifications off) starts no cooldown', () => {
    const c = clock();
    const shown: Notice[] = [];
    let on = false;
    const t = new NotificationThrottle((n) => on && shown.push(n) > 0, { ...c, cooldownMs: 30_000 });
    t.add([entry(1)]);
    c.advance(5000);
    on = true;
    t.add([entry(2)]);
    c.advance(5000);
    assert.deepStrictEqual(shown, [{ kind: 'single', entry: entry(2) }]);
  });

  it('mutes rooms and snoozes until a time', () => {
    assert.ok(isSilenced(entry(1), ['R'], 0, 10));
    assert.ok(!isSilenced(entry(1), ['other'], 0, 10));
    assert.ok(isSilenced(entry(1), [], 100, 10));
    assert.ok(!isSilenced(entry(1), [], 100, 100));
  });
});
