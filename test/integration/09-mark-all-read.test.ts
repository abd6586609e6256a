import * as assert from 'assert';
import * as vscode from 'vscode';
import { fresh, getApi, waitFor } from './helpers';

describe('mark all read', () => {
  it('Mark All Read clears every unread message and the status bar shows 0', async () => {
    const api = await getApi();
    assert.ok(fresh().checkUnread().length > 0);
    await vscode.commands.executeCommand('coordination.markAllRead', {});
    assert.strictEqual(fresh().checkUnread().length, 0);
    await waitFor('status bar 0', () => api.statusBar.item.text === '$(comment-discussion) 0');
    assert.strictEqual(api.treeView.badge, undefined);
  });
});
