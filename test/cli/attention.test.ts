import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { copySample, freshDir, REPO_ROOT, runCoord, snapshotTree } from '../support/helpers';

const ORACLE = path.join(REPO_ROOT, 'test/support/legacy_reader.py');

function python(dir: string, ...args: string[]): any {
  const r = spawnSync('python3', [ORACLE, dir, ...args], { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function ok(args: string[], as: string, dir: string, env?: NodeJS.ProcessEnv): any {
  const r = runCoord([...args, '--json'], { dir, as, env });
  assert.strictEqual(r.code, 0, `coord ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('coord: importance, acknowledgements, the human', function () {
  this.timeout(120000);

  it('--urgent/--high/--low/--ack are stored as tags the Python reader sees as ordinary, numbered lines', () => {
    const dir = copySample();
    const sent = [
      ok(['send', '#general', '--urgent', '--ack', 'Deploy frozen'], 'instance-1', dir),
      ok(['send-dm', 'instance-3', '--high', 'Rebase please'], 'instance-1', dir),
      ok(['send', '#general', '--low', 'fyi: docs moved'], 'instance-2', dir),
      ok(['send', '#general', 'plain'], 'instance-2', dir),
    ];
    const replied = ok(['reply', String(sent[0].number), '--ack', 'Which branch?'], 'instance-3', dir);
    assert.deepStrictEqual(
      [...sent, replied].map((m) => [m.text, m.importance, m.ackRequired]),
      [
        ['Deploy frozen', 'urgent', true],
        ['Rebase please', 'high', false],
        ['fyi: docs moved', 'low', false],
        ['plain', 'normal', false],
        ['Which branch?', 'normal', true],
      ],
    );
    // Python numbers every line as before, and reads the tags as part of an ordinary text.
    const lines: string[] = python(dir, 'lines');
    const byNumber = new Map(lines.map((line, i) => [i + 1, line]));
    assert.match(byNumber.get(sent[0].number)!, /instance-1 -> #general: \[urgent\] \[please ack\] Deploy frozen$/);
    assert.match(byNumber.get(sent[1].number)!, /DM: instance-1 -> instance-3: \[high\] Rebase please$/);
    assert.match(byNumber.get(sent[2].number)!, /instance-2 -> #general: \[low\] fyi: docs moved$/);
    assert.match(
      byNumber.get(replied.number)!,
      new RegExp(
        `-> #general: \\[REPLY to msg #${sent[0].number} from instance-1\\] \\[please ack\\] Which branch\\?$`,
      ),
    );
    assert.deepStrictEqual(
      python(dir, 'room', 'general')
        .map((r: [number, string]) => r[0])
        .slice(-4),
      [sent[0].number, sent[2].number, sent[3].number, replied.number],
    );
    // The older tools' alert rule (urgent, alert, system:) sees the urgent one: coord's check-notifications agrees.
    const n = ok(['check-notifications'], 'instance-3', dir);
    assert.deepStrictEqual(
      n.alerts.map((m: any) => m.number),
      [sent[0].number],
    );
    // Human output shows the tags as a badge, the text without them.
    const human = runCoord(['check-chatroom', 'general', '--limit', '4'], { dir, as: 'instance-3' }).stdout;
    assert.match(human, /-> #general \[urgent, please ack\]: Deploy frozen/);
    assert.match(human, /\(re #\d+\) \[please ack\]: Which branch\?/);
  });

  it('ack, acks --pending --json: what I owe and what others owe me, with age; the acks file is ours', () => {
    const dir = freshDir();
    ok(['create-chatroom', 'backend', 'api'], 'instance-1', dir);
    ok(['update-status', 'here'], 'instance-2', dir);
    ok(['update-status', 'here'], 'instance-3', dir);
    const m = ok(['send', '#backend', '--ack', '@instance-2 @instance-3 schema v2 is live'], 'instance-1', dir);
    const owe = ok(['acks', '--pending'], 'instance-2', dir);
    assert.deepStrictEqual(
      owe.owe.map((e: any) => e.status.message.number),
      [m.number],
    );
    assert.strictEqual(typeof owe.owe[0].ageSeconds, 'number');
    assert.deepStrictEqual(owe.owed, []);

    assert.deepStrictEqual(ok(['ack', String(m.number)], 'instance-2', dir), { acked: [m.number], alreadyAcked: [] });
    assert.deepStrictEqual(ok(['ack', String(m.number)], 'instance-2', dir), { acked: [], alreadyAcked: [m.number] });
    assert.deepStrictEqual(ok(['acks', '--pending'], 'instance-2', dir).owe, []);
    const mine = ok(['acks', '--pending'], 'instance-1', dir).owed;
    assert.deepStrictEqual(mine[0].status.pending, ['instance-3']);
    assert.deepStrictEqual(
      mine[0].status.acked.map((a: any) => a.by),
      ['instance-2'],
    );
    ok(['ack', String(m.number)], 'instance-3', dir);
    assert.deepStrictEqual(ok(['acks', '--pending'], 'instance-1', dir).owed, []);
    assert.strictEqual(ok(['acks'], 'instance-1', dir).owed.length, 1, 'settled ones show without --pending');
    const text = runCoord(['acks'], { dir, as: 'instance-1' }).stdout;
    assert.match(text, /Owed to you \(1\):\n {2}\[1\] +\d+s ago {2}instance-1 -> #backend: @instance-2/);
    assert.match(text, /acked: instance-2 \(.*\), instance-3/);

    assert.deepStrictEqual(
      fs
        .readFileSync(path.join(dir, 'data/coord-acks.txt'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/ at .*/, '')),
      [`${m.number}: acked by instance-2`, `${m.number}: acked by instance-3`],
    );
    // An ack is a read too: the Python reader sees the mark.
    assert.deepStrictEqual(python(dir, 'read', 'instance-2'), [m.number]);
  });

  it('humans: register, list, and agents address @human', () => {
    const dir = freshDir();
    assert.deepStrictEqual(ok(['humans'], 'instance-1', dir), []);
    assert.strictEqual(ok(['register-human'], 'alice', dir).created, true);
    assert.strictEqual(ok(['register-human', 'alice'], 'instance-1', dir).created, false);
    assert.deepStrictEqual(
      ok(['humans'], 'instance-1', dir).map((h: any) => h.id),
      ['alice'],
    );
    const m = ok(['send', '@human', 'Can I merge?'], 'instance-1', dir);
    assert.strictEqual(m.target, '@alice');
    const q = ok(['needs-you'], 'alice', dir);
    assert.deepStrictEqual(
      q.map((e: any) => [e.key, e.reasons]),
      [[`msg:${m.number}`, ['question', 'direct']]],
    );
    ok(['reply', String(m.number), 'Yes'], 'alice', dir);
    ok(['mark-read', 'all'], 'alice', dir);
    assert.deepStrictEqual(ok(['needs-you'], 'alice', dir), []);
  });

  it('digest and stuck answer from the command line', () => {
    const dir = freshDir();
    ok(['create-chatroom', 'backend', 'api'], 'instance-1', dir);
    ok(['send', '#backend', '--urgent', 'hot'], 'instance-1', dir);
    ok(['send', '#backend', 'cold'], 'instance-2', dir);
    const d = ok(['digest', 'backend'], 'alice', dir);
    assert.strictEqual(d.summary, '2 new since you last looked: 1 from instance-1, 1 from instance-2 · urgent #1');
    assert.deepStrictEqual(ok(['stuck', '--after', '1h'], 'alice', dir), []);
  });

  it('stuck and needs-you follow the controlled clock (COORD_NOW): listed past the threshold, not a second before', () => {
    const dir = freshDir();
    const T0 = Date.parse('2030-06-01T12:00:00Z');
    const at = (ms: number) => ({ COORD_NOW: new Date(T0 + ms).toISOString() });
    ok(['register-human', 'alice'], 'alice', dir, at(0));
    ok(['update-status', 'on the parser'], 'instance-2', dir, at(0));
    const m = ok(['send', '@instance-2', 'can you look at the parser?'], 'instance-1', dir, at(60e3));
    const stuckAt = (ms: number, after: string[]) =>
      ok(['stuck', ...after], 'alice', dir, at(ms)).map((s: any) => [s.agent, s.waiting.map((w: any) => w.number)]);
    const queuedAt = (ms: number, after: string[]) =>
      ok(['needs-you', ...after], 'alice', dir, at(ms))
        .filter((e: any) => e.kind === 'stuck')
        .map((e: any) => e.key);
    // Configured 10 minutes: the message waits from T0+1m, the agent was last active at T0.
    assert.deepStrictEqual(stuckAt(11 * 60e3, ['--after', '10m']), [['instance-2', [m.number]]]);
    assert.deepStrictEqual(stuckAt(11 * 60e3 - 1000, ['--after', '10m']), []);
    assert.deepStrictEqual(queuedAt(11 * 60e3, ['--stuck-after', '10m']), ['stuck:instance-2']);
    assert.deepStrictEqual(queuedAt(11 * 60e3 - 1000, ['--stuck-after', '10m']), []);
    // The default threshold (15 minutes).
    assert.deepStrictEqual(stuckAt(16 * 60e3, []), [['instance-2', [m.number]]]);
    assert.deepStrictEqual(stuckAt(16 * 60e3 - 1000, []), []);
    // Activity of its own (it marks the message read) ends it.
    ok(['mark-read', String(m.number)], 'instance-2', dir, at(20 * 60e3));
    assert.deepStrictEqual(stuckAt(40 * 60e3, []), []);
  });

  it('bad input: one line, non-zero exit, nothing written', () => {
    const dir = copySample();
    ok(['send', '#general', '--ack', 'mine'], 'instance-1', dir);
    const cases: Array<[string[], string, RegExp, number]> = [
      [
        ['send', '#general', '--urgent', '--low', 'x'],
        'instance-1',
        /choose one importance, not --urgent and --low/,
        2,
      ],
      [['ack'], 'instance-1', /missing required argument/, 2],
      [['ack', 'all'], 'instance-2', /ack takes message numbers, not 'all'/, 2],
      [['ack', '999999'], 'instance-2', /no message #999999/, 1],
      [['stuck', '--after', 'soon'], 'instance-1', /--after takes a length of time like 90s, 15m/, 2],
      [['needs-you', '--stuck-after', '0m'], 'instance-1', /--stuck-after takes a length of time/, 2],
      [['send', '@human', 'hello?'], 'instance-1', /no human is registered here/, 1],
      [['register-human', '../evil'], 'instance-1', /invalid human id/, 1],
    ];
    const last = ok(['check-chatroom', 'general', '--limit', '1'], 'instance-1', dir)[0];
    cases.push([['ack', String(last.number)], 'instance-1', /is your own/, 1]);
    const before = snapshotTree(dir);
    for (const [args, as, error, code] of cases) {
      const r = runCoord(args, { dir, as });
      assert.strictEqual(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^coord: error: .+\n$/);
      assert.match(r.stderr, error, args.join(' '));
      assert.deepStrictEqual(snapshotTree(dir), before, `${args.join(' ')} changed nothing`);
    }
  });
});
