#!/usr/bin/env node
// Another agent that keeps writing: runs `coord send` into one room every
// 100 ms (a new send starts 100 ms after the previous one started, or as soon
// as it ends when it took longer), until it is sent SIGTERM. Prints the number
// of messages it sent on exit.
//   node background-writer.mjs CLI DIR AS TARGET
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const [cli, dir, as, target] = process.argv.slice(2);
let sent = 0;
let stopping = false;
process.on('SIGTERM', () => (stopping = true));
while (!stopping) {
  const started = Date.now();
  await run(process.execPath, [cli, '--dir', dir, '--as', as, 'send', target, `background write ${sent + 1}`], {
    env: { ...process.env, CLAUDE_INSTANCE_ID: '' },
  });
  sent++;
  await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
}
console.log(`sent ${sent}`);
