/**
 * The commit guard on a NATS server: `coord --server … guard install` run in
 * a repository makes the pre-commit hook ask the server, so a claim made on
 * another machine blocks the commit, and its release lets it through.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runCoord, tempDir } from '../support/helpers';
import { NatsServer, startServer } from './natsServer';

function git(repo: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const clean = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('GIT_') || k.startsWith('COORD_')) delete clean[k];
  delete clean.CLAUDE_INSTANCE_ID;
  const r = spawnSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...clean, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('NATS: the commit guard asks the server', function () {
  this.timeout(120000);
  let server: NatsServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  it('a claim from another machine blocks the commit; after its release the commit goes through', () => {
    const repo = tempDir('coord-nats-guard-');
    assert.strictEqual(git(repo, ['init', '-q']).code, 0);
    git(repo, ['config', 'user.email', 'test@example.com']);
    git(repo, ['config', 'user.name', 'Test']);
    fs.mkdirSync(path.join(repo, 'src'));
    fs.writeFileSync(path.join(repo, 'src', 'a.ts'), 'a\n');
    git(repo, ['add', '-A']);
    assert.strictEqual(git(repo, ['commit', '-qm', 'start']).code, 0);

    const install = runCoord(['--server', server.url, 'guard', 'install'], { cwd: repo });
    assert.strictEqual(install.code, 0, install.stderr);
    assert.match(
      fs.readFileSync(path.join(repo, '.git', 'hooks', 'pre-commit'), 'utf8'),
      new RegExp(`--server '${server.url.replace(/\./g, '\\.')}' guard check`),
    );
    // Another machine: its own working directory.
    const elsewhere = tempDir('coord-other-machine-');
    const claim = runCoord(['--server', server.url, 'claim', 'src/**', '--exclusive'], {
      as: 'instance-2',
      cwd: elsewhere,
    });
    assert.strictEqual(claim.code, 0, claim.stderr);

    fs.appendFileSync(path.join(repo, 'src', 'a.ts'), 'more\n');
    git(repo, ['add', 'src/a.ts']);
    const blocked = git(repo, ['commit', '-qm', 'touch a'], { CLAUDE_INSTANCE_ID: 'instance-1' });
    assert.notStrictEqual(blocked.code, 0, 'the commit is refused');
    assert.match(blocked.stderr, /commit refused: .*src\/a\.ts \(instance-2 holds src\/\*\* exclusively/);

    const release = runCoord(['--server', server.url, 'release', '--all'], { as: 'instance-2', cwd: elsewhere });
    assert.strictEqual(release.code, 0, release.stderr);
    const passed = git(repo, ['commit', '-qm', 'touch a'], { CLAUDE_INSTANCE_ID: 'instance-1' });
    assert.strictEqual(passed.code, 0, passed.stderr);
    assert.strictEqual(git(repo, ['rev-list', '--count', 'HEAD']).stdout.trim(), '2');
    // Nothing written in the repository or the other working directory.
    assert.deepStrictEqual(git(repo, ['status', '--porcelain', '--ignored']).stdout, '');
    assert.deepStrictEqual(fs.readdirSync(elsewhere), []);
  });
});
