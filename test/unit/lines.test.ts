import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { countLines, splitLines, totalLines } from '../../src/core/disk/lines';
import { readLogLines, scanLog } from '../../src/core/disk/logCheckpoint';
import { tempDir } from '../support/helpers';

/** Python's own count: iterating a text-mode file (universal newlines). */
function pythonLineCount(file: string): number {
  const r = spawnSync(
    'python3',
    ['-c', 'import sys\nprint(sum(1 for _ in open(sys.argv[1], encoding="utf-8")))', file],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

const cases: Array<[string, string]> = [
  ['empty', ''],
  ['one line', 'a\n'],
  ['no final newline', 'a\nb'],
  ['crlf', 'a\r\nb\r\n'],
  ['lone cr', 'a\rb\rc'],
  ['mixed', 'a\r\n\rb\n\n\rc\r'],
  ['cr then lf across', '\r\n\r\n'],
  ['unicode', '✅ one\n🚀 two\r'],
];

describe('Python-compatible line counting', () => {
  for (const [name, text] of cases) {
    it(`counts "${name}" as Python does`, () => {
      const file = path.join(tempDir(), 'log');
      fs.writeFileSync(file, text);
      const expected = pythonLineCount(file);
      assert.strictEqual(totalLines(countLines(Buffer.from(text))), expected);
      assert.strictEqual(splitLines(text).length, expected);
      assert.strictEqual(scanLog(file, file + '.idx').lines, expected);
    });
  }

  it('counts the same when bytes arrive in pieces split inside \\r\\n', () => {
    const text = 'a\r\nb\rc\n\r\nd';
    const file = path.join(tempDir(), 'log');
    fs.writeFileSync(file, text);
    const expected = pythonLineCount(file);
    assert.strictEqual(expected, 5);
    for (let cut = 0; cut <= text.length; cut++) {
      const first = countLines(Buffer.from(text.slice(0, cut)));
      assert.strictEqual(totalLines(countLines(Buffer.from(text.slice(cut)), first)), expected, `cut at ${cut}`);
    }
  });

  it('checkpoints: counts only new bytes, and recounts when the file was rewritten', () => {
    const dir = tempDir();
    const log = path.join(dir, 'messages.log');
    const idx = path.join(dir, 'idx.json');
    const line = (n: number) => `[2025-06-15 05:00:00] a -> #r: message ${n} ${'x'.repeat(200)}\n`;
    fs.writeFileSync(log, Array.from({ length: 3000 }, (_, i) => line(i + 1)).join(''));
    assert.strictEqual(scanLog(log, idx, true).lines, 3000);
    assert.ok(fs.existsSync(idx), 'checkpoint written');
    fs.appendFileSync(log, line(3001) + 'torn');
    assert.strictEqual(scanLog(log, idx, true).lines, 3002);
    const scan = scanLog(log, idx);
    assert.deepStrictEqual(
      readLogLines(log, scan.marks, 2049, 2050).map((l) => l.split(' ')[6]),
      ['2049', '2050'],
    );
    assert.deepStrictEqual(readLogLines(log, scan.marks, 3002, 3002), ['torn']);
    fs.writeFileSync(log, 'short\r\nfile\r');
    assert.strictEqual(scanLog(log, idx, true).lines, 2);
    fs.writeFileSync(log, 'x'.repeat(scan.size + 10));
    assert.strictEqual(scanLog(log, idx, true).lines, 1, 'same-or-larger file with different bytes is recounted');
  });

  it('counting on from a checkpoint that ends on a line end marks the lines a count from the start marks', () => {
    const dir = tempDir();
    // "\n" ends: the checkpoint ends right before line 1025, a marked line.
    const log = path.join(dir, 'messages.log');
    fs.writeFileSync(log, Array.from({ length: 1024 }, (_, i) => `line ${i + 1}\n`).join(''));
    assert.strictEqual(scanLog(log, `${log}.idx`, true).lines, 1024);
    fs.appendFileSync(log, 'line 1025\nline 1026\n');
    const onFromCheckpoint = scanLog(log, `${log}.idx`);
    const fromStart = scanLog(log, path.join(dir, 'none.json'));
    assert.deepStrictEqual(onFromCheckpoint.marks, fromStart.marks);
    assert.deepStrictEqual(readLogLines(log, onFromCheckpoint.marks, 1025, 1025), ['line 1025']);
    // "\r\n" ends, one split by the checkpoint: its "\r" before, its "\n" after.
    const crlf = path.join(dir, 'crlf.log');
    fs.writeFileSync(
      crlf,
      Array.from({ length: 1024 }, (_, i) => `line ${i + 1}\r\n`)
        .join('')
        .slice(0, -1),
    );
    assert.strictEqual(scanLog(crlf, `${crlf}.idx`, true).lines, 1024);
    fs.appendFileSync(crlf, '\nline 1025\r\nline 1026\r\n');
    const crlfOn = scanLog(crlf, `${crlf}.idx`);
    assert.deepStrictEqual(crlfOn.marks, scanLog(crlf, path.join(dir, 'crlf-none.json')).marks);
    assert.deepStrictEqual(readLogLines(crlf, crlfOn.marks, 1025, 1025), ['line 1025']);
  });

  it("a process's own last count is checked like the checkpoint: grown, edited, truncated or replaced logs count right", () => {
    const dir = tempDir();
    const log = path.join(dir, 'messages.log');
    const idx = path.join(dir, 'idx.json');
    const fromScratch = (name: string) => scanLog(log, path.join(dir, `${name}.json`));
    const line = (n: number) => `[2025-06-15 05:00:00] a -> #r: message ${n} ${'y'.repeat(150)}\n`;
    fs.writeFileSync(log, Array.from({ length: 1500 }, (_, i) => line(i + 1)).join(''));
    assert.strictEqual(scanLog(log, idx, true).lines, 1500);
    // Appends one at a time, across a mark (line 2049), counted from what this process remembers.
    for (let n = 1501; n <= 2100; n++) {
      fs.appendFileSync(log, line(n));
      assert.strictEqual(scanLog(log, idx, true).lines, n);
    }
    const remembered = scanLog(log, idx);
    const scratch = fromScratch('a');
    assert.deepStrictEqual([remembered.lines, remembered.marks], [scratch.lines, scratch.marks]);
    assert.deepStrictEqual(readLogLines(log, remembered.marks, 2049, 2049), [line(2049).slice(0, -1)]);
    // The same size with a newline put into its last bytes.
    const size = fs.statSync(log).size;
    const fd = fs.openSync(log, 'r+');
    fs.writeSync(fd, '\n', size - 10);
    fs.closeSync(fd);
    assert.strictEqual(scanLog(log, idx).lines, 2101);
    // Cut back; then cut back and grown again past the remembered size with other bytes.
    fs.truncateSync(log, size - 1000);
    assert.strictEqual(scanLog(log, idx).lines, fromScratch('b').lines);
    fs.truncateSync(log, size - 2000);
    fs.appendFileSync(log, '\n'.repeat(5000));
    assert.strictEqual(scanLog(log, idx).lines, fromScratch('c').lines);
    // Replaced by another file (renamed over it) that has the same last bytes where the count ended.
    const before = scanLog(log, path.join(dir, 'mem-only.json'));
    const text = fs.readFileSync(log, 'latin1');
    const fewerLines = text.slice(0, 2000).replace(/\n/g, ' ') + text.slice(2000);
    fs.writeFileSync(`${log}.new`, fewerLines, 'latin1');
    fs.renameSync(`${log}.new`, log);
    const after = scanLog(log, path.join(dir, 'mem-only.json'));
    assert.strictEqual(after.lines, fromScratch('d').lines);
    assert.ok(after.lines < before.lines);
  });
});
