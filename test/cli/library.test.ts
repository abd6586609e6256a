import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { freshDir, REPO_ROOT, tempDir } from '../support/helpers';

describe('the library export', () => {
  it("require('agent-coordination/core') resolves to the built module with the same operations", () => {
    const dir = freshDir();
    // A script inside the package resolves its own name through package.json "exports".
    const script = path.join(REPO_ROOT, 'out', `library-check-${process.pid}.js`);
    fs.writeFileSync(
      script,
      `const core = require('agent-coordination/core');
       (async () => {
         const c = core.openCoordination({ dir: ${JSON.stringify(dir)}, instance: 'agent-lib' });
         const m = await c.send('#general', 'from a node agent');
         const other = core.openCoordination({ dir: ${JSON.stringify(dir)}, instance: 'agent-two' });
         const unread = other.checkUnread();
         let error = null;
         try { await c.send('#nope', 'x'); } catch (e) { error = [e.name, e instanceof core.CoordError, e.message]; }
         const ops = ['send','reply','sendDm','search','thread','markRead','checkUnread','checkNotifications','checkInbox','checkDm','listChatrooms','checkChatroom','createChatroom','closeChatroom','reopenChatroom','updateStatus','statuses','systemStatus','systemSummary','actionLog'].filter((k) => typeof c[k] !== 'function');
         console.log(JSON.stringify({ number: m.number, unread: unread.map((u) => u.text), error, missing: ops }));
       })();`,
    );
    try {
      const r = spawnSync(process.execPath, [script], { encoding: 'utf8', cwd: tempDir() });
      assert.strictEqual(r.status, 0, r.stderr);
      const result = JSON.parse(r.stdout);
      assert.strictEqual(result.number, 1);
      assert.deepStrictEqual(result.unread, ['from a node agent']);
      assert.deepStrictEqual(result.error.slice(0, 2), ['CoordError', true]);
      assert.match(result.error[2], /unknown chatroom 'nope'/);
      assert.deepStrictEqual(result.missing, []);
    } finally {
      fs.rmSync(script, { force: true });
    }
  });

  it('ships type declarations for the library', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const types = path.join(REPO_ROOT, pkg.exports['./core'].types);
    assert.ok(fs.existsSync(types), types);
    assert.match(fs.readFileSync(types, 'utf8'), /openCoordination/);
    assert.strictEqual(pkg.bin.coord, './dist/cli.js');
  });
});
