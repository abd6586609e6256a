/**
 * The test runner itself (scripts/test-all.mjs and the e2e runner): it must
 * not pass on nothing. Each case runs the real runner as a process on a
 * scratch directory of tiny compiled test files (COORD_TEST_OUT) without
 * building (--no-build).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SKIP_MODULE = path.join(ROOT, 'out', 'test', 'support', 'skip.js');

interface Run {
  code: number | null;
  out: string;
  last: string;
}

function runner(out: string, args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'test-all.mjs'), '--no-build', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: '', ...env, COORD_TEST_OUT: out, COORD_TEST_RESULTS: path.join(out, 'results') },
    timeout: 60_000,
  });
  const text = `${r.stdout}${r.stderr}`;
  const lines = r.stdout.trim().split('\n');
  return { code: r.status, out: text, last: lines[lines.length - 1] };
}

/** A scratch out/test with one file in unit/ holding `body`. */
function stage(body: string | null): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'coord-runner-'));
  fs.mkdirSync(path.join(out, 'unit'));
  if (body !== null) fs.writeFileSync(path.join(out, 'unit', 'x.test.js'), body);
  return out;
}

describe('the test runner (scripts/test-all.mjs)', function () {
  this.timeout(120_000);
  const scratch: string[] = [];
  const make = (body: string | null) => {
    const d = stage(body);
    scratch.push(d);
    return d;
  };
  after(() => scratch.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('passes a stage whose tests pass (the control case)', () => {
    const r = runner(make(`describe('s', () => { it('a', () => {}); it('b', () => {}); });`), ['unit']);
    assert.strictEqual(r.code, 0, r.out);
    assert.strictEqual(r.last, '2 passed, 0 failed');
  });

  it('fails a stage that ran no tests and exited 0', () => {
    const r = runner(make(`describe('nothing here', () => {});`), ['unit']);
    assert.strictEqual(r.code, 1, r.out);
    assert.match(r.out, /FAILED: it ran no tests/);
    assert.strictEqual(r.last, '0 passed, 1 failed');
  });

  it('fails a stage with no test files at all', () => {
    const r = runner(make(null), ['unit']);
    assert.strictEqual(r.code, 1, r.out);
    assert.match(r.last, /^0 passed, [1-9]\d* failed$/);
  });

  it('fails on a mistyped stage name with a clear message and exit 2', () => {
    const r = runner(make(`it('a', () => {});`), ['unti']);
    assert.strictEqual(r.code, 2, r.out);
    assert.match(r.out, /test-all: unknown stage 'unti': the stages are unit, cli, fault, nats, integration, e2e/);
    assert.strictEqual(r.last, '0 passed, 1 failed');
  });

  it('fails when a mocha test is marked .only', () => {
    const r = runner(make(`it.only('focused', () => {}); it('other', () => {});`), ['unit']);
    assert.notStrictEqual(r.code, 0, r.out);
    assert.match(r.out, /ERR_MOCHA_FORBIDDEN_EXCLUSIVITY/);
    assert.match(r.last, /^\d+ passed, [1-9]\d* failed/);
  });

  it('prints a line for a stage whose prerequisite is missing, and fails it under CI=true', () => {
    const out = make(null);
    fs.rmSync(path.join(out, 'unit'), { recursive: true });
    const local = runner(out, ['unit']);
    assert.match(local.out, /--- unit: not run: .*unit\/ is missing/);
    const ci = runner(out, ['unit'], { CI: 'true' });
    assert.strictEqual(ci.code, 1, ci.out);
    assert.match(ci.out, /--- unit: not run: .*a failure under CI=true/);
    assert.strictEqual(ci.last, '0 passed, 1 failed');
  });

  for (const name of ['unit', 'cli', 'fault', 'nats']) {
    it(`under CI=true fails the ${name} stage when it ran fewer tests than its minimum`, () => {
      const out = make(null);
      fs.renameSync(path.join(out, 'unit'), path.join(out, name));
      fs.writeFileSync(path.join(out, name, 'x.test.js'), `it('only one', () => {});`);
      const r = runner(out, [name], { CI: 'true' });
      assert.strictEqual(r.code, 1, r.out);
      assert.match(r.out, /FAILED: it ran 1 tests, fewer than its minimum of \d+/);
    });
  }

  it('under CI=true fails a skip that gives no reason, and lists one that does', () => {
    const many = Array.from({ length: 200 }, (_, i) => `it('t${i}', () => {});`).join('\n');
    const bare = runner(make(`${many}\nit('bare skip', function () { this.skip(); });`), ['unit'], { CI: 'true' });
    assert.strictEqual(bare.code, 1, bare.out);
    assert.match(bare.out, /skipped: bare skip \(no reason given\)/);
    assert.match(bare.out, /FAILED: 1 skipped without a reason/);
    const pending = runner(make(`${many}\nit.skip('declared pending', () => {});`), ['unit'], { CI: 'true' });
    assert.strictEqual(pending.code, 1, pending.out);
    const why = runner(
      make(
        `const { skipBecause } = require(${JSON.stringify(SKIP_MODULE)});\n${many}\n` +
          `it('needs root', function () { skipBecause(this, 'not root here'); });\n` +
          `describe('needs mount', function () { before(function () { skipBecause(this, 'mount(8) not permitted'); }); it('m', () => {}); });`,
      ),
      ['unit'],
      { CI: 'true' },
    );
    assert.strictEqual(why.code, 0, why.out);
    assert.match(why.out, /skipped: needs root \(not root here\)/);
    assert.match(why.out, /skipped: needs mount m \(mount\(8\) not permitted\)/);
    assert.strictEqual(why.last, '200 passed, 0 failed, 2 skipped');
  });
});

describe('the e2e runner (test/e2e/run.mjs)', function () {
  this.timeout(60_000);
  it('fails, before starting VS Code, when a test is marked only: true and --forbid-only is given', () => {
    const specs = fs.mkdtempSync(path.join(os.tmpdir(), 'coord-e2e-specs-'));
    const counts = path.join(specs, 'counts.json');
    try {
      fs.writeFileSync(
        path.join(specs, '01-x.spec.mjs'),
        `export default [{ name: 'focused', only: true, async run() {} }, { name: 'other', async run() {} }];\n`,
      );
      const r = spawnSync(process.execPath, [path.join(ROOT, 'test', 'e2e', 'run.mjs'), '--forbid-only'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, COORD_E2E_SPECS: specs, COORD_COUNTS_FILE: counts, COORD_TEST_RESULTS: specs },
        timeout: 50_000,
      });
      assert.strictEqual(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /only: true is forbidden here \(--forbid-only\): focused/);
      assert.deepStrictEqual(JSON.parse(fs.readFileSync(counts, 'utf8')), {
        passed: 0,
        failed: 1,
        skipped: 0,
        skips: [],
      });
    } finally {
      fs.rmSync(specs, { recursive: true, force: true });
    }
  });
});
