import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { copySample, REPO_ROOT, runCoord } from '../support/helpers';
import { openCoordination } from '../../src/core/coordination';

const ORACLE = path.join(REPO_ROOT, 'test/support/legacy_reader.py');

function python(dir: string, ...args: string[]): any {
  const r = spawnSync('python3', [ORACLE, dir, ...args], { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('round trip with the older tools', function () {
  this.timeout(60000);

  it("numbers agree with Python's line counting, even after lone \\r and \\r\\n lines from others", () => {
    const dir = copySample();
    const log = path.join(dir, 'data/messages.log');
    // Lines written by other tools: CRLF, a lone CR (which Python also counts), a spilled line.
    fs.writeFileSync(
      log,
      '[2025-06-16 09:00:00] instance-2 -> #general: crlf line\r\n[2025-06-16 09:00:01] instance-3 -> #general: lone cr\r[2025-06-16 09:00:02] instance-3 -> #general: after cr\nspilled\n',
    );
    const sent = [];
    for (const text of ['plain', 'multi\nline', 'cr\rinside', 'tab\tand ✅']) {
      const r = runCoord(['send', '#general', text, '--json'], { dir, as: 'instance-1' });
      assert.strictEqual(r.code, 0, r.stderr);
      sent.push(JSON.parse(r.stdout));
    }
    const numbers = python(dir, 'numbers');
    for (const m of sent) {
      const line = Object.keys(numbers).find((l) => numbers[l] === m.number)!;
      assert.ok(
        line.endsWith(`instance-1 -> #general: ${m.text.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}`),
        `Python sees message ${m.number} at that number: ${line}`,
      );
    }
    assert.deepStrictEqual(
      sent.map((m) => m.number),
      [5, 6, 7, 8],
    );
    // What coord writes parses back identically.
    const reader = openCoordination({ dir, instance: 'instance-2' });
    for (const m of sent) assert.deepStrictEqual(reader.getMessage(m.number), m);
    assert.deepStrictEqual(
      python(dir, 'room', 'general').map((r: [number, string]) => r[0]),
      [1, 2, 3, 5, 6, 7, 8],
    );
  });

  it('a read mark written by coord is seen by Python', () => {
    const dir = copySample();
    for (let i = 0; i < 3; i++) runCoord(['send', '#general', `m${i}`], { dir, as: 'instance-1' });
    const r = runCoord(['mark-read', '2', '3', '--json'], { dir, as: 'test-instance' });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(python(dir, 'read', 'test-instance'), [2, 3]);
    const more = runCoord(['mark-read', '1', '--json'], { dir, as: 'test-instance' });
    assert.strictEqual(more.code, 0, more.stderr);
    assert.deepStrictEqual(python(dir, 'read', 'test-instance'), [1, 2, 3]);
  });

  it('a room created by coord is listed by both', () => {
    const dir = copySample();
    assert.strictEqual(
      runCoord(['create-chatroom', 'frontend', 'UI work: buttons'], { dir, as: 'instance-1' }).code,
      0,
    );
    assert.ok(python(dir, 'rooms').includes('frontend'));
    const ours = JSON.parse(runCoord(['list-chatrooms', '--json'], { dir }).stdout);
    assert.ok(ours.some((r: any) => r.name === 'frontend' && r.description === 'UI work: buttons'));
  });

  it('messages the Python tool appends are read with its numbers', () => {
    const dir = copySample();
    runCoord(['send', '#general', 'from coord'], { dir, as: 'instance-1' });
    fs.appendFileSync(
      path.join(dir, 'data/messages.log'),
      '[2025-06-16 10:00:00] instance-2 -> #general: from python\n[2025-06-16 10:00:01] DM: instance-2 -> instance-1: python dm\n',
    );
    const r = runCoord(['send', '#general', 'coord again', '--json'], { dir, as: 'instance-1' });
    assert.strictEqual(JSON.parse(r.stdout).number, 4);
    const numbers = python(dir, 'numbers');
    assert.strictEqual(Object.values(numbers).length, 4);
    const unread = JSON.parse(runCoord(['check-unread', '--json'], { dir, as: 'instance-1' }).stdout);
    assert.deepStrictEqual(
      unread.filter((m: any) => m.number !== null).map((m: any) => [m.number, m.target]),
      [
        [2, '#general'],
        [3, '@instance-1'],
      ],
    );
  });
});
