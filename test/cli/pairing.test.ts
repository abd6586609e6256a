/**
 * A message is one log line plus its transcript copies, shown once. Two
 * writers whose copies differ in how the text's line breaks look:
 *  - coord before the escape mark (text.ts) escaped CR, LF and backslash in the
 *    log (`a\rb`, unmarked) while the transcript block holds a real line break
 *    (guardBodyText turns CR into LF); the generated bench directories do the same;
 *  - the older tools write a CR raw: the log line breaks there (Python's
 *    universal newlines), the rest continues on the next physical line.
 * Every reading path must pair them: a full load, the persisted index, and the
 * index plus what was appended since.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { freshDir, runCoord } from '../support/helpers';

const ME = 'instance-2';
const TS = '2026-01-01 10:00:00';
const LATER = '2026-01-01 11:00:00';

function coordJson(dir: string, args: string[]): any {
  const r = runCoord(['--json', ...args], { dir, as: ME });
  assert.strictEqual(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const append = (dir: string, rel: string, text: string) => fs.appendFileSync(path.join(dir, rel), text);
const block = (time: string, id: string, body: string, extra = '') =>
  `[${time}] FROM: instance-1${extra}\nID: ${id}\nMESSAGE: ${body}\n`;

/** What coord wrote before the mark for `send '#general' $'<word> a\rb'`, an @-message, a DM and `C:\new`. */
function writePreMark(dir: string, time: string, word: string, firstNumber: number, hex: string): void {
  const id = (k: number) => `${hex}000000${k}`;
  append(
    dir,
    'data/messages.log',
    `[${time}] instance-1 -> #general: ${word} a\\rb\n` +
      `[${time}] instance-1 -> @${ME}: ${word} at\\nx\n` +
      `[${time}] DM: instance-1 -> ${ME}: ${word} dm\\r\\ny\n` +
      `[${time}] instance-1 -> #general: ${word} C:\\\\new\n` +
      `[${time}] instance-1 -> #general: [REPLY to msg #${firstNumber} from instance-1] ${word} re\\rz\n`,
  );
  append(
    dir,
    'chatrooms/general.txt',
    block(time, id(1), `${word} a\nb`) +
      '---\n' +
      block(time, id(4), `${word} C:\\new`) +
      '---\n' +
      block(time, id(5), `[REPLY to msg #${firstNumber} from instance-1] ${word} re\nz`) +
      '---\n',
  );
  append(dir, `inboxes/${ME}.txt`, block(time, id(2), `${word} at\nx`) + 'STATUS: unread\n---\n');
  append(dir, `dms/dm_instance-1_${ME}.txt`, `[${time}] instance-1: ${word} dm\\r\\ny\n`);
  append(
    dir,
    `dms/instance-1_${ME}.txt`,
    block(time, id(3), `${word} dm\ny`, ` TO: ${ME}`) + `STATUS: unread by ${ME}\n---\n`,
  );
}

/** The older tools with a raw CR, in a second that already holds 40 messages (the store's busy-second index). */
function writeRawBurst(dir: string, time: string, word: string): void {
  let log = '';
  let room = '';
  for (let i = 0; i < 40; i++) {
    const text = i === 35 ? `${word} raw\rcr` : `${word}filler${i}`;
    log += `[${time}] instance-1 -> #general: ${text}\n`;
    room += block(time, (0xb0000000 + i).toString(16), text) + '---\n';
  }
  append(dir, 'data/messages.log', log);
  append(dir, 'chatrooms/general.txt', room);
}

function newDir(): string {
  const dir = freshDir();
  // ME becomes known; the transcripts and DM files start empty.
  assert.strictEqual(runCoord(['update-status', 'here'], { dir, as: ME }).code, 0);
  for (const rel of [
    'chatrooms/general.txt',
    `inboxes/${ME}.txt`,
    `dms/dm_instance-1_${ME}.txt`,
    `dms/instance-1_${ME}.txt`,
  ]) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    append(dir, rel, '');
  }
  return dir;
}

const indexFile = (dir: string) => path.join(dir, 'data', '.coord-search-index');

/** Each message written for `word` shows once in every reading command. */
function assertOnce(dir: string, word: string, first: number, withIndex: boolean): void {
  const fresh = () => {
    if (!withIndex) fs.rmSync(indexFile(dir), { force: true });
  };
  const numbers = (list: any[]) => list.map((m) => m.number);
  const expected = [first, first + 1, first + 2, first + 3, first + 4];

  fresh();
  assert.deepStrictEqual(numbers(coordJson(dir, ['search', '--exact', word])), expected, `search ${word}`);
  fresh();
  const ranked = numbers(coordJson(dir, ['search', word])).sort((a: number, b: number) => a - b);
  assert.deepStrictEqual(ranked, expected, `ranked search ${word}`);
  fresh();
  const room = coordJson(dir, ['check-chatroom', 'general']).filter((m: any) => m.text.includes(word));
  assert.deepStrictEqual(numbers(room), [first, first + 3, first + 4], 'check-chatroom');
  fresh();
  const unread = coordJson(dir, ['check-unread']).filter((m: any) => m.text.includes(word));
  assert.deepStrictEqual(numbers(unread), expected, 'check-unread');
  fresh();
  assert.deepStrictEqual(numbers(coordJson(dir, ['thread', String(first)])), [first, first + 4], 'thread');
  fresh();
  const dms = coordJson(dir, ['check-dm', 'instance-1']).filter((m: any) => m.text.includes(word));
  assert.deepStrictEqual(numbers(dms), [first + 1, first + 2], 'check-dm');
}

describe('one message in the log and a transcript shows once, whatever its line breaks (as a process)', function () {
  this.timeout(120000);

  it('lines coord wrote before the escape mark (\\r, \\n, \\\\ in the log; real line breaks in the blocks)', () => {
    const dir = newDir();
    writePreMark(dir, TS, 'kiwi', 1, 'a');
    assertOnce(dir, 'kiwi', 1, false);
    // The persisted index, built by the search before, and then read as it is.
    coordJson(dir, ['search', 'kiwi']);
    assert.ok(fs.existsSync(indexFile(dir)), 'the index was written');
    assertOnce(dir, 'kiwi', 1, true);
    // Appended after the index was built: the index plus a delta.
    writePreMark(dir, LATER, 'plum', 6, 'b');
    assertOnce(dir, 'plum', 6, true);
    assertOnce(dir, 'kiwi', 1, true);
    assertOnce(dir, 'plum', 6, false);
  });

  it('a raw CR from the older tools in a second with many messages', () => {
    const dir = newDir();
    writeRawBurst(dir, TS, 'fig');
    for (const withIndex of [false, true, true]) {
      if (!withIndex) fs.rmSync(indexFile(dir), { force: true });
      const hits = coordJson(dir, ['search', '--exact', 'fig raw']);
      assert.deepStrictEqual(
        hits.map((m: any) => [m.number, m.id, m.text]),
        [[36, 'b0000023', 'fig raw\ncr']],
        `search (${withIndex ? 'index' : 'full load'})`,
      );
      const room = coordJson(dir, ['check-chatroom', 'general', '--limit', '100']);
      assert.strictEqual(room.length, 40, 'forty messages in the room');
      assert.strictEqual(coordJson(dir, ['check-unread']).length, 40, 'forty unread');
    }
  });
});
