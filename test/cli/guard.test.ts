/** `coord guard` in a real git repository: the pre-commit hook blocks, allows, is overridden, chains and uninstalls. */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runCoord, tempDir } from '../support/helpers';

function git(repo: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const clean = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('GIT_') || k === 'CLAUDE_INSTANCE_ID') delete clean[k];
  const r = spawnSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...clean, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function setupRepo(): { repo: string; dir: string; hooks: string } {
  const repo = tempDir('coord-guard-');
  assert.strictEqual(git(repo, ['init', '-q']).code, 0);
  git(repo, ['config', 'user.email', 'test@example.com']);
  git(repo, ['config', 'user.name', 'Test']);
  const dir = path.join(repo, 'coordination');
  assert.strictEqual(runCoord(['init', dir]).code, 0);
  fs.writeFileSync(path.join(repo, '.gitignore'), 'coordination/\n');
  fs.mkdirSync(path.join(repo, 'src'));
  fs.mkdirSync(path.join(repo, 'docs'));
  fs.writeFileSync(path.join(repo, 'src', 'a.ts'), 'a\n');
  fs.writeFileSync(path.join(repo, 'docs', 'x.md'), 'x\n');
  git(repo, ['add', '-A']);
  assert.strictEqual(git(repo, ['commit', '-qm', 'start']).code, 0);
  return { repo, dir, hooks: path.join(repo, '.git', 'hooks') };
}

function change(repo: string, file: string): void {
  fs.appendFileSync(path.join(repo, file), 'more\n');
  git(repo, ['add', file]);
}

describe('commit guard', function () {
  this.timeout(120000);

  it('blocks a commit touching files another instance holds exclusively, allows the rest, and is overridden once', () => {
    const { repo, dir } = setupRepo();
    const install = runCoord(['guard', 'install'], { dir });
    assert.strictEqual(install.code, 0, install.stderr);
    assert.strictEqual(
      runCoord(['claim', 'src/**', '--exclusive', '--reason', 'rework'], { dir, as: 'instance-2' }).code,
      0,
    );

    change(repo, 'src/a.ts');
    const blocked = git(repo, ['commit', '-qm', 'touch a'], { CLAUDE_INSTANCE_ID: 'instance-1' });
    assert.notStrictEqual(blocked.code, 0, 'the commit is refused');
    assert.match(
      blocked.stderr,
      /coord: error: commit refused: .*src\/a\.ts \(instance-2 holds src\/\*\* exclusively until/,
    );
    assert.match(blocked.stderr, /COORD_GUARD=off/);
    assert.strictEqual(git(repo, ['rev-list', '--count', 'HEAD']).stdout.trim(), '1');

    // A human (no identity) is refused too; the holder itself is not.
    assert.notStrictEqual(git(repo, ['commit', '-qm', 'human']).code, 0);
    const own = git(repo, ['commit', '-qm', 'holder commits'], { CLAUDE_INSTANCE_ID: 'instance-2' });
    assert.strictEqual(own.code, 0, own.stderr);

    change(repo, 'docs/x.md');
    const allowed = git(repo, ['commit', '-qm', 'docs'], { CLAUDE_INSTANCE_ID: 'instance-1' });
    assert.strictEqual(allowed.code, 0, allowed.stderr);

    change(repo, 'src/a.ts');
    const overridden = git(repo, ['commit', '-qm', 'override'], {
      CLAUDE_INSTANCE_ID: 'instance-1',
      COORD_GUARD: 'off',
    });
    assert.strictEqual(overridden.code, 0, overridden.stderr);
    assert.match(overridden.stderr, /skipped for this commit/);
    assert.strictEqual(git(repo, ['rev-list', '--count', 'HEAD']).stdout.trim(), '4');

    // Once released, the same commit goes through.
    change(repo, 'src/a.ts');
    assert.notStrictEqual(git(repo, ['commit', '-qm', 'again'], { CLAUDE_INSTANCE_ID: 'instance-1' }).code, 0);
    assert.strictEqual(runCoord(['release', '--all'], { dir, as: 'instance-2' }).code, 0);
    assert.strictEqual(git(repo, ['commit', '-qm', 'again'], { CLAUDE_INSTANCE_ID: 'instance-1' }).code, 0);
  });

  it('guard check by hand: staged paths, or the paths given', () => {
    const { repo, dir } = setupRepo();
    assert.strictEqual(runCoord(['claim', 'docs/x.md', '--exclusive'], { dir, as: 'instance-2' }).code, 0);
    change(repo, 'docs/x.md');
    const staged = runCoord(['guard', 'check'], { dir, as: 'instance-1' });
    assert.strictEqual(staged.code, 1);
    assert.match(staged.stderr, /docs\/x\.md \(instance-2 holds docs\/x\.md exclusively/);
    const given = runCoord(['guard', 'check', 'src/a.ts'], { dir, as: 'instance-1', cwd: repo });
    assert.strictEqual(given.code, 0, given.stderr);
    assert.match(given.stdout, /1 path checked, none held/);
  });

  it('keeps an existing hook, runs it first, and uninstall puts it back', () => {
    const { repo, dir, hooks } = setupRepo();
    const marker = path.join(tempDir(), 'ran');
    const theirs = `#!/bin/sh\necho ran >> '${marker}'\n[ -z "$FAIL_THEIR_HOOK" ]\n`;
    fs.mkdirSync(hooks, { recursive: true });
    fs.writeFileSync(path.join(hooks, 'pre-commit'), theirs, { mode: 0o755 });

    const install = runCoord(['guard', 'install'], { dir });
    assert.strictEqual(install.code, 0, install.stderr);
    assert.match(install.stdout, /existing hook now lives in .*pre-commit\.before-coord/);
    assert.strictEqual(fs.readFileSync(path.join(hooks, 'pre-commit.before-coord'), 'utf8'), theirs);
    // Installing again only refreshes ours.
    assert.strictEqual(runCoord(['guard', 'install'], { dir }).code, 0);
    assert.strictEqual(fs.readFileSync(path.join(hooks, 'pre-commit.before-coord'), 'utf8'), theirs);

    change(repo, 'docs/x.md');
    assert.strictEqual(git(repo, ['commit', '-qm', 'one']).code, 0);
    assert.strictEqual(fs.readFileSync(marker, 'utf8'), 'ran\n', 'their hook ran');
    change(repo, 'docs/x.md');
    const failing = git(repo, ['commit', '-qm', 'two'], { FAIL_THEIR_HOOK: '1' });
    assert.notStrictEqual(failing.code, 0, 'their hook still decides');

    const uninstall = runCoord(['guard', 'uninstall'], { dir });
    assert.strictEqual(uninstall.code, 0, uninstall.stderr);
    assert.strictEqual(fs.readFileSync(path.join(hooks, 'pre-commit'), 'utf8'), theirs);
    assert.ok(!fs.existsSync(path.join(hooks, 'pre-commit.before-coord')));

    // Ours is gone: an exclusive claim no longer blocks, their hook still runs.
    assert.strictEqual(runCoord(['claim', 'docs/**', '--exclusive'], { dir, as: 'instance-2' }).code, 0);
    assert.strictEqual(git(repo, ['commit', '-qm', 'three'], { CLAUDE_INSTANCE_ID: 'instance-1' }).code, 0);
    assert.strictEqual(fs.readFileSync(marker, 'utf8'), 'ran\nran\nran\n');

    const again = runCoord(['guard', 'uninstall'], { dir });
    assert.strictEqual(again.code, 1);
    assert.match(again.stderr, /is not coord's and was left alone/);
    assert.strictEqual(fs.readFileSync(path.join(hooks, 'pre-commit'), 'utf8'), theirs);
  });

  it('installs into core.hooksPath when the repository sets one', () => {
    const { repo, dir, hooks } = setupRepo();
    git(repo, ['config', 'core.hooksPath', '.githooks']);
    assert.strictEqual(runCoord(['guard', 'install'], { dir }).code, 0);
    assert.ok(fs.existsSync(path.join(repo, '.githooks', 'pre-commit')));
    assert.ok(!fs.existsSync(path.join(hooks, 'pre-commit')));
    assert.strictEqual(runCoord(['claim', 'docs/**', '--exclusive'], { dir, as: 'instance-2' }).code, 0);
    change(repo, 'docs/x.md');
    const blocked = git(repo, ['commit', '-qm', 'docs'], { CLAUDE_INSTANCE_ID: 'instance-1' });
    assert.notStrictEqual(blocked.code, 0);
    assert.match(blocked.stderr, /docs\/x\.md \(instance-2 holds docs\/\*\* exclusively/);
  });

  it('uninstall without an existing hook removes ours entirely', () => {
    const { dir, hooks } = setupRepo();
    assert.strictEqual(runCoord(['guard', 'install'], { dir }).code, 0);
    assert.ok(fs.existsSync(path.join(hooks, 'pre-commit')));
    assert.strictEqual(runCoord(['guard', 'uninstall'], { dir }).code, 0);
    assert.ok(!fs.existsSync(path.join(hooks, 'pre-commit')));
    const bad = runCoord(['guard', 'frobnicate'], { dir });
    assert.strictEqual(bad.code, 2);
    assert.match(bad.stderr, /unknown guard action 'frobnicate'/);
  });
});
