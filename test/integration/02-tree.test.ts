import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Node } from '../../src/extension/views/chatroomsTree';
import { ME, fresh, getApi } from './helpers';

function label(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

describe('chatrooms tree', () => {
  it('has Chatrooms, Direct messages and Instances', async () => {
    const api = await getApi();
    const roots = api.tree.getChildren();
    assert.deepStrictEqual(
      roots.map((n) => label(api.tree.getTreeItem(n))),
      ['Chatrooms', 'Direct messages', 'Instances'],
    );
    for (const r of roots)
      assert.strictEqual(api.tree.getTreeItem(r).collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
  });

  it('lists open rooms first, closed ones after with their reason, each with its unread count', async () => {
    const api = await getApi();
    const [rooms] = api.tree.getChildren();
    const nodes = api.tree.getChildren(rooms).filter((n): n is Extract<Node, { kind: 'room' }> => n.kind === 'room');
    const expected = fresh().listChatrooms();
    assert.strictEqual(nodes.length, expected.length);
    const statuses = nodes.map((n) => n.room.status);
    assert.ok(statuses.indexOf('closed') > 0, 'there are closed rooms after open ones');
    assert.ok(
      statuses.slice(statuses.indexOf('closed')).every((s) => s === 'closed'),
      'open rooms come first',
    );
    const counts = fresh().unreadCounts().byTarget;
    for (const n of nodes) {
      const item = api.tree.getTreeItem(n);
      assert.strictEqual(label(item), `#${n.room.name}`);
      if (n.room.status === 'closed') {
        assert.strictEqual(item.contextValue, 'room.closed');
        assert.match(String(item.description), /^closed/);
        if (n.room.reason) assert.ok(String(item.description).includes(n.room.reason));
      } else {
        assert.strictEqual(item.contextValue, 'room.open');
        const unread = counts[`#${n.room.name}`] ?? 0;
        assert.strictEqual(n.unread, unread, `#${n.room.name} unread`);
        if (unread > 0) assert.strictEqual(item.description, `${unread} unread`);
      }
      // No arguments: VS Code forgets a row command's arguments when the row refreshes (issue 15).
      assert.strictEqual(item.command?.command, 'coordination.openRow');
      assert.strictEqual(item.command?.arguments, undefined);
    }
    const closed = nodes.find((n) => n.room.status === 'closed')!;
    const deco = await (api.tree as unknown as vscode.FileDecorationProvider).provideFileDecoration(
      api.tree.getTreeItem(closed).resourceUri!,
      new vscode.CancellationTokenSource().token,
    );
    assert.ok(deco?.color, 'closed rooms are dimmed');
  });

  it('lists direct-message conversations with unread counts', async () => {
    const api = await getApi();
    const dms = api.tree.getChildren(api.tree.getChildren()[1]);
    const expected = fresh().conversations();
    assert.deepStrictEqual(
      dms.map((n) => (n.kind === 'dm' ? [n.peer, n.unread] : null)),
      expected.map((c) => [c.peer, c.unread]),
    );
  });

  it('lists instances with their status, when it was updated, and idle when old', async () => {
    const api = await getApi();
    const nodes = api.tree.getChildren(api.tree.getChildren()[2]);
    const statuses = fresh().statuses();
    const ids = nodes.map((n) => (n.kind === 'instance' ? n.id : ''));
    for (const id of Object.keys(statuses)) assert.ok(ids.includes(id), `${id} listed`);
    const two = nodes.find((n) => n.kind === 'instance' && n.id === 'instance-2')!;
    const item = api.tree.getTreeItem(two);
    assert.ok(String(item.description).includes(statuses['instance-2'].text.slice(0, 30)));
    assert.match(String(item.description), /^idle · .* ago$/, 'a 2025 status is idle');
    const self = nodes.find((n) => n.kind === 'instance' && n.id === ME)!;
    assert.strictEqual(label(api.tree.getTreeItem(self)), `${ME} (you)`);
    // Whatever the age of its status, the user of this window is here.
    assert.doesNotMatch(String(api.tree.getTreeItem(self).description), /^idle/, 'you are never idle');
  });

  it('shows the total unread count as the view badge', async () => {
    const api = await getApi();
    assert.strictEqual(api.treeView.badge?.value, fresh().unreadCounts().total);
  });
});
