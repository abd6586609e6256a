import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { copySample, REPO_ROOT, runCoord } from '../support/helpers';

/** How message text is stored: coord's escapes are marked, the older tools' raw text reads back verbatim. */
const ORACLE = path.join(REPO_ROOT, 'test/support/legacy_reader.py');

function coordJson(dir: string, args: string[]): any {
  const r = runCoord([...args, '--json'], { dir, as: 'instance-1' });
  assert.strictEqual(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function pythonRoom(dir: string, room: string): Array<[number, string]> {
  const r = spawnSync('python3', [ORACLE, dir, 'room', room], { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const textOf = (list: any[], n: number) => list.find((m) => m.number === n)?.text;

describe('stored message text: escapes only in what coord wrote', function () {
  this.timeout(60000);

  it('a line the Python tool wrote raw (C:\\new\\table) reads back verbatim in check-chatroom, thread and search --exact', () => {
    const dir = copySample();
    const raw = 'path C:\\new\\table and \\u0041';
    // The Python tool appends the text raw to the log and a block to the room transcript.
    fs.appendFileSync(path.join(dir, 'data/messages.log'), `[2025-06-16 10:00:00] instance-2 -> #general: ${raw}\n`);
    fs.appendFileSync(
      path.join(dir, 'chatrooms/general.txt'),
      `[2025-06-16 10:00:00] FROM: instance-2\nID: 1a2b3c4d\nMESSAGE: ${raw}\n---\n`,
    );
    const room = coordJson(dir, ['check-chatroom', 'general']);
    const shown = room.filter((m: any) => m.text.includes('C:'));
    assert.deepStrictEqual(
      shown.map((m: any) => [m.number, m.text]),
      [[1, raw]],
      'one message (log line and transcript block agree), text as written',
    );
    assert.strictEqual(textOf(coordJson(dir, ['thread', '1']), 1), raw);
    for (let i = 0; i < 2; i++) {
      // The second search reads the persisted index the first one wrote.
      assert.deepStrictEqual(
        coordJson(dir, ['search', 'C:\\new', '--exact']).map((m: any) => [m.number, m.text]),
        [[1, raw]],
      );
    }
  });

  it('a multi-line message with backslashes and control characters round-trips; Python sees one readable line', () => {
    const dir = copySample();
    const text = 'C:\\new\\table\nsecond line\nthird\ttab bell\u0007 esc\u001b[0m \\n literal \\! kept\n\u2060wj';
    const sent = coordJson(dir, ['send', '#general', text]);
    assert.strictEqual(sent.text, text);
    assert.strictEqual(textOf(coordJson(dir, ['check-chatroom', 'general']), sent.number), text);
    assert.strictEqual(textOf(coordJson(dir, ['thread', String(sent.number)]), sent.number), text);
    for (const query of ['C:\\new\\table', '\\n literal \\! kept']) {
      assert.deepStrictEqual(
        coordJson(dir, ['search', query, '--exact']).map((m: any) => m.number),
        [sent.number],
        query,
      );
    }
    const seen = pythonRoom(dir, 'general');
    assert.deepStrictEqual(
      seen.map(([n]) => n),
      [sent.number],
      'one message, one number, for Python too',
    );
    // The mark is a zero-width word joiner after "#general: "; the rest reads as escapes.
    assert.strictEqual(
      seen[0][1],
      `[${sent.time}] instance-1 -> #general: \u2060C:\\\\new\\\\table\\nsecond line\\nthird\ttab bell\\u0007 esc\\u001b[0m \\\\n literal \\\\! kept\\n\u2060wj`,
    );
  });

  it('a plain message is stored byte for byte as before (no mark)', () => {
    const dir = copySample();
    const text = 'plain ✅ text\twith a tab, "quotes" and !bangs';
    const sent = coordJson(dir, ['send', '#general', text]);
    const log = fs.readFileSync(path.join(dir, 'data/messages.log'), 'utf8');
    assert.strictEqual(log, `[${sent.time}] instance-1 -> #general: ${text}\n`);
    const transcript = fs.readFileSync(path.join(dir, 'chatrooms/general.txt'), 'utf8');
    assert.ok(transcript.endsWith(`] FROM: instance-1\nID: ${sent.id}\nMESSAGE: ${text}\n---\n`), transcript);
  });
});
