#!/usr/bin/env node
// Agent-facing figures, each beside its baseline measured in the same run:
//   MCP tool call p50/p95 in a running `coord mcp`   vs the same operation as a `coord` process
//   `coord send` -> `coord wait` wake-up p50/p95      (goal: p95 under 150 ms)
//   `coord hook PostToolUse` with nothing new         vs `node -e 0` (goal: within 1.3x)
//
//   node bench/agents.mjs [--quick]      prints a table
//   import { benchAgents } from './bench/agents.mjs'   -> rows
//
// Rows: { name, value, unit, baseline, baselineValue, goal, ok }. Needs `node scripts/build.mjs` first.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ms, quantile, sleep } from './benchStats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist', 'cli.js');
const require = createRequire(import.meta.url);

function cleanEnv() {
  const env = { ...process.env };
  delete env.CLAUDE_INSTANCE_ID;
  delete env.COORDINATION_DIR;
  delete env.NODE_OPTIONS;
  return env;
}

function run(argv, input = '') {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', env: cleanEnv(), input });
  const elapsed = ms(process.hrtime.bigint() - t);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  return { elapsed, stdout: r.stdout };
}

function makeDir(work) {
  const dir = join(work, 'coordination');
  run([CLI, 'init', dir]);
  for (const id of ['agent-a', 'agent-b']) run([CLI, '--dir', dir, '--as', id, 'update-status', 'ready']);
  for (let i = 0; i < 50; i++) run([CLI, '--dir', dir, '--as', 'agent-b', 'send', '#general', `seed message ${i}`]);
  return dir;
}

async function mcpRows(dir, n) {
  const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI, '--dir', dir, 'mcp'],
      env: { ...cleanEnv(), CLAUDE_INSTANCE_ID: 'agent-a' },
    }),
  );
  const inServer = [];
  for (let i = 0; i < n + 3; i++) {
    const t = process.hrtime.bigint();
    await client.callTool({ name: 'inbox', arguments: { limit: 5 } });
    if (i >= 3) inServer.push(ms(process.hrtime.bigint() - t));
  }
  await client.close();
  const asProcess = [];
  for (let i = 0; i < n; i++)
    asProcess.push(run([CLI, '--dir', dir, '--as', 'agent-a', 'check-unread', '--limit', '5']).elapsed);
  return ['p50', 'p95'].map((q) => ({
    name: `MCP tool call (inbox) ${q}`,
    value: quantile(inServer, q === 'p50' ? 0.5 : 0.95),
    unit: 'ms',
    baseline: `coord check-unread process ${q}`,
    baselineValue: quantile(asProcess, q === 'p50' ? 0.5 : 0.95),
    goal: 'info',
  }));
}

/** Time from a send completing (in this process, through the library) to a waiting `coord wait` printing it. */
async function wakeRows(dir, n) {
  const core = require(join(root, 'dist', 'core.js'));
  const sender = core.openCoordination({ dir, instance: 'agent-b' });
  run([CLI, '--dir', dir, '--as', 'agent-a', 'mark-read', 'all']);
  // Hand over what is pending, so each wait below waits for the next send.
  spawnSync(process.execPath, [CLI, '--dir', dir, '--as', 'agent-a', 'wait', '--timeout', '1'], { env: cleanEnv() });
  const wakes = [];
  for (let i = 0; i < n; i++) {
    const child = spawn(process.execPath, [CLI, '--dir', dir, '--as', 'agent-a', 'wait', '--timeout', '30'], {
      env: cleanEnv(),
    });
    let printedAt = null;
    const printed = new Promise((resolve) =>
      child.stdout.once('data', () => {
        printedAt = process.hrtime.bigint();
        resolve();
      }),
    );
    const exited = new Promise((resolve) => child.on('close', resolve));
    await sleep(250); // started and watching
    await sender.send('#general', `wake ${i}`);
    const sentAt = process.hrtime.bigint();
    await Promise.race([printed, sleep(10000)]);
    await exited;
    if (printedAt === null) throw new Error('coord wait did not wake within 10 s');
    wakes.push(ms(printedAt - sentAt));
  }
  const p95 = quantile(wakes, 0.95);
  return [
    {
      name: 'send -> wait wake-up p50',
      value: quantile(wakes, 0.5),
      unit: 'ms',
      baseline: null,
      baselineValue: null,
      goal: 'info',
    },
    {
      name: 'send -> wait wake-up p95',
      value: p95,
      unit: 'ms',
      baseline: null,
      baselineValue: null,
      goal: '< 150 ms',
      ok: p95 < 150,
    },
  ];
}

function hookRows(dir, n) {
  const payload = JSON.stringify({ hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'ls' } });
  const hookArgs = [CLI, '--dir', dir, '--as', 'agent-a', 'hook', 'PostToolUse'];
  const first = run(hookArgs, payload); // hands over whatever is pending
  void first;
  const hook = [];
  const bare = [];
  for (let i = 0; i < n; i++) {
    const h = run(hookArgs, payload);
    if (h.stdout !== '') throw new Error(`a hook with nothing new printed: ${h.stdout.slice(0, 200)}`);
    hook.push(h.elapsed);
    bare.push(run(['-e', '0']).elapsed);
  }
  const value = quantile(hook, 0.5);
  const baselineValue = quantile(bare, 0.5);
  return [
    {
      name: 'hook, nothing new p50',
      value,
      unit: 'ms',
      baseline: 'node -e 0 p50',
      baselineValue,
      goal: '<= 1.3x',
      ok: value / baselineValue <= 1.3,
    },
  ];
}

export async function benchAgents({ quick = false } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'coord-bench-agents-'));
  try {
    const dir = makeDir(work);
    const n = quick ? 15 : 40;
    return [...(await mcpRows(dir, n)), ...(await wakeRows(dir, quick ? 10 : 30)), ...hookRows(dir, n)];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await benchAgents({ quick: process.argv.includes('--quick') });
  for (const r of rows) {
    const ratio = r.baselineValue
      ? ` (${(r.value / r.baselineValue).toFixed(2)}x ${r.baseline}: ${r.baselineValue.toFixed(1)} ms)`
      : '';
    const ok = r.ok === undefined ? '' : r.ok ? '  ok' : '  NOT MET';
    console.log(`${r.name}: ${r.value.toFixed(1)} ${r.unit}${ratio}  goal ${r.goal}${ok}`);
  }
}
