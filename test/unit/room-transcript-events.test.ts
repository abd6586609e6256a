/**
 * A room transcript's SYSTEM lines, read once and then only what was appended
 * (src/core/read/roomTranscriptEvents.ts), always equal those of a whole
 * parse: through appends in every shape (CRLF, half-written lines, blocks
 * glued to the line before), lines longer than a read chunk, and files
 * rewritten, truncated or replaced; a leading read stops at the first
 * description and creation and still sees them.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseTranscript, TranscriptEvent } from '../../src/core/formats/transcript';
import { hasDescriptionAndCreation, roomTranscriptEvents } from '../../src/core/read/roomTranscriptEvents';
import { tempDir } from '../support/helpers';

const wholeEvents = (file: string): TranscriptEvent[] =>
  fs.existsSync(file)
    ? parseTranscript(fs.readFileSync(file, 'utf8'), 0, false).filter((i): i is TranscriptEvent => i.kind === 'system')
    : [];

const same = (file: string, why: string) =>
  assert.deepStrictEqual(roomTranscriptEvents(file), wholeEvents(file), `${why}: events differ from a whole parse`);

let seed = 11;
const random = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};

function someText(count: number): string {
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const t = `2026-12-05 1${random(10)}:0${random(10)}:0${random(10)}`;
    const nl = random(5) === 0 ? '\r\n' : '\n';
    const shape = random(7);
    if (shape === 0) out.push(`[${t}] SYSTEM: Chatroom closed by instance-${random(4)}${nl}`);
    else if (shape === 1) out.push(`[${t}] SYSTEM: Description: room ${random(100)}${nl}`);
    else if (shape === 2) out.push(`[${t}] SYSTEM: Chatroom reopened by instance-2${nl}`);
    // A block glued to the STATUS line before it: the SYSTEM line starts mid-line.
    else if (shape === 3)
      out.push(
        `[${t}] FROM: instance-1${nl}ID: ab${k}${nl}MESSAGE: hi${nl}STATUS: read[${t}] SYSTEM: Closure reason: done${nl}`,
      );
    else out.push(`[${t}] FROM: instance-${random(4)}${nl}ID: c${k}${nl}MESSAGE: note ${k}${nl}more${nl}---${nl}`);
  }
  return out.join('');
}

describe('room transcript events read incrementally', function () {
  this.timeout(60_000);

  it('equal a whole parse through appends, half-written lines, CRLF and glued blocks', () => {
    const file = path.join(tempDir('coord-room-events-'), 'general.txt');
    same(file, 'missing file');
    fs.writeFileSync(file, `[CHATROOM CREATED: 2026-12-05 10:00:00 by instance-1]\n`);
    same(file, 'header only');
    for (let round = 0; round < 60; round++) {
      const text = someText(1 + random(8));
      // Half of the appends stop mid-line; the next append finishes the line.
      const cut = random(2) === 0 ? text.length : random(text.length);
      fs.appendFileSync(file, text.slice(0, cut));
      same(file, `round ${round}, cut append`);
      fs.appendFileSync(file, text.slice(cut));
      same(file, `round ${round}`);
    }
    assert.ok(wholeEvents(file).length > 40, 'the rounds wrote SYSTEM lines');
  });

  it('sees a rewrite from the top, a truncation and a replaced file', () => {
    const dir = tempDir('coord-room-events-');
    const file = path.join(dir, 'ops.txt');
    const closed = `[2026-12-05 10:00:01] SYSTEM: Chatroom closed by instance-2\n`;
    const closedBy3 = `[2026-12-05 10:00:01] SYSTEM: Chatroom closed by instance-3\n`;
    const body = `[2026-12-05 10:00:02] FROM: instance-1\nID: a1\nMESSAGE: hello, a line longer than a tail\n---\n`;
    fs.writeFileSync(file, closed + body);
    same(file, 'first read');
    // Same length, same tail, another first line (close-chatroom's read-then-rename keeps the inode here).
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, closedBy3, 0);
    fs.closeSync(fd);
    fs.appendFileSync(file, body);
    same(file, 'rewritten in place and grown');
    fs.truncateSync(file, closed.length - 1);
    same(file, 'truncated');
    const other = path.join(dir, 'ops.new');
    fs.writeFileSync(other, closed + closed + body);
    fs.renameSync(other, file);
    same(file, 'replaced');
    fs.rmSync(file);
    same(file, 'removed');
  });

  it('reads lines longer than a read chunk and SYSTEM lines on both sides of a chunk boundary', () => {
    const file = path.join(tempDir('coord-room-events-'), 'big.txt');
    const block = `[2026-12-05 10:00:00] FROM: instance-1\nID: b\nMESSAGE: ${'x'.repeat(900)}\n---\n`;
    const sys = (n: number) => `[2026-12-05 10:00:00] SYSTEM: Description: d${n}\n`;
    let text = '';
    for (let n = 0; text.length < 9 * 1024 * 1024; n++) text += n % 997 === 0 ? sys(n) : block;
    text +=
      `[2026-12-05 10:00:00] FROM: instance-1\nID: long\nMESSAGE: ${'y'.repeat(9 * 1024 * 1024)}\n---\n` + sys(-1);
    fs.writeFileSync(file, text);
    same(file, 'a 19 MB transcript');
    fs.appendFileSync(file, sys(-2));
    same(file, 'then one more line');
  });

  it('a leading read stops at the first description and creation, and reads on when all are asked for', () => {
    const file = path.join(tempDir('coord-room-events-'), 'dev.txt');
    const created = `[2026-12-05 10:00:00] SYSTEM: Chatroom 'dev' created by instance-1\n`;
    const block = `[2026-12-05 10:00:01] FROM: instance-1\nID: a\nMESSAGE: m\n---\n`;
    fs.writeFileSync(file, created + block.repeat(10));
    // No description yet: a leading read has read everything.
    assert.deepStrictEqual(roomTranscriptEvents(file, hasDescriptionAndCreation), wholeEvents(file));
    fs.appendFileSync(file, `[2026-12-05 10:00:02] SYSTEM: Description: the dev room\n` + block);
    const leading = roomTranscriptEvents(file, hasDescriptionAndCreation);
    assert.deepStrictEqual(
      leading.map((e) => e.type),
      ['created', 'description'],
      'the leading read has the creation and the description',
    );
    fs.appendFileSync(file, `[2026-12-05 10:00:03] SYSTEM: Chatroom closed by instance-2\n`);
    same(file, 'all events after a leading read');
  });
});
