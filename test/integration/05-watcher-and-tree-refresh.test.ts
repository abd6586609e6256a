/** The extension's file watcher (what it re-reads, and when) and the tree's refresh events, in real VS Code. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Node } from '../../src/extension/views/chatroomsTree';
import { REFRESH_MAX_WAIT_MS } from '../../src/extension/service/coordinationService';
import { spawn } from 'child_process';
import { REPO_ROOT, coordDir, fresh, getApi, waitFor } from './helpers';

/** `coord send` in its own process, without blocking this one (the event stream goes on meanwhile). */
function sendAsync(as: string, target: string, text: string): Promise<void> {
  const env = { ...process.env };
  delete env.CLAUDE_INSTANCE_ID;
  delete env.ELECTRON_RUN_AS_NODE;
  const node = process.env.COORD_NODE || (process.versions.electron ? 'node' : process.execPath);
  return new Promise((resolve, reject) => {
    const child = spawn(
      node,
      [path.join(REPO_ROOT, 'dist', 'cli.js'), '--dir', coordDir(), '--as', as, 'send', target, text],
      { env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`coord send failed (${code}): ${stderr}`))));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('watching the directory', () => {
  it('lock-directory churn alone re-reads nothing', async () => {
    const api = await getApi();
    const lock = path.join(coordDir(), 'data', '.coord.lock');
    // Open panels mark what they show as read (a write and a re-read of its own).
    for (const p of api.panels.all()) p.dispose();
    await sleep(800);
    const before = { ...api.service.watchStats };
    for (let i = 0; i < 10; i++) {
      fs.mkdirSync(lock);
      await sleep(30);
      const t = new Date();
      fs.utimesSync(lock, t, t);
      await sleep(30);
      fs.rmdirSync(lock);
      await sleep(30);
    }
    await waitFor('the watcher to report the lock events', () => api.service.watchStats.ignored > before.ignored, 5000);
    await sleep(300);
    assert.strictEqual(
      api.service.watchStats.refreshes,
      before.refreshes,
      `re-reads caused by ${api.service.watchStats.ignored - before.ignored} lock events`,
    );
  });

  it(`a steady stream of change events cannot postpone the re-read past the max wait (${REFRESH_MAX_WAIT_MS} ms)`, async () => {
    const api = await getApi();
    await sleep(200);
    const before = api.service.watchStats.refreshes;
    const started = Date.now();
    // An event every 10 ms, as a busy directory produces: a plain debounce would never fire.
    const stream = setInterval(() => api.service.scheduleRefresh(), 10);
    api.service.scheduleRefresh();
    try {
      await waitFor('a re-read while events keep coming', () => api.service.watchStats.refreshes > before, 3000, 5);
    } finally {
      clearInterval(stream);
    }
    const after = Date.now() - started;
    assert.ok(after <= REFRESH_MAX_WAIT_MS + 150, `first re-read ${after} ms after the first event`);
  });

  it('the status bar follows a coord send made while another tool keeps writing in the directory', async () => {
    const api = await getApi();
    for (const p of api.panels.all()) p.dispose();
    const counts = fresh().unreadCounts();
    await waitFor('status bar settled', () => api.statusBar.summary?.total === counts.total);
    const scratch = path.join(coordDir(), 'stream-test.txt');
    let n = 0;
    const stream = setInterval(() => fs.writeFileSync(scratch, String(n++)), 10);
    try {
      await sleep(300);
      await sendAsync('instance-3', '#general', 'written during a stream of events');
      const written = Date.now();
      await waitFor(
        'the status bar to count the message',
        () => api.statusBar.summary?.total === counts.total + 1,
        5000,
        10,
      );
      const latency = Date.now() - written;
      console.log(`      (status bar updated ${latency} ms after the write, ${n} stream writes so far)`);
      assert.ok(latency < 1500, `updated ${latency} ms after the write while events kept coming`);
    } finally {
      clearInterval(stream);
      fs.rmSync(scratch, { force: true });
    }
  });
});

describe('chatrooms tree updates', () => {
  it('gives every row a unique id that stays the same across reads', async () => {
    const api = await getApi();
    const ids = (): string[] =>
      api.tree
        .getChildren()
        .flatMap((g) => [g, ...api.tree.getChildren(g)])
        .map((n) => api.tree.getTreeItem(n).id ?? '');
    const first = ids();
    assert.ok(
      first.every((id) => id !== ''),
      `rows without an id: ${JSON.stringify(first)}`,
    );
    assert.strictEqual(new Set(first).size, first.length, `duplicate ids: ${JSON.stringify(first)}`);
    assert.deepStrictEqual(ids(), first);
    // The group nodes are the same objects, so a change can name one.
    assert.strictEqual(api.tree.getChildren()[0], api.tree.getChildren()[0]);
  });

  it('fires no change when what it shows did not change, and names only the group that did', async () => {
    const api = await getApi();
    for (const p of api.panels.all()) p.dispose();
    await sleep(600);
    type Fired = Array<Node | Node[] | undefined | void>;
    const fired: Fired = [];
    const sub = api.tree.onDidChangeTreeData((e) => fired.push(e));
    try {
      // My own message, written by another process: the directory changes, no row does.
      const version = api.service.coordination.version;
      await sendAsync('instance-1', '#general', 'my own note: no count changes');
      await waitFor('the extension to re-read', () => api.service.coordination.version !== version, 5000, 10);
      await sleep(300);
      assert.strictEqual(fired.length, 0, `tree changes after a write that changes no row: ${JSON.stringify(fired)}`);
      // Someone else's message: #general's count changes, only the Chatrooms group is refreshed.
      await sendAsync('instance-3', '#general', 'a new message for the tree');
      await waitFor('a tree change', () => fired.length > 0, 5000, 10);
      await sleep(300);
      const names = fired.map((e) =>
        Array.isArray(e) ? e.map((n) => `${n.kind}:${n.kind === 'group' ? n.group : ''}`).join(',') : String(e),
      );
      assert.deepStrictEqual(names, ['group:rooms'], 'what was refreshed');
    } finally {
      sub.dispose();
    }
  });
});
