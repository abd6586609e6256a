#!/usr/bin/env node
// `npm test`: builds, then runs every suite in turn and ends with one line
// `N passed, N failed` (', N skipped' when any were skipped).
//   node scripts/test-all.mjs [stage ...]    stages: unit cli fault integration e2e
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mocha = join(root, 'node_modules/mocha/bin/mocha.js');
const reporter = join(root, 'test/support/count-reporter.js');

const mochaStage = (name, glob, timeout = 60000) => ({
  name,
  present: () => existsSync(join(root, 'out/test', name)),
  command: [process.execPath, mocha, '--reporter', reporter, '--timeout', String(timeout), '--recursive', glob],
});

const stages = [
  mochaStage('unit', 'out/test/unit/**/*.test.js'),
  mochaStage('cli', 'out/test/cli/**/*.test.js', 120000),
  mochaStage('fault', 'out/test/fault/**/*.test.js', 300000),
  mochaStage('nats', 'out/test/nats/**/*.test.js', 300000),
  {
    name: 'integration',
    present: () => existsSync(join(root, 'scripts/vscode-host.mjs')),
    command: [process.execPath, 'scripts/vscode-host.mjs', 'test'],
  },
  {
    name: 'e2e',
    present: () => existsSync(join(root, 'test/e2e/run.mjs')),
    command: [process.execPath, 'test/e2e/run.mjs'],
  },
];

const wanted = process.argv.slice(2);
const selected = wanted.length ? stages.filter((s) => wanted.includes(s.name)) : stages;

// On a fresh machine `npm test` installs what it needs first (each step is a no-op when done).
if (!existsSync(join(root, 'node_modules/mocha')))
  spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
if (selected.some((s) => s.name === 'integration' || s.name === 'e2e')) {
  const setup = spawnSync('bash', ['scripts/setup-host.sh', 'all'], { cwd: root, stdio: 'inherit' });
  if (setup.status !== 0) console.log('setup-host failed: the VS Code and browser suites will fail');
}
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.log('build failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const total = { passed: 0, failed: 0, skipped: 0 };
const runStarted = Date.now();
for (const stage of selected) {
  if (!stage.present()) continue;
  const countsFile = join(root, 'test-results', `${stage.name}.counts.json`);
  rmSync(countsFile, { force: true });
  console.log(`\n=== ${stage.name} ===`);
  const started = Date.now();
  const r = spawnSync(stage.command[0], stage.command.slice(1), {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, COORD_COUNTS_FILE: countsFile },
  });
  let counts = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(countsFile)) counts = JSON.parse(readFileSync(countsFile, 'utf8'));
  // A suite that crashed or reported nothing counts as one failure, never as a pass.
  if (r.status !== 0 && counts.failed === 0) counts.failed = 1;
  if (!existsSync(countsFile) && r.status === 0) counts.failed = 1;
  console.log(
    `--- ${stage.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (${((Date.now() - started) / 1000).toFixed(1)}s)`,
  );
  for (const k of Object.keys(total)) total[k] += counts[k];
}

console.log(`\nall suites took ${((Date.now() - runStarted) / 1000).toFixed(0)}s`);
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(total.failed > 0 ? 1 : 0);
