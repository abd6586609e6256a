/**
 * The parsed read-mark table (src/core/read/readMarkTable.ts) always gives
 * what parsing the whole read-status file gives: through appends in every
 * shape (CRLF, half-written lines), in this process and in a new one (the
 * table file), and after the file was truncated, rewritten in place, replaced
 * or the table file damaged.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Layout } from '../../src/core/disk/layout';
import { parseReadMarks, ReadMarks } from '../../src/core/formats/readMarks';
import { forgetReadMarkTables, readMarksOf, saveReadMarkTables } from '../../src/core/read/readMarkTable';
import { tempDir } from '../support/helpers';

const plain = (marks: ReadMarks) => JSON.stringify({ numbers: [...marks.numbers], ids: [...marks.ids].sort() });

function setup() {
  const dir = tempDir('coord-mark-table-');
  fs.mkdirSync(path.join(dir, 'data'));
  fs.mkdirSync(path.join(dir, 'read-status'));
  const layout = new Layout(dir);
  const file = layout.readMarks('instance-2');
  const table = layout.readMarkTable('instance-2');
  const expectWhole = (why: string) =>
    assert.ok(
      plain(readMarksOf(layout, 'instance-2')) ===
        plain(parseReadMarks(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '')),
      `${why}: the table's marks differ from a whole parse`,
    );
  return { layout, file, table, expectWhole };
}

let seed = 7;
const random = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};

function someLines(count: number): string {
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const n = 1 + random(300_000);
    const time = `2026-12-0${1 + random(5)} 1${random(10)}:0${random(10)}:00`;
    const shape = random(6);
    const end = random(5) === 0 ? '\r\n' : '\n';
    if (shape === 0) out.push(`${n}:${time}${end}`);
    else if (shape === 1) out.push(`id:${n.toString(16)}: read at ${time}${end}`);
    else if (shape === 2) out.push(`${n}:${end}`);
    else out.push(`${n}: read at ${time}${end}`);
  }
  return out.join('');
}

describe('the parsed read-mark table', function () {
  this.timeout(60_000);
  afterEach(() => forgetReadMarkTables());

  it('equals a whole parse through appends, half-written lines, saves and new processes', () => {
    const { file, table, expectWhole } = setup();
    expectWhole('no file');
    for (let step = 0; step < 40; step++) {
      let more = someLines(1 + random(step % 10 === 0 ? 20_000 : 50));
      // Now and then the last line is still being written.
      if (random(4) === 0) more = more.slice(0, more.length - 1 - random(10));
      fs.appendFileSync(file, more);
      expectWhole(`step ${step}`);
      if (random(3) === 0) saveReadMarkTables();
      if (random(3) === 0) forgetReadMarkTables();
    }
    assert.ok(fs.existsSync(table), 'the table was written');
    forgetReadMarkTables();
    expectWhole('from the table file alone');
  });

  it('is written only past a quarter megabyte of new marks, and only by saveReadMarkTables', () => {
    const { file, table, expectWhole } = setup();
    fs.writeFileSync(file, someLines(100));
    expectWhole('small');
    saveReadMarkTables();
    assert.ok(!fs.existsSync(table), 'not worth a table');
    fs.appendFileSync(file, someLines(20_000));
    expectWhole('large');
    assert.ok(!fs.existsSync(table), 'reading alone writes nothing');
    saveReadMarkTables();
    assert.ok(fs.existsSync(table));
  });

  for (const [name, change] of [
    ['truncated', (file: string) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2))],
    [
      'rewritten in place, longer, with the same first and last bytes',
      (file: string) => {
        const text = fs.readFileSync(file, 'utf8');
        const middle = text.indexOf('\n', text.length / 2) + 1;
        fs.writeFileSync(file, text.slice(0, middle) + '999999: read at 2030-01-01 00:00:00\n' + text.slice(middle));
      },
    ],
    [
      'replaced by another file',
      (file: string) => {
        fs.writeFileSync(`${file}.new`, someLines(30_000));
        fs.renameSync(`${file}.new`, file);
      },
    ],
    ['emptied', (file: string) => fs.writeFileSync(file, '')],
    ['removed', (file: string) => fs.rmSync(file)],
  ] as Array<[string, (file: string) => void]>) {
    it(`is not trusted once the marks file was ${name}`, () => {
      const { file, expectWhole } = setup();
      fs.writeFileSync(file, someLines(30_000));
      expectWhole('before');
      saveReadMarkTables();
      change(file);
      expectWhole('same process');
      forgetReadMarkTables();
      expectWhole('new process');
    });
  }

  it('ignores a damaged table file', () => {
    const { file, table, expectWhole } = setup();
    fs.writeFileSync(file, someLines(30_000));
    expectWhole('before');
    saveReadMarkTables();
    const good = fs.readFileSync(table);
    const damaged = [
      good.subarray(0, good.length - 4),
      Buffer.concat([good, Buffer.alloc(4)]),
      Buffer.from('garbage'),
      Buffer.alloc(0),
      (() => {
        const b = Buffer.from(good);
        b.writeInt32LE(1 << 30, b.length - 4);
        return b;
      })(),
    ];
    for (const bytes of damaged) {
      fs.writeFileSync(table, bytes);
      forgetReadMarkTables();
      expectWhole(`damaged table of ${bytes.length} bytes`);
    }
  });
});
