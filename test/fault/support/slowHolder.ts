/**
 * Holds the directory's write lock through the library's own withLock and
 * works inside it without yielding, the way a long synchronous write does.
 *   node slowHolder.js DIR busy MS    busy-waits MS ms inside the lock, then appends to data/holder.txt
 *   node slowHolder.js DIR wait       says "locked", then appends once the file DIR/go exists
 *   node slowHolder.js DIR last       appends, says "locked", then ends its write (no other change) once DIR/go exists
 * Prints one JSON line: the log's size when the lock was taken and before the
 * final write, or the error that write failed with.
 */
import * as fs from 'fs';
import * as path from 'path';
import { appendWhole } from '../../../src/core/disk/fsutil';
import { withLock } from '../../../src/core/disk/lock';

async function main(): Promise<void> {
  const [dir, mode, msText] = process.argv.slice(2);
  const log = path.join(dir, 'data', 'messages.log');
  const size = () => fs.statSync(log).size;
  try {
    // The body is synchronous, as every library write is.
    const result = await withLock(path.join(dir, 'data', '.coord'), () => {
      const before = size();
      if (mode === 'last') appendWhole(path.join(dir, 'data', 'holder.txt'), 'its only change\n');
      fs.writeSync(1, JSON.stringify({ locked: Date.now() }) + '\n');
      if (mode === 'busy') {
        const until = Date.now() + Number(msText);
        while (Date.now() < until) {
          /* synchronous work: no timer runs */
        }
      } else {
        const pause = new Int32Array(new SharedArrayBuffer(4));
        while (!fs.existsSync(path.join(dir, 'go'))) Atomics.wait(pause, 0, 0, 10);
      }
      const after = size();
      if (mode !== 'last') appendWhole(path.join(dir, 'data', 'holder.txt'), 'written under the lock\n');
      return { before, after, released: Date.now() };
    });
    fs.writeSync(1, JSON.stringify(result) + '\n');
  } catch (error) {
    fs.writeSync(1, JSON.stringify({ error: (error as Error).message }) + '\n');
  }
  // Ends by itself (no process.exit), so a signal that came while it worked is still handled.
}

void main();
