/**
 * What a crash can leave behind: a torn last line in messages.log or a torn
 * block in a transcript, a half-written multi-byte character, a damaged
 * line-count checkpoint, stale temporary files. Each is read without shifting
 * any other message's number, and the next write starts on a line of its own.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { freshDir, runCoord } from '../support/helpers';
import { core, pythonLines } from './support/check';

function log(dir: string): string {
  return path.join(dir, 'data', 'messages.log');
}

/** Python's own count of lines: python3 must be here (the older tools are Python), and must answer. */
function pythonCount(file: string): number {
  const r = spawnSync(
    'python3',
    ['-c', 'import sys\nprint(sum(1 for _ in open(sys.argv[1], encoding="utf-8", errors="replace")))', file],
    { encoding: 'utf8' },
  );
  assert.strictEqual(r.status, 0, `python3 could not count the lines of ${file}: ${r.error ?? r.stderr}`);
  return Number(r.stdout.trim());
}

function sendJson(dir: string, text: string, as = 'instance-1'): { number: number; text: string } {
  const r = runCoord(['--json', 'send', '#general', text], { dir, as });
  assert.strictEqual(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function texts(dir: string): Array<[number | null, string]> {
  return core
    .openCoordination({ dir, instance: 'instance-2' })
    .messages()
    .map((m) => [m.number, m.text]);
}

function seeded(n = 5): string {
  const dir = freshDir();
  for (let i = 1; i <= n; i++) sendJson(dir, `message ${i}`);
  return dir;
}

describe('fault: torn writes left by a crash', () => {
  const tornTails: Array<[string, string]> = [
    ['a half-written message line', '[2025-06-15 05:00:00] instance-9 -> #general: half wri'],
    ['a cut-off timestamp', '[2025-06-1'],
    ['half of a multi-byte character', '[2025-06-15 05:00:00] instance-9 -> #general: emoji \xf0\x9f'],
    ['a lone carriage return (a line end for Python)', '[2025-06-15 05:00:00] instance-9 -> #general: cr\r'],
  ];

  for (const [what, tail] of tornTails) {
    it(`${what}: read with its own number, nothing shifts, the next send starts a new line`, () => {
      const dir = seeded(5);
      const before = texts(dir);
      fs.appendFileSync(log(dir), Buffer.from(tail, 'latin1'));
      // The five whole messages keep their numbers; a fragment that is no message
      // line at all shows as a continuation of message 5 (FORMAT.md), never dropped.
      const sameNumbers = (now: Array<[number | null, string]>) =>
        before.forEach(([n, text]) =>
          assert.ok(
            now.some(([m, t]) => m === n && t.startsWith(text)),
            `message ${n} moved`,
          ),
        );
      sameNumbers(texts(dir));
      assert.strictEqual(pythonCount(log(dir)), 6);

      const next = sendJson(dir, 'after the crash');
      assert.strictEqual(next.number, 7, 'the torn line keeps number 6');
      assert.strictEqual(pythonCount(log(dir)), 7, 'Python agrees on the numbering');
      const lines = pythonLines(fs.readFileSync(log(dir), 'utf8'));
      assert.match(lines[6], /instance-1 -> #general: after the crash$/);
      const after = texts(dir);
      sameNumbers(after);
      assert.deepStrictEqual(
        after.find(([n]) => n === 7),
        [7, 'after the crash'],
      );
      // The library's checkpoint and a count from scratch agree.
      fs.rmSync(path.join(dir, 'data', '.coord-log-index.json'), { force: true });
      assert.strictEqual(sendJson(dir, 'and again').number, 8);
    });
  }

  it("a torn line is re-read once the crashed writer's line is completed by hand (live store)", () => {
    const dir = seeded(3);
    const c = core.openCoordination({ dir, instance: 'instance-2' });
    fs.appendFileSync(log(dir), '[2025-06-15 05:00:00] instance-9 -> #general: par');
    c.refresh();
    const partial = c.messages().find((m) => m.number === 4);
    assert.ok(partial, 'the partial line is shown');
    fs.appendFileSync(log(dir), 'tial now whole\n');
    assert.ok(c.refresh());
    const whole = c.messages().find((m) => m.number === 4);
    assert.strictEqual(whole?.text, 'partial now whole');
    assert.strictEqual(c.messages().filter((m) => m.number === 4).length, 1);
  });

  it('a torn transcript block: other blocks stay, the next block is read whole with its id', () => {
    const dir = seeded(2);
    const room = path.join(dir, 'chatrooms', 'general.txt');
    fs.appendFileSync(room, '[2025-06-15 05:00:00] FROM: instance-9\nID: deadbeef\nMESSAGE: torn blo');
    const next = runCoord(['--json', 'send', '#general', 'after the torn block'], { dir, as: 'instance-1' });
    assert.strictEqual(next.code, 0, next.stderr);
    const sent = JSON.parse(next.stdout);
    const all = core.openCoordination({ dir, instance: 'instance-2' }).checkChatroom('general');
    assert.deepStrictEqual(
      all.filter((m) => m.number !== null).map((m) => m.text),
      ['message 1', 'message 2', 'after the torn block'],
    );
    const mine = all.find((m) => m.number === sent.number);
    assert.strictEqual(mine?.id, sent.id, 'the new block keeps its own id');
    assert.ok(
      all.some((m) => m.number === null && m.text.startsWith('torn blo')),
      'the torn legacy block is still shown',
    );
  });

  const badCheckpoints: Array<[string, string]> = [
    ['truncated JSON', '{"version":1,"size":'],
    ['garbage', '\u0000\u0001garbage'],
    [
      'a count for a longer file',
      JSON.stringify({
        version: 1,
        size: 10_000_000,
        count: { terminators: 9, partial: false, endsWithCR: false },
        tail: '',
        marks: [],
      }),
    ],
    [
      'a wrong tail',
      JSON.stringify({
        version: 1,
        size: 10,
        count: { terminators: 99, partial: false, endsWithCR: false },
        tail: 'AAAA',
        marks: [],
      }),
    ],
  ];
  for (const [what, text] of badCheckpoints) {
    it(`a damaged line-count checkpoint (${what}) is ignored and rebuilt`, () => {
      const dir = seeded(4);
      fs.writeFileSync(path.join(dir, 'data', '.coord-log-index.json'), text, { mode: 0o600 });
      assert.strictEqual(core.openCoordination({ dir }).systemStatus().totalMessages, 4);
      assert.strictEqual(sendJson(dir, 'five').number, 5);
      assert.strictEqual(pythonCount(log(dir)), 5);
    });
  }

  it('temporary files left by a crashed atomic rewrite are ignored by every reader', () => {
    const dir = seeded(2);
    fs.writeFileSync(
      path.join(dir, 'data', 'chatroom-status.txt.1234567'),
      'general:closed:x:2025-06-15 05:00:00:2025-06-15 05:00:00:half',
      { mode: 0o600 },
    );
    fs.writeFileSync(path.join(dir, 'data', '.coord-log-index.json.99'), '{"version":1', { mode: 0o600 });
    const c = core.openCoordination({ dir, instance: 'instance-2' });
    assert.strictEqual(c.getChatroom('general').status, 'open');
    assert.strictEqual(sendJson(dir, 'three').number, 3);
  });
});
