/** The extension following writes made by other processes: the status bar, the tree, the view badge. */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { ME, fresh, getApi, waitFor, writeAsOtherProcess } from './helpers';

describe('live updates from other processes', () => {
  it('the status bar and the tree follow a write by a separate coord process within a second', async () => {
    const api = await getApi();
    // Open panels mark what they show as read; none may run while counting.
    for (const p of api.panels.all()) p.dispose();
    const before = fresh().unreadCounts();
    await waitFor(
      'status bar settled',
      () => api.statusBar.item.text === `$(comment-discussion) ${before.total} $(mention) ${before.mentions}`,
    );
    const started = Date.now();
    const { via } = writeAsOtherProcess('instance-3', '#general', 'hi @instance-1');
    const written = Date.now();
    const expected = `$(comment-discussion) ${before.total + 1} $(mention) ${before.mentions + 1}`;
    await waitFor(`status bar "${expected}"`, () => api.statusBar.item.text === expected, 5000, 10);
    const latency = Date.now() - written;
    console.log(`      (written via ${via} in ${written - started} ms; status bar updated ${latency} ms later)`);
    assert.ok(latency < 1500, `updated ${latency} ms after the write`);
    const rooms = api.tree.getChildren(api.tree.getChildren()[0]);
    const general = rooms.find((n) => n.kind === 'room' && n.room.name === 'general');
    assert.ok(general && general.kind === 'room' && general.unread === (before.byTarget['#general'] ?? 0) + 1);
    assert.strictEqual(api.treeView.badge?.value, before.total + 1);
    const tip = api.statusBar.item.tooltip as vscode.MarkdownString;
    assert.ok(tip.value.includes('`#general`'), 'tooltip names #general');
  });

  it('clicking the status bar opens the most urgent room (mentions first)', async () => {
    const api = await getApi();
    const target = await vscode.commands.executeCommand<string>('coordination.openMostUrgent');
    const mentions = fresh().checkNotifications().mentions;
    const per = new Map<string, number>();
    for (const m of mentions) {
      const key = m.target.startsWith('#') ? m.target : `@${m.from === ME ? m.target.slice(1) : m.from}`;
      per.set(key, (per.get(key) ?? 0) + 1);
    }
    const most = Math.max(...per.values());
    assert.strictEqual(per.get(target), most, `${target} has the most mentions`);
    assert.ok(api.panels.get(target));
  });
});
