/**
 * On a large directory the extension shows its counts from the directory's
 * summary (data/.coord-search-index, kept by agents' `coord` reads) without
 * loading the directory: the status bar, the tree's rooms and direct
 * messages and the Needs You queue equal what a full load of the library
 * computes, a write by another process moves them, and opening a room (its
 * messages, unread marks, acks) still loads nothing. A generated directory
 * of 20k messages stands in for a million (bench/run.mjs --extension-scale).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { ME, REPO_ROOT, coordDir, core, getApi, waitFor } from './helpers';
import { generateDirectory } from '../support/helpers';

const config = () => vscode.workspace.getConfiguration('coordination');
const same = (a: string | null, b: string) => a !== null && fs.realpathSync(a) === fs.realpathSync(b);

/** `coord` in its own process, as an agent runs it. */
function coord(dir: string, ...args: string[]): string {
  const env = { ...process.env };
  delete env.CLAUDE_INSTANCE_ID;
  delete env.ELECTRON_RUN_AS_NODE;
  const node = process.versions.electron ? 'node' : process.execPath;
  const r = spawnSync(node, [path.join(REPO_ROOT, 'dist', 'cli.js'), '--dir', dir, ...args], {
    encoding: 'utf8',
    env,
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`coord ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

describe('counts from the summary on a large directory', function () {
  this.timeout(180_000);
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'coord-large-'));
  const dir = path.join(outside, 'coordination');

  before(async () => {
    await generateDirectory(dir, 20_000, 3);
    // An agent's first read writes the summary.
    coord(dir, '--as', 'instance-2', 'list-chatrooms');
    assert.ok(fs.existsSync(path.join(dir, 'data', '.coord-search-index')), 'coord wrote the summary');
  });

  after(async () => {
    const api = await getApi();
    api.panels.get('#general')?.panel.dispose();
    await config().update('directory', undefined, vscode.ConfigurationTarget.Workspace);
    await waitFor(
      'the workspace directory again',
      () => api.service.state === 'ready' && same(api.service.dir, coordDir()),
    );
    fs.rmSync(outside, { recursive: true, force: true });
  });

  /** The library's answer with the whole directory loaded (a fresh reader, not the extension's). */
  const full = () => core().openCoordination({ dir, instance: ME, env: {} });

  const statusText = (counts: { total: number; mentions: number }) =>
    `$(comment-discussion) ${counts.total}${counts.mentions > 0 ? ` $(mention) ${counts.mentions}` : ''}`;

  it('shows the status bar, the tree and Needs You from the summary, equal to a full load, without loading the directory', async () => {
    const api = await getApi();
    await config().update('directory', dir, vscode.ConfigurationTarget.Workspace);
    await waitFor('the large directory', () => api.service.state === 'ready' && same(api.service.dir, dir), 60_000);
    const want = full().unreadCounts();
    assert.ok(want.total > 1000 && want.mentions > 0, `a directory with unread messages: ${JSON.stringify(want)}`);
    await waitFor('the status bar counts', () => api.statusBar.item.text === statusText(want), 30_000);

    const [rooms, dms] = api.tree.getChildren();
    const roomRows = api.tree.getChildren(rooms).flatMap((n) => (n.kind === 'room' ? [n] : []));
    assert.ok(roomRows.length >= 5, `rooms: ${roomRows.length}`);
    for (const row of roomRows) assert.strictEqual(row.unread, want.byTarget[`#${row.room.name}`] ?? 0, row.room.name);
    const dmRows = api.tree.getChildren(dms).flatMap((n) => (n.kind === 'dm' ? [n] : []));
    assert.deepStrictEqual(
      dmRows.map((n) => [n.peer, n.messages, n.unread]),
      full()
        .conversations()
        .map((c) => [c.peer, c.messages, c.unread]),
    );
    assert.ok(
      dmRows.some((n) => n.unread > 0),
      'some conversation has unread messages',
    );
    await waitFor(
      'the Needs You queue',
      () => api.needsYou.model.entries.length === full().needsYou().length && api.needsYou.model.entries.length > 0,
      30_000,
    );
    assert.deepStrictEqual(
      api.needsYou.model.entries.map((e) => e.key),
      full()
        .needsYou()
        .map((e) => e.key),
    );
    assert.strictEqual(api.service.coordination.storeLoaded, false, 'the extension loaded the whole directory');
  });

  it('follows a write by another process, still from the summary', async () => {
    const api = await getApi();
    coord(dir, '--as', 'instance-3', 'send', '#general', '@instance-1 a question from another process?');
    const want = full().unreadCounts();
    await waitFor(
      'the status bar to count the new message',
      () => api.statusBar.item.text === statusText(want),
      30_000,
    );
    assert.strictEqual(api.service.coordination.storeLoaded, false);
  });

  it('opens a room, marks what it shows read, and still has not loaded the directory', async () => {
    const api = await getApi();
    const before = full().unreadCounts().byTarget['#general'] ?? 0;
    assert.ok(before > 0);
    await vscode.commands.executeCommand('coordination.openChatroom', { target: '#general' });
    const panel = api.panels.get('#general');
    assert.ok(panel, 'a panel for #general');
    await waitFor('the room rendered', () => panel.received.some((m) => m.type === 'rendered'), 60_000);
    await waitFor(
      'the shown messages marked read',
      () => (full().unreadCounts().byTarget['#general'] ?? 0) < before,
      60_000,
    );
    await waitFor(
      'the status bar to follow',
      () => api.statusBar.item.text === statusText(full().unreadCounts()),
      30_000,
    );
    assert.strictEqual(api.service.coordination.storeLoaded, false, 'the extension loaded the whole directory');
  });
});
