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
import { ME, REPO_ROOT, core, getApi, restoreWorkspaceDirectory, sameDir, waitFor } from './helpers';
import { generateDirectory } from '../support/helpers';
import { LISTED_PER_KIND } from '../../src/extension/service/needsYouModel';
import { PAGE_SIZE } from '../../src/shared/protocol';

const config = () => vscode.workspace.getConfiguration('coordination');

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
    await restoreWorkspaceDirectory();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  /** The library's answer with the whole directory loaded (a fresh reader, not the extension's). */
  const full = () => core().openCoordination({ dir, instance: ME, env: {} });

  const statusText = (counts: { total: number; mentions: number }) =>
    `$(comment-discussion) ${counts.total}${counts.mentions > 0 ? ` $(mention) ${counts.mentions}` : ''}`;

  it('shows the status bar, the tree and Needs You from the summary, equal to a full load, without loading the directory', async () => {
    const api = await getApi();
    await config().update('directory', dir, vscode.ConfigurationTarget.Workspace);
    await waitFor('the large directory', () => api.service.state === 'ready' && sameDir(api.service.dir, dir), 60_000);
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
    const queue = full().needsYou();
    await waitFor('the Needs You queue', () => api.needsYou.model.total === queue.length && queue.length > 0, 30_000);
    // The newest of each kind are listed, and the rest counted: more are addressed to instance-1 than listed.
    const kinds = [...new Set(queue.map((e) => e.kind))];
    assert.deepStrictEqual(
      api.needsYou.model.entries.map((e) => e.key),
      kinds.flatMap((k) => queue.filter((e) => e.kind === k).slice(-LISTED_PER_KIND)).map((e) => e.key),
    );
    for (const k of kinds) assert.strictEqual(api.needsYou.model.totals[k], queue.filter((e) => e.kind === k).length);
    const direct = queue.filter((e) => e.kind === 'direct').length;
    assert.ok(direct > LISTED_PER_KIND, `more direct entries than listed: ${direct}`);
    // The view says so at the head of that kind, and its count is the whole queue's.
    const view = api.needsYou.view;
    const labels = view.getChildren().map((r) => String(view.getTreeItem(r).label));
    const head = labels.indexOf(`${(direct - LISTED_PER_KIND).toLocaleString('en-US')} older not listed`);
    assert.ok(head >= 0, `a row for the unlisted: ${labels.slice(0, 5).join(' | ')}`);
    assert.strictEqual(labels.length, api.needsYou.model.entries.length + kinds.filter((k) => k === 'direct').length);
    assert.strictEqual(view.view.description, String(queue.length));
    assert.match(api.needsYou.statusBar.item.text, new RegExp(`\\b${queue.length} need`));
    assert.strictEqual(api.service.coordination.storeLoaded, false, 'the extension loaded the whole directory');
  });

  it('notifies a new entry, not an older one that moved up into the list when a newer one was read', async () => {
    const api = await getApi();
    const model = api.needsYou.model;
    const listed = () => model.entries.filter((e) => e.kind === 'direct');
    const before = listed();
    const total = model.totals.direct;
    assert.strictEqual(before.length, LISTED_PER_KIND);
    coord(dir, '--as', ME, 'mark-read', String(before[before.length - 1].message!.number));
    await waitFor('the read entry to leave', () => model.totals.direct === total - 1, 30_000);
    const movedUp = listed()[0];
    assert.ok(!before.some((e) => e.key === movedUp.key), 'an older entry moved up into the list');
    const sent = JSON.parse(coord(dir, '--as', 'instance-4', 'send', `@${ME}`, 'a new one for you', '--json'));
    const newKey = `msg:${sent.number}`;
    const keys = () => api.needsYou.notifier.notices.flatMap((n) => (n.kind === 'single' ? [n.entry] : n.entries));
    await waitFor('the new entry notified', () => keys().some((e) => e.key === newKey), 60_000);
    assert.ok(!keys().some((e) => e.key === movedUp.key), 'the entry that moved up was not notified');
    assert.strictEqual(api.service.coordination.storeLoaded, false);
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

  it('a burst past what the summary holds appended is rebuilt by a child process while the counts follow', async () => {
    const api = await getApi();
    const index = path.join(dir, 'data', '.coord-search-index');
    const before = fs.statSync(index);
    // A Python-era writer appends more lines at once than the summary's delta holds (2,000).
    const burst = Array.from(
      { length: 2500 },
      (_, k) => `[2026-12-05 12:00:00] instance-3 -> #random: burst ${k} @instance-1\n`,
    ).join('');
    fs.appendFileSync(path.join(dir, 'data', 'messages.log'), burst);
    const want = full().unreadCounts();
    await waitFor('the status bar to count the burst', () => api.statusBar.item.text === statusText(want), 60_000);
    await waitFor(
      'a child process to rebuild the summary',
      () => api.service.rebuilder?.runs.some((r) => r.code === 0) ?? false,
      120_000,
    );
    assert.strictEqual(api.service.rebuilder?.runs.length, 1, JSON.stringify(api.service.rebuilder?.runs));
    const after = fs.statSync(index);
    assert.ok(after.ino !== before.ino || after.mtimeMs !== before.mtimeMs, 'the summary file was rewritten');
    assert.strictEqual(api.service.coordination.storeLoaded, false);
  });

  it('opens a room, marks what it shows read, and still has not loaded the directory', async () => {
    const api = await getApi();
    const before = full().unreadCounts().byTarget['#general'] ?? 0;
    assert.ok(before > 0);
    const room = full().checkChatroom('general');
    const unreadBefore = new Set(
      full()
        .checkUnread({ room: 'general' })
        .map((m) => m.number),
    );
    await vscode.commands.executeCommand('coordination.openChatroom', { target: '#general' });
    const panel = api.panels.get('#general');
    assert.ok(panel, 'a panel for #general');
    // The first page is the room's last messages, read as the last page alone, with their unread marks.
    const first = panel.posted.find((p) => p.type === 'messages');
    assert.ok(first && first.type === 'messages');
    assert.strictEqual(first.total, room.length);
    assert.ok(room.length > PAGE_SIZE && first.hasEarlier);
    assert.deepStrictEqual(
      first.messages.map((m) => [m.number, m.text, m.unread]),
      room.slice(-PAGE_SIZE).map((m) => [m.number, m.text, unreadBefore.has(m.number)]),
    );
    assert.ok(first.messages.some((m) => m.unread) && first.messages.some((m) => !m.unread), 'both read and unread');
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
    // Earlier pages on demand: the page before it, then the newest as they were.
    await panel.handle({ type: 'loadEarlier' });
    const two = [...panel.posted].reverse().find((p) => p.type === 'messages');
    assert.ok(two && two.type === 'messages');
    assert.deepStrictEqual(
      two.messages.map((m) => m.number),
      room.slice(-2 * PAGE_SIZE).map((m) => m.number),
    );
    assert.strictEqual(api.service.coordination.storeLoaded, false, 'the extension loaded the whole directory');
  });

  it('acknowledges from the panel without loading the directory', async () => {
    const api = await getApi();
    const panel = api.panels.get('#general')!;
    const asked = JSON.parse(
      coord(dir, '--as', 'instance-3', 'send', '#general', `@${ME} confirm the freeze`, '--ack', '--json'),
    );
    const owed = () =>
      full()
        .acks({ pendingOnly: true })
        .owe.some((e) => e.status.message.number === asked.number);
    assert.ok(owed(), 'instance-1 owes the ack');
    await waitFor(
      'the ask in the panel',
      () => panel.posted.some((p) => p.type === 'messages' && p.messages.some((m) => m.number === asked.number)),
      30_000,
    );
    await panel.handle({ type: 'ack', ref: asked.number });
    assert.ok(!owed(), 'acknowledged');
    assert.strictEqual(api.service.coordination.storeLoaded, false, 'the extension loaded the whole directory');
  });
});

describe('a large directory without a summary', function () {
  this.timeout(180_000);
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'coord-unindexed-'));
  const dir = path.join(outside, 'coordination');
  const index = path.join(dir, 'data', '.coord-search-index');

  before(async () => {
    // Written by the older tools alone: no coord command has read it, so it has no summary.
    await generateDirectory(dir, 20_000, 5);
    assert.ok(!fs.existsSync(index), 'the generated directory has no summary');
  });

  after(async () => {
    await restoreWorkspaceDirectory();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('is indexed by a child process before its counts show, not in the extension host', async () => {
    const api = await getApi();
    const indexingShown: string[] = [];
    const seen = api.service.onDidChange(() => {
      if (api.treeView.message) indexingShown.push(api.treeView.message);
    });
    try {
      await config().update('directory', dir, vscode.ConfigurationTarget.Workspace);
      await waitFor(
        'the unindexed directory',
        () => api.service.state === 'ready' && sameDir(api.service.dir, dir),
        90_000,
      );
    } finally {
      seen.dispose();
    }
    assert.match(indexingShown[0] ?? '', /^Indexing the coordination directory/, 'the Chatrooms view said it indexed');
    // The state turns ready before the views hear of it: the message goes with that change.
    await waitFor('the Chatrooms view to stop saying it is indexing', () => api.treeView.message === undefined, 10_000);
    const runs = api.service.rebuilder?.runs ?? [];
    assert.strictEqual(runs.length, 1, `one build in a child process: ${JSON.stringify(runs)}`);
    assert.strictEqual(runs[0].code, 0, JSON.stringify(runs[0]));
    assert.ok(fs.existsSync(index), 'the child process wrote the summary');
    const want = core().openCoordination({ dir, instance: ME, env: {} }).unreadCounts();
    await waitFor(
      'the status bar counts',
      () =>
        api.statusBar.item.text ===
        `$(comment-discussion) ${want.total}${want.mentions > 0 ? ` $(mention) ${want.mentions}` : ''}`,
      30_000,
    );
    assert.strictEqual(api.service.coordination.storeLoaded, false, 'the extension loaded the whole directory');
  });
});
