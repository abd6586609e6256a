#!/usr/bin/env node
// `npm run bench`: every figure beside a baseline measured in the same run,
// printed as one table and written to bench-results.json.
//
//   node bench/run.mjs [--quick] [--no-extension] [--no-search] [--no-agents] [--no-nats] [--out FILE]
//                      [--scale N (bench/scale.mjs)] [--extension-scale N [--scale-dir DIR]]
//
// --extension-scale N: only the extension rows, at 100k and at N messages (a
// copy of --scale-dir when given, else generated), each N row beside its 100k
// figure; the N workspace gets its summary from a first `coord` read before
// VS Code starts, as agents' reads keep it.
//
// Rows (each { name, value, unit, baseline, baselineValue, ratio, goal, ok }).
// A row with a goal is checked against it and shows PASS or FAIL; any FAIL
// makes the run exit 1. A row without a goal is a measurement beside its
// baseline, nothing more.
//   CLI send p50/p95            vs `node -e 0` (the floor for any Node CLI)
//   send into a 100k log        vs send into an empty log (same process shape)
//   in-process sends with lock  vs plain appendFileSync of the same lines
//   8 concurrent CLI writers    vs 1 CLI writer, messages/s
//   extension figures           bench/extension.mjs (a real VS Code via code-server)
//   search figures              bench/search.mjs (owned by the search work)
//   agent figures               bench/agents.mjs (MCP call, send -> wait wake-up, hook vs node -e 0; --no-agents skips)
//   NATS backend figures        bench/nats.mjs (beside the directory backend)
// Needs `node scripts/build.mjs` first (npm run bench does it).
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir, totalmem, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ms, quantile } from './benchStats.mjs';
import { EXTENSION_ROWS } from './extensionRows.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist', 'cli.js');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outFile = args.includes('--out') ? args[args.indexOf('--out') + 1] : join(root, 'bench-results.json');
const require = createRequire(import.meta.url);

if (!existsSync(CLI) || !existsSync(join(root, 'dist', 'core.js'))) {
  console.error('bench: dist/ is missing; run `node scripts/build.mjs` first (npm run bench does)');
  process.exit(1);
}
const core = require(join(root, 'dist', 'core.js'));
const { generateDir } = await import(pathToFileURL(join(root, 'scripts', 'generate-dir.mjs')).href);

const work = mkdtempSync(join(tmpdir(), 'coord-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

// ------------------------------------------------------------------ helpers

const p50 = (l) => quantile(l, 0.5);
const p95 = (l) => quantile(l, 0.95);
const round = (v, d = 1) => (v === null || v === undefined ? null : Math.round(v * 10 ** d) / 10 ** d);

function timeProcess(argv, env) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', env: env ?? cleanEnv });
  const elapsed = ms(process.hrtime.bigint() - t);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  return elapsed;
}

const cleanEnv = { ...process.env };
delete cleanEnv.CLAUDE_INSTANCE_ID;
delete cleanEnv.COORDINATION_DIR;
delete cleanEnv.NODE_OPTIONS;

function initDir(name) {
  const dir = join(work, name, 'coordination');
  const r = spawnSync(process.execPath, [CLI, 'init', dir], { encoding: 'utf8', env: cleanEnv });
  if (r.status !== 0) throw new Error(r.stderr);
  return dir;
}

const sendArgs = (dir, text, as = 'instance-1') => [CLI, '--dir', dir, '--as', as, 'send', '#general', text];

const rows = [];
function row(r) {
  const ratio = r.baselineValue && !r.noRatio ? r.value / r.baselineValue : null;
  const full = {
    ok: null,
    ...r,
    ratio: round(ratio, 2),
    value: round(r.value, r.unit === 'MB' ? 1 : 2),
    baselineValue: round(r.baselineValue, 2),
  };
  if (r.check) full.ok = Boolean(r.check(r.value, ratio));
  delete full.check;
  delete full.noRatio;
  rows.push(full);
  process.stderr.write(
    `  ${full.name}: ${full.value} ${full.unit}${full.baseline ? ` (baseline ${full.baseline}: ${full.baselineValue})` : ''}\n`,
  );
  return full;
}

// ------------------------------------------------------------------ CLI latency

function benchCliLatency() {
  const n = quick ? 15 : 40;
  const dir = initDir('latency');
  const floor = [];
  const send = [];
  for (let i = 0; i < 3; i++) {
    timeProcess(['-e', '0']);
    timeProcess(sendArgs(dir, `warm ${i}`));
  }
  // Interleaved so that drift in machine load hits both alike.
  for (let i = 0; i < n; i++) {
    floor.push(timeProcess(['-e', '0']));
    send.push(timeProcess(sendArgs(dir, `latency ${i}`)));
  }
  row({
    name: 'CLI send latency p50',
    value: p50(send),
    unit: 'ms',
    baseline: 'node -e 0 p50',
    baselineValue: p50(floor),
    goal: '<= 1.5x baseline',
    check: (_, r) => r <= 1.5,
  });
  row({
    name: 'CLI send latency p95',
    value: p95(send),
    unit: 'ms',
    baseline: 'node -e 0 p95',
    baselineValue: p95(floor),
    goal: '<= 1.5x baseline',
    check: (_, r) => r <= 1.5,
  });
}

// ------------------------------------------------------------------ 100k log

function benchBigLog() {
  const n = quick ? 10 : 30;
  const bigRoot = join(work, 'big');
  const started = Date.now();
  generateDir(join(bigRoot, 'coordination'), { messages: 100_000, seed: 7 });
  process.stderr.write(`  (generated a 100k-message directory in ${Date.now() - started} ms)\n`);
  const big = join(bigRoot, 'coordination');
  const empty = initDir('empty');
  // The first send into a directory never written by us builds the line-count checkpoint.
  const cold = timeProcess(sendArgs(big, 'cold first send'));
  const coldEmpty = timeProcess(sendArgs(empty, 'cold first send'));
  const bigTimes = [];
  const emptyTimes = [];
  for (let i = 0; i < 2; i++) {
    timeProcess(sendArgs(big, `warm ${i}`));
    timeProcess(sendArgs(empty, `warm ${i}`));
  }
  for (let i = 0; i < n; i++) {
    bigTimes.push(timeProcess(sendArgs(big, `big ${i}`)));
    emptyTimes.push(timeProcess(sendArgs(empty, `empty ${i}`)));
  }
  row({
    name: 'CLI send into a 100k-message log p50',
    value: p50(bigTimes),
    unit: 'ms',
    baseline: 'send into an empty log p50',
    baselineValue: p50(emptyTimes),
    goal: '<= 1.3x baseline',
    check: (_, r) => r <= 1.3,
  });
  row({
    name: 'CLI send into a 100k-message log p95',
    value: p95(bigTimes),
    unit: 'ms',
    baseline: 'send into an empty log p95',
    baselineValue: p95(emptyTimes),
    goal: '<= 1.3x baseline',
    check: (_, r) => r <= 1.3,
  });
  row({
    name: 'first send into a 100k log (builds the line index)',
    value: cold,
    unit: 'ms',
    baseline: 'first send into an empty log',
    baselineValue: coldEmpty,
  });
  // The numbering stayed exact.
  const count = core
    .openCoordination({ dir: big })
    .messages()
    .filter((m) => m.number !== null).length;
  if (count !== 100_000 + 3 + n)
    throw new Error(`100k log: expected ${100_000 + 3 + n} numbered messages, the library counts ${count}`);
  return big;
}

// ------------------------------------------------------------------ in-process throughput

async function benchThroughput() {
  const n = quick ? 1000 : 4000;
  const dir = initDir('throughput');
  const c = core.openCoordination({ dir, instance: 'instance-1' });
  for (let i = 0; i < 50; i++) await c.send('#general', `warm ${i}`);
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await c.send('#general', `throughput message ${i} with a little text in it`);
  const seconds = ms(process.hrtime.bigint() - t) / 1000;
  // Baseline: the bare appends of the same log line, no lock and no transcripts.
  const plain = join(work, 'plain.log');
  writeFileSync(plain, '');
  const line = `[2025-06-15 05:00:00] instance-1 -> #general: throughput message 0 with a little text in it\n`;
  const t2 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) appendFileSync(plain, line);
  const plainSeconds = ms(process.hrtime.bigint() - t2) / 1000;
  row({
    name: 'in-process send throughput (locked, all files)',
    value: n / seconds,
    unit: 'msg/s',
    baseline: 'appendFileSync of the log line alone',
    baselineValue: n / plainSeconds,
    goal: '>= 5000 msg/s',
    check: (v) => v >= 5000,
  });
}

// ------------------------------------------------------------------ concurrent CLI writers

function runWriter(dir, as, count) {
  return new Promise((resolve, reject) => {
    // One shell-free loop per writer: a node process that spawns the CLI `count` times in turn.
    const script = `const {spawnSync}=require('child_process');for(let i=0;i<${count};i++){const r=spawnSync(process.execPath,[${JSON.stringify(CLI)},'--dir',${JSON.stringify(dir)},'--as',${JSON.stringify(as)},'send','#general','concurrent '+i]);if(r.status!==0){process.stderr.write(String(r.stderr));process.exit(1)}}`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'], env: cleanEnv });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(err))));
  });
}

async function benchConcurrentWriters() {
  const per = quick ? 5 : 15;
  const dir = initDir('concurrent');
  const single = initDir('single');
  let t = process.hrtime.bigint();
  await runWriter(single, 'instance-1', per * 2);
  const singleRate = (per * 2) / (ms(process.hrtime.bigint() - t) / 1000);
  t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 8 }, (_, k) => runWriter(dir, `instance-${k + 1}`, per)));
  const rate = (8 * per) / (ms(process.hrtime.bigint() - t) / 1000);
  const numbers = core
    .openCoordination({ dir })
    .messages()
    .map((m) => m.number);
  const once = numbers.length === 8 * per && new Set(numbers).size === numbers.length && !numbers.includes(null);
  row({
    name: `8 concurrent CLI writers, aggregate (${cpus().length} cores)`,
    value: rate,
    unit: 'msg/s',
    baseline: '1 CLI writer alone',
    baselineValue: singleRate,
    goal: `all ${8 * per} messages there, each numbered once`,
    check: () => once,
  });
}

// ------------------------------------------------------------------ main

const started = Date.now();
const loadBefore = loadavg()[0];
if (loadBefore > cpus().length * 0.5)
  process.stderr.write(
    `bench: the machine is busy (load average ${loadBefore.toFixed(2)} on ${cpus().length} cores): p95 figures will be noisy\n`,
  );
process.stderr.write(
  `bench on ${cpus().length}x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}${quick ? ' (quick)' : ''}\n`,
);
// --scale N: only the reading commands at 10k and N (bench/scale.mjs), no other bench.
const scale = args.includes('--scale') ? Number(args[args.indexOf('--scale') + 1]) : 0;
const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
if (scale) {
  const { benchScale } = await import(pathToFileURL(join(root, 'bench', 'scale.mjs')).href);
  for (const r of await benchScale({ work, scale, scaleDir: opt('--scale-dir'), baselineCli: opt('--baseline-cli') }))
    row(r);
  args.push('--no-extension', '--no-search', '--no-agents', '--no-nats');
}
const extensionScale = args.includes('--extension-scale') ? Number(args[args.indexOf('--extension-scale') + 1]) : 0;
if (extensionScale) {
  const { benchExtension } = await import(pathToFileURL(join(root, 'bench', 'extension.mjs')).href);
  const at100k = await benchExtension({ work, quick });
  const label = extensionScale >= 1e6 ? `${extensionScale / 1e6}M` : `${extensionScale / 1e3}k`;
  for (const r of at100k) row(r);
  try {
    const big = await benchExtension({
      work,
      quick,
      baseline: at100k,
      label,
      from: opt('--scale-dir'),
      messages: extensionScale - 10_010,
      summary: true,
    });
    for (const r of big) row(r);
    const firstOpen = await benchExtension({
      work,
      quick,
      baseline: big,
      label,
      from: opt('--scale-dir'),
      messages: extensionScale - 10_010,
      firstOpenWithoutSummary: true,
    });
    for (const r of firstOpen) row(r);
  } catch (error) {
    benchFailed(`extension at ${label}`, error);
  }
  args.push('--no-extension', '--no-search', '--no-agents', '--no-nats');
}
const cliRows = !scale && !extensionScale;
if (cliRows) benchCliLatency();
const bigDir = cliRows ? benchBigLog() : null;
if (cliRows) {
  await benchThroughput();
  await benchConcurrentWriters();
}

if (!args.includes('--no-extension')) {
  const ext = join(root, 'bench', 'extension.mjs');
  const notMeasured = (reason) => {
    for (const { name, unit } of Object.values(EXTENSION_ROWS)) {
      rows.push({
        name,
        value: null,
        unit,
        baseline: null,
        baselineValue: null,
        ratio: null,
        goal: '',
        ok: null,
        note: `not measured: ${reason}`,
      });
    }
  };
  if (
    existsSync(ext) &&
    existsSync(join(root, 'dist', 'extension.js')) &&
    existsSync(join(root, 'scripts', 'vscode-host.mjs'))
  ) {
    try {
      const { benchExtension } = await import(pathToFileURL(ext).href);
      for (const r of await benchExtension({ work, bigDir, quick })) row(r);
    } catch (error) {
      process.stderr.write(`  extension bench failed: ${error.stack ?? error}\n`);
      notMeasured(`the extension bench failed: ${String(error.message ?? error).split('\n')[0]}`);
    }
  } else {
    notMeasured('the extension build or the VS Code host runner is not there');
  }
}

/** A bench file that threw: one row saying so, the stack on stderr. */
function benchFailed(name, error) {
  process.stderr.write(`  ${name} bench failed: ${error.stack ?? error}\n`);
  rows.push({
    name,
    value: null,
    unit: '',
    baseline: null,
    baselineValue: null,
    ratio: null,
    goal: '',
    ok: null,
    note: `not measured: ${String(error.message ?? error).split('\n')[0]}`,
  });
}

if (!args.includes('--no-search') && existsSync(join(root, 'bench', 'search.mjs'))) {
  try {
    const { benchSearch } = await import(pathToFileURL(join(root, 'bench', 'search.mjs')).href);
    for (const r of await benchSearch(quick ? { sizes: [10_000], rounds: 3, processRuns: 5 } : {})) row(r);
  } catch (error) {
    benchFailed('search', error);
  }
}

if (!args.includes('--no-agents')) {
  try {
    const { benchAgents } = await import(pathToFileURL(join(root, 'bench', 'agents.mjs')).href);
    for (const r of await benchAgents({ quick })) row(r);
  } catch (error) {
    benchFailed('agents', error);
  }
}

// The NATS backend beside the directory (bench/nats.mjs; needs nats-server).
if (!args.includes('--no-nats') && existsSync(join(root, 'bench', 'nats.mjs'))) {
  try {
    const { benchNats } = await import(pathToFileURL(join(root, 'bench', 'nats.mjs')).href);
    for (const r of await benchNats({ quick })) row(r);
  } catch (error) {
    process.stderr.write(`  NATS bench failed: ${error.stack ?? error}\n`);
    const note = `not measured: ${String(error.message ?? error).split('\n')[0]}`;
    rows.push({ name: 'NATS backend', value: null, unit: '', baseline: null, baselineValue: null, note });
  }
}

// ------------------------------------------------------------------ output

const fmt = (v) => (v === null || v === undefined ? '—' : String(v));
const header = ['figure', 'value', 'baseline (same run)', 'ratio', 'goal', 'checked'];
const table = rows.map((r) => [
  r.name,
  r.value === null ? (r.note ?? 'not measured') : `${fmt(r.value)} ${r.unit}`,
  r.baseline ? `${r.baseline}: ${fmt(r.baselineValue)} ${r.unit}` : '—',
  r.ratio === null || r.ratio === undefined ? '—' : `${r.ratio}x`,
  r.goal || '—',
  r.ok === null || r.ok === undefined ? '—' : r.ok ? 'PASS' : 'FAIL',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const t of table) console.log(line(t));
for (const r of rows) if (r.note && r.value !== null) console.log(`  ${r.name}: ${r.note}`);
const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? null,
  memoryGiB: round(totalmem() / 2 ** 30, 1),
  node: process.version,
  os: `${process.platform} ${release()}`,
  loadAverageBefore: round(loadBefore, 2),
  loadAverageAfter: round(loadavg()[0], 2),
};
console.log(
  `\n${new Date().toISOString()} on ${machine.cpus}x ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}; load average ${machine.loadAverageBefore} before, ${machine.loadAverageAfter} after; ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
writeFileSync(
  outFile,
  JSON.stringify(
    { date: new Date().toISOString(), machine, quick, seconds: Math.round((Date.now() - started) / 1000), rows },
    null,
    2,
  ) + '\n',
);
console.log(`written to ${outFile}`);
const failed = rows.filter((r) => r.ok === false);
const unmeasured = rows.filter((r) => r.value === null);
console.log(
  `${rows.filter((r) => r.ok === true).length} goals met, ${failed.length} missed${unmeasured.length ? `, ${unmeasured.length} figures not measured` : ''}`,
);
for (const r of failed) console.log(`  FAIL: ${r.name}: ${r.value} ${r.unit} (goal ${r.goal})`);
if (failed.length || unmeasured.length) process.exitCode = 1;
