/**
 * README promises about `coord` that no other test held it to: alerts in
 * check-notifications, the last 50 in check-chatroom's human output, the
 * unread count in list-chatrooms, a bare room name as a target, `-` as stdin,
 * a read mark older than its message ignored.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { freshDir, runCoord, RunResult } from '../support/helpers';

function ok(r: RunResult): string {
  assert.strictEqual(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  assert.strictEqual(r.stderr, '');
  return r.stdout;
}

function send(dir: string, as: string, target: string, text: string): { number: number; target: string } {
  return JSON.parse(ok(runCoord(['--json', 'send', target, text], { dir, as })));
}

describe('coord: what the README promises', function () {
  this.timeout(120_000);

  it('check-notifications alerts on `urgent`, `alert` and `system:`, and on nothing else', () => {
    const dir = freshDir();
    ok(runCoord(['update-status', 'here'], { dir, as: 'instance-1' }));
    const texts = [
      'URGENT: the build is red',
      'alert: disk at 95%',
      'three alerts fired overnight',
      'system: restarting the queue at 5',
      'alerting is configured now',
      'the systems team says hi',
      'nothing to see',
    ];
    const numbers = texts.map((t) => send(dir, 'instance-2', '#general', t).number);
    // One's own alert is not a notification.
    send(dir, 'instance-1', '#general', 'urgent from me');
    const n = JSON.parse(ok(runCoord(['--json', 'check-notifications'], { dir, as: 'instance-1' })));
    assert.deepStrictEqual(
      n.alerts.map((m: { number: number }) => m.number),
      numbers.slice(0, 4),
    );
    assert.deepStrictEqual(n.mentions, []);
    const human = ok(runCoord(['check-notifications'], { dir, as: 'instance-1' }));
    assert.match(human, /^Alerts \(4\):$/m);
    for (const t of texts.slice(0, 4)) assert.ok(human.includes(t), `${t} listed:\n${human}`);
    for (const t of texts.slice(4)) assert.ok(!human.includes(t), `${t} is not an alert:\n${human}`);
  });

  it('check-chatroom shows the last 50 messages in human output, every one with --json, N with --limit', () => {
    const dir = freshDir();
    const log = path.join(dir, 'data', 'messages.log');
    let lines = '';
    for (let i = 1; i <= 60; i++)
      lines += `[2025-06-15 05:00:${String(i % 60).padStart(2, '0')}] instance-2 -> #general: message ${i}\n`;
    fs.appendFileSync(log, lines);
    const human = ok(runCoord(['check-chatroom', 'general'], { dir }));
    const shown = human.split('\n').filter((l) => /^\[\d+\]/.test(l));
    assert.strictEqual(shown.length, 50, human);
    assert.match(shown[0], /^\[11\] .* instance-2 -> #general: message 11$/);
    assert.match(shown[49], /^\[60\] .* instance-2 -> #general: message 60$/);
    assert.ok(!/: message 10$/m.test(human), 'message 10 is past the last 50');
    const all = JSON.parse(ok(runCoord(['--json', 'check-chatroom', 'general'], { dir })));
    assert.strictEqual(all.length, 60);
    const five = ok(runCoord(['check-chatroom', 'general', '--limit', '5'], { dir }));
    assert.deepStrictEqual(
      five
        .split('\n')
        .filter((l) => /^\[\d+\]/.test(l))
        .map((l) => /^\[(\d+)\]/.exec(l)![1]),
      ['56', '57', '58', '59', '60'],
    );
  });

  it('list-chatrooms shows your own unread count per room', () => {
    const dir = freshDir();
    ok(runCoord(['create-chatroom', 'backend', 'API work'], { dir, as: 'instance-2' }));
    for (const t of ['one', 'two', 'three']) send(dir, 'instance-2', '#general', t);
    send(dir, 'instance-1', '#backend', 'from one');
    const rooms = (as: string) =>
      ok(runCoord(['list-chatrooms'], { dir, as }))
        .split('\n')
        .filter((l) => /#\w/.test(l));
    const forOne = rooms('instance-1');
    assert.match(
      forOne.find((l) => l.includes('#general'))!,
      /\(3 unread\)$/,
    );
    assert.ok(!/unread/.test(forOne.find((l) => l.includes('#backend'))!), `own message is not unread: ${forOne}`);
    const forTwo = rooms('instance-2');
    assert.match(
      forTwo.find((l) => l.includes('#backend'))!,
      /\(1 unread\)$/,
    );
    assert.ok(!/unread/.test(forTwo.find((l) => l.includes('#general'))!), `${forTwo}`);
    ok(runCoord(['mark-read', 'all'], { dir, as: 'instance-1' }));
    assert.ok(!rooms('instance-1').some((l) => l.includes('unread')), `${rooms('instance-1')}`);
  });

  it('a bare name sends to the room of that name', () => {
    const dir = freshDir();
    const m = send(dir, 'instance-1', 'general', 'to the bare name');
    assert.strictEqual(m.target, '#general');
    const log = fs
      .readFileSync(path.join(dir, 'data', 'messages.log'), 'utf8')
      .trim()
      .split('\n');
    assert.match(log[m.number - 1], /\] instance-1 -> #general: to the bare name$/);
    assert.match(fs.readFileSync(path.join(dir, 'chatrooms', 'general.txt'), 'utf8'), /MESSAGE: to the bare name\n/);
  });

  it('`-` as the text reads it from stdin, several lines kept', () => {
    const dir = freshDir();
    const r = runCoord(['--json', 'send', '#general', '-'], {
      dir,
      as: 'instance-1',
      input: 'first line\nsecond line\n',
    });
    const m = JSON.parse(ok(r));
    assert.strictEqual(m.text, 'first line\nsecond line');
    const log = fs
      .readFileSync(path.join(dir, 'data', 'messages.log'), 'utf8')
      .trim()
      .split('\n');
    assert.strictEqual(
      log[m.number - 1].replace(/^\[[^\]]+\] /, ''),
      'instance-1 -> #general: \u2060first line\\nsecond line',
    );
    const reply = JSON.parse(
      ok(runCoord(['--json', 'reply', String(m.number), '-'], { dir, as: 'instance-2', input: 'ack' })),
    );
    assert.strictEqual(reply.text, 'ack');
  });

  it('a read mark older than its message is ignored (it belongs to a log since replaced)', () => {
    const dir = freshDir();
    fs.appendFileSync(
      path.join(dir, 'data', 'messages.log'),
      '[2025-06-15 05:00:00] instance-2 -> #general: one\n' +
        '[2025-06-15 05:00:10] instance-2 -> #general: two\n' +
        '[2025-06-15 05:00:20] instance-2 -> #general: three\n',
    );
    fs.writeFileSync(
      path.join(dir, 'read-status', 'instance-1.txt'),
      // 1: made before message 1 was written; 2: after it (the short shape); 3: at the same second.
      '1: read at 2025-06-15 04:59:59\n2:2025-06-15 06:00:00\n3: read at 2025-06-15 05:00:20\n',
    );
    const unread = JSON.parse(ok(runCoord(['--json', 'check-unread'], { dir, as: 'instance-1' })));
    assert.deepStrictEqual(
      unread.map((m: { number: number }) => m.number),
      [1],
    );
  });
});
