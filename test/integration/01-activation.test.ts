import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, ME, coordDir, fresh, getApi, waitFor } from './helpers';
import { activeAtTestStart } from './index';

describe('activation', () => {
  it('activates by itself on a workspace that holds coordination/', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'extension is installed');
    await waitFor('activation', () => ext.isActive, 20_000);
  });

  it('is activated by workspaceContains (before the tests start), not only by onStartupFinished', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const events: string[] = ext.packageJSON.activationEvents;
    for (const sub of ['data', 'chatrooms', 'inboxes']) {
      assert.ok(events.includes(`workspaceContains:coordination/${sub}`), `workspaceContains:coordination/${sub}`);
      assert.ok(fs.existsSync(`${coordDir()}/${sub}`), `the test workspace has coordination/${sub}`);
    }
    // VS Code awaits workspaceContains activations before it runs extension tests; onStartupFinished comes later.
    assert.strictEqual(activeAtTestStart.value, true, 'active when the test run started');
  });

  it('returns from activate() quickly and loads the directory afterwards', async () => {
    const api = await getApi();
    assert.ok(api.activationMs < 100, `activate() took ${api.activationMs} ms`);
    assert.strictEqual(api.service.state, 'ready');
    assert.strictEqual(api.service.dir && fs.realpathSync(api.service.dir), fs.realpathSync(coordDir()));
  });

  it('takes the identity from coordination.instanceId', async () => {
    const api = await getApi();
    assert.strictEqual(vscode.workspace.getConfiguration('coordination').get('instanceId'), ME);
    assert.strictEqual(api.service.identity, ME);
  });

  it('shows unread and mention counts of the identity in the status bar', async () => {
    const api = await getApi();
    const counts = fresh().unreadCounts();
    assert.ok(counts.total > 0 && counts.mentions > 0, 'the sample has unread mentions for instance-1');
    await waitFor(
      'status bar text',
      () => api.statusBar.item.text === `$(comment-discussion) ${counts.total} $(mention) ${counts.mentions}`,
      5000,
    );
    assert.strictEqual(api.statusBar.item.command, 'coordination.openMostUrgent');
    const tip = api.statusBar.item.tooltip as vscode.MarkdownString;
    for (const [target, n] of Object.entries(counts.byTarget))
      assert.ok(tip.value.includes(`\`${target}\`: ${n}`), `tooltip lists ${target}: ${n}`);
  });

  it('registers every command it contributes', async () => {
    const api = await getApi();
    assert.ok(api);
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed: Array<{ command: string; category: string }> = ext.packageJSON.contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c.command)).map((c) => c.command);
    assert.deepStrictEqual(missing, []);
    assert.ok(contributed.every((c) => c.category === 'Coordination'));
    const titles = contributed.map((c) => (c as unknown as { title: string }).title);
    for (const t of [
      'Send Message',
      'Reply to Message',
      'Direct Message an Instance',
      'Search Messages',
      'Create Chatroom',
      'Close Chatroom',
      'Reopen Chatroom',
      'List Chatrooms',
      'Open Chatroom',
      'Check Notifications',
      'Show Unread',
      'Mark Messages Read',
      'Mark All Read',
      'Update My Status',
      'System Status',
      'System Summary',
      'Set Identity',
      'Initialize Directory',
      'Show Action Log',
    ]) {
      assert.ok(titles.includes(t), `palette has "Coordination: ${t}"`);
    }
  });
});
