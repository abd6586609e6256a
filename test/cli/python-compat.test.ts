import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { copySample, REPO_ROOT, runCoord } from '../support/helpers';
import { openCoordination } from '../../src/core/coordination';

/** A reader in Python written for the tests after FORMAT.md's rules (see its doc string), checked first below. */
const ORACLE = path.join(REPO_ROOT, 'test/support/legacy_reader.py');

function python(dir: string, ...args: string[]): any {
  const r = spawnSync('python3', [ORACLE, dir, ...args], { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('round trip with the older tools', function () {
  this.timeout(60000);

  it("the Python reader follows FORMAT.md's own examples (lone \\r, both mark shapes, status lines by shape)", () => {
    const dir = copySample();
    fs.writeFileSync(
      path.join(dir, 'data/messages.log'),
      '[2025-06-16 09:00:00] instance-2 -> #general: a\r\n[2025-06-16 09:00:01] instance-3 -> #general: b\r' +
        '[2025-06-16 09:00:02] instance-3 -> #generalx: c\nspilled\n[2025-06-16 09:00:03] instance-1 -> coordination: d\n',
    );
    const lines = python(dir, 'lines');
    assert.strictEqual(lines.length, 5, JSON.stringify(lines));
    assert.ok(lines[1].endsWith('#general: b') && lines[3] === 'spilled');
    assert.deepStrictEqual(
      python(dir, 'room', 'general').map((r: [number, string]) => r[0]),
      [1, 2],
    );
    fs.writeFileSync(
      path.join(dir, 'read-status/x.txt'),
      '3: read at 2025-06-15 05:00:00\n7:2025-06-15 05:00:00\n3:again\n',
    );
    assert.deepStrictEqual(python(dir, 'read', 'x'), [3, 7]);
    fs.appendFileSync(
      path.join(dir, 'data/chatroom-status.txt'),
      '# a comment:open:x\ntrunc-room:open:instance-1:2025-06-15 04:2025-06-15 06:14:58:\nshut:closed:instance-1:2025-06-15 04:00:00:2025-06-15 05:00:00:done: really\n',
    );
    fs.writeFileSync(path.join(dir, 'chatrooms/transcript-only.txt'), '');
    const rooms = python(dir, 'rooms');
    assert.strictEqual(rooms['trunc-room'], 'open');
    assert.strictEqual(rooms.shut, 'closed');
    assert.strictEqual(rooms['transcript-only'], 'open');
    assert.ok(!Object.keys(rooms).some((r) => r.startsWith('#')), 'comments are not rooms');
  });

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
    const lines: string[] = python(dir, 'lines');
    for (const m of sent) {
      const line = lines[m.number - 1];
      assert.ok(
        line.endsWith(
          `instance-1 -> #general: ${/[\r\n]/.test(m.text) ? '\u2060' : ''}${m.text.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}`,
        ),
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
    assert.strictEqual(python(dir, 'rooms').frontend, 'open');
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
    assert.strictEqual(python(dir, 'lines').length, 4);
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
