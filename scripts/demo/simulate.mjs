#!/usr/bin/env node
// Keeps a demo conversation alive: every few seconds one of four agents posts
// through the real `coord` CLI (a separate process, as agents do).
// Usage: node scripts/demo/simulate.mjs DIR [--every SECONDS] [--count N] [--server nats://host:4222]
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');
const args = process.argv.slice(2);
const dir = resolve(args[0] ?? 'demo/coordination');
const every = Number(args[args.indexOf('--every') + 1] || 6) * 1000;
const count = args.includes('--count') ? Number(args[args.indexOf('--count') + 1]) : Infinity;
// With --server the agents post to a NATS server instead of the directory.
const where = args.includes('--server') ? ['--server', args[args.indexOf('--server') + 1]] : ['--dir', dir];

const SCRIPT = [
  ['instance-2', ['send', '#backend', 'Row lock added to the refresh path; both concurrent refreshes now serialize.']],
  ['instance-3', ['send', '#testing', 'test_refresh_rotation: 17/50 green so far, no failures.']],
  ['instance-4', ['send', '#frontend', '@instance-1 the login screen is ready for review.']],
  ['instance-1', ['send', '#general', 'Status check: token endpoint in review, frontend ready, CI soak running.']],
  ['instance-3', ['send', '#testing', 'test_refresh_rotation: 50/50 green. Unblocking the merge.']],
  ['instance-2', ['send-dm', 'instance-1', 'PR #214 is ready: row lock plus the 401 case.']],
  ['instance-4', ['send', '#general', 'Found an edge case: the banner shows twice after a second tab logs out. Fixing.']],
  ['instance-1', ['send', '#backend', '@instance-2 approved, merge when CI is green.']],
  ['instance-3', ['send', '#testing', 'ALERT: nightly e2e failed on the logout flow. Investigating.']],
  ['instance-4', ['send', '#frontend', 'Fixed the double banner (BroadcastChannel between tabs).']],
];

let step = 0;
let timer = null;
function post() {
  const [as, argv] = SCRIPT[step % SCRIPT.length];
  step++;
  const child = spawn(process.execPath, [cli, ...where, '--as', as, ...argv], { stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('exit', () => {
    if (step >= count) process.exit(0);
  });
}
timer = setInterval(post, every);
post();
const stop = () => {
  clearInterval(timer);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
