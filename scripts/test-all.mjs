#!/usr/bin/env node
// `npm test`: builds, then runs every suite in turn and ends with one line
// `N passed, N failed` (', N skipped' when any were skipped).
//   node scripts/test-all.mjs [--no-build] [stage ...]    stages: unit cli fault integration e2e
//
// A run cannot pass on nothing:
// - an unknown stage name is a usage error (exit 2);
// - a stage that runs no test, or exits non-zero while reporting no failure, is a failure;
// - `.only` fails the run (mocha's --forbid-only; the same flag for the e2e runner);
// - a stage whose prerequisite is missing prints a line, and fails under CI=true;
// - under CI=true a stage that ran fewer tests than its minimum below fails, and so does a
//   skip that does not say why the test cannot run on this machine (test/support/skip.ts).
// COORD_TEST_OUT (default out/test) is where the compiled mocha stages are read from, and
// COORD_TEST_RESULTS (default test-results) where counts go; the runner's own tests point
// both at a scratch directory.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mocha = join(root, 'node_modules/mocha/bin/mocha.js');
const reporter = join(root, 'test/support/count-reporter.js');
const outDir = process.env.COORD_TEST_OUT || join(root, 'out/test');
const resultsDir = process.env.COORD_TEST_RESULTS || join(root, 'test-results');
const ci = process.env.CI === 'true' || process.env.CI === '1';

/**
 * How many tests each stage runs at least (passed + failed, skips not counted), checked under CI=true:
 * today's counts on the CI machine (root, so fault's tmpfs and unprivileged-user cases run). Raise them
 * as tests are added; lower one only with the commit that removes tests.
 */
const MINIMUM = { unit: 144, cli: 195, fault: 124, nats: 64, integration: 76, e2e: 31 };

const mochaStage = (name, timeout = 60000) => ({
  name,
  prerequisite: () => (existsSync(join(outDir, name)) ? null : `${relative(root, join(outDir, name))}/ is missing`),
  command: [
    process.execPath,
    mocha,
    '--reporter',
    reporter,
    '--forbid-only',
    '--timeout',
    String(timeout),
    '--recursive',
    join(outDir, name, '**/*.test.js'),
  ],
});

const stages = [
  mochaStage('unit'),
  mochaStage('cli', 120000),
  mochaStage('fault', 300000),
  mochaStage('nats', 300000),
  {
    name: 'integration',
    prerequisite: () =>
      existsSync(join(root, 'scripts/vscode-host.mjs')) ? null : 'scripts/vscode-host.mjs is missing',
    command: [process.execPath, 'scripts/vscode-host.mjs', 'test'],
  },
  {
    name: 'e2e',
    prerequisite: () => (existsSync(join(root, 'test/e2e/run.mjs')) ? null : 'test/e2e/run.mjs is missing'),
    command: [process.execPath, 'test/e2e/run.mjs', '--forbid-only'],
  },
];

const args = process.argv.slice(2);
const noBuild = args.includes('--no-build');
const wanted = args.filter((a) => a !== '--no-build');
const unknown = wanted.filter((w) => !stages.some((s) => s.name === w));
if (unknown.length) {
  console.log(
    `test-all: unknown stage${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')}: ` +
      `the stages are ${stages.map((s) => s.name).join(', ')}`,
  );
  console.log('0 passed, 1 failed');
  process.exit(2);
}
const selected = wanted.length ? stages.filter((s) => wanted.includes(s.name)) : stages;

// On a fresh machine `npm test` installs what it needs first (each step is a no-op when done).
if (!existsSync(join(root, 'node_modules/mocha')))
  spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
if (selected.some((s) => s.name === 'integration' || s.name === 'e2e')) {
  const setup = spawnSync('bash', ['scripts/setup-host.sh', 'all'], { cwd: root, stdio: 'inherit' });
  if (setup.status !== 0) console.log('setup-host failed: the VS Code and browser suites will fail');
}
if (!noBuild) {
  // tsc never deletes: a renamed or removed test would still run from its old compiled file.
  rmSync(join(root, 'out'), { recursive: true, force: true });
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.log('build failed');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

/** Why this stage's result is a failure beyond its own failed tests, or [] (pure, so it reads as the rules). */
function stageProblems(name, status, counts, { isCi }) {
  const problems = [];
  const ran = counts.passed + counts.failed;
  if (counts.missing) problems.push('no counts were reported (the suite crashed or was not run)');
  else if (ran === 0) problems.push('it ran no tests');
  if (status !== 0 && counts.failed === 0) problems.push(`it exited with ${status} without reporting a failure`);
  if (isCi && MINIMUM[name] === undefined)
    problems.push(`it has no minimum (add one to scripts/test-all.mjs MINIMUM from today's count)`);
  if (isCi && ran > 0 && ran < MINIMUM[name])
    problems.push(`it ran ${ran} tests, fewer than its minimum of ${MINIMUM[name]} (scripts/test-all.mjs MINIMUM)`);
  const unexplained = (counts.skips ?? []).filter((s) => !s.reason);
  const unlisted = counts.skipped - (counts.skips ?? []).length;
  if (isCi && (unexplained.length || unlisted > 0))
    problems.push(
      `${unexplained.length + Math.max(0, unlisted)} skipped without a reason (use skipBecause()): ` +
        unexplained.map((s) => s.title).join('; '),
    );
  return problems;
}

const total = { passed: 0, failed: 0, skipped: 0 };
const runStarted = Date.now();
for (const stage of selected) {
  const missing = stage.prerequisite();
  if (missing) {
    console.log(`\n--- ${stage.name}: not run: ${missing}${ci ? ' (a failure under CI=true)' : ''}`);
    if (ci) total.failed++;
    else total.skipped++;
    continue;
  }
  const countsFile = join(resultsDir, `${stage.name}.counts.json`);
  rmSync(countsFile, { force: true });
  console.log(`\n=== ${stage.name} ===`);
  const started = Date.now();
  const r = spawnSync(stage.command[0], stage.command.slice(1), {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, COORD_COUNTS_FILE: countsFile },
  });
  const counts = existsSync(countsFile)
    ? { passed: 0, failed: 0, skipped: 0, ...JSON.parse(readFileSync(countsFile, 'utf8')) }
    : { passed: 0, failed: 0, skipped: 0, missing: true };
  const problems = stageProblems(stage.name, r.status ?? 1, counts, { isCi: ci });
  for (const s of counts.skips ?? [])
    console.log(`    skipped: ${s.title}${s.reason ? ` (${s.reason})` : ' (no reason given)'}`);
  for (const p of problems) console.log(`    FAILED: ${p}`);
  // Each problem is one failure, so a stage that did nothing can never add up to a pass.
  counts.failed += problems.length;
  console.log(
    `--- ${stage.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (${((Date.now() - started) / 1000).toFixed(1)}s)`,
  );
  for (const k of Object.keys(total)) total[k] += counts[k];
}

console.log(`\nall suites took ${((Date.now() - runStarted) / 1000).toFixed(0)}s`);
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(total.failed > 0 ? 1 : 0);
