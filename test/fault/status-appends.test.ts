/**
 * close-chatroom and reopen-chatroom rewrite data/chatroom-status.txt, which
 * the Python tool appends to without a lock: a line it appends at that moment
 * must never be lost. A real appender process against real coord processes.
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CLI, freshDir, runCoord } from '../support/helpers';

const APPENDER = `
const fs = require('fs');
const [file, stop] = process.argv.slice(1);
let i = 0;
const tick = () => {
  if (fs.existsSync(stop)) return process.stdout.write(String(i));
  fs.appendFileSync(file, 'py-room-' + i + ':open:instance-9:2026-01-01 10:00:00:2026-01-01 10:00:00:\\n');
  i++;
  setTimeout(tick, 1);
};
tick();
`;

function coordAsync(dir: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, '--dir', dir, '--as', 'instance-1', ...args], { stdio: 'ignore' });
    c.on('close', resolve);
  });
}

describe('close-chatroom vs concurrent Python appends (real processes)', function () {
  this.timeout(180000);

  it('every line appended while rooms are closed and reopened is kept', async () => {
    const dir = freshDir();
    assert.strictEqual(runCoord(['create-chatroom', 'churn', 'x'], { dir, as: 'instance-1' }).code, 0);
    const status = path.join(dir, 'data', 'chatroom-status.txt');
    const stop = path.join(dir, 'stop');
    const appender = spawn(process.execPath, ['-e', APPENDER, status, stop], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    appender.stdout!.on('data', (d) => (out += d));
    const appended = new Promise((resolve) => appender.on('close', resolve));
    for (let k = 0; k < 15; k++) {
      assert.strictEqual(await coordAsync(dir, ['close-chatroom', 'churn', `round ${k}`]), 0);
      assert.strictEqual(await coordAsync(dir, ['reopen-chatroom', 'churn', `round ${k}`]), 0);
    }
    fs.writeFileSync(stop, '');
    await appended;
    const count = Number(out);
    assert.ok(count > 100, `the appender wrote only ${out} lines`);
    const text = fs.readFileSync(status, 'utf8');
    const missing = Array.from({ length: count }, (_, i) => `py-room-${i}:`).filter((p) => !text.includes(p));
    assert.deepStrictEqual(missing, [], `${missing.length} appended lines were lost`);
    assert.match(text, /^churn:open:instance-1:/m);
  });
});
