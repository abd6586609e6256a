import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Node } from '../../src/extension/views/chatroomsTree';
import { coordDir, getApi, waitFor, workspaceDir } from './helpers';

type InstanceNode = Extract<Node, { kind: 'instance' }>;

async function instanceNode(id: string): Promise<InstanceNode> {
  const api = await getApi();
  const nodes = api.tree.getChildren(api.tree.getChildren()[2]);
  const node = nodes.find((n): n is InstanceNode => n.kind === 'instance' && n.id === id);
  if (!node) throw new Error(`${id} is not in the tree`);
  return node;
}

describe('agents: terminals, liveness, connecting', () => {
  it('Open Agent Terminal gives a terminal with the identity and directory, and marks the instance live', async () => {
    const api = await getApi();
    const idle = api.tree
      .getChildren(api.tree.getChildren()[2])
      .find((n): n is InstanceNode => n.kind === 'instance' && !n.live && !n.self);
    assert.ok(idle, 'an instance with no recent activity');
    assert.match(String(api.tree.getTreeItem(idle).description), /^idle · /);

    const terminal = (await vscode.commands.executeCommand('coordination.openAgentTerminal', idle)) as vscode.Terminal;
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'coord-term-')), 'env.txt');
    terminal.sendText(`printf '%s|%s' "$CLAUDE_INSTANCE_ID" "$COORDINATION_DIR" > '${out}'`);
    const seen = await waitFor('the terminal to run', () => fs.existsSync(out) && fs.readFileSync(out, 'utf8'), 20_000);
    assert.strictEqual(seen, `${idle.id}|${coordDir()}`);

    const live = await waitFor('the instance to show live', async () => {
      const n = await instanceNode(idle.id);
      return n.live && n.terminal ? n : undefined;
    });
    const item = api.tree.getTreeItem(live);
    assert.doesNotMatch(String(item.description), /^idle/);
    assert.match(String(item.tooltip), /Agent terminal open/);

    terminal.dispose();
    await waitFor('the instance to go idle again', async () => !(await instanceNode(idle.id)).live);
  });

  it('Connect an Agent writes the MCP entry and hooks through the core setup', async () => {
    const root = workspaceDir();
    const files = ['.mcp.json', path.join('.claude', 'settings.json')].map((f) => path.join(root, f));
    try {
      await vscode.commands.executeCommand('coordination.connectAgent', { agent: 'claude', instance: 'instance-7' });
      const mcp = JSON.parse(fs.readFileSync(files[0], 'utf8'));
      assert.strictEqual(mcp.mcpServers.coord.env.CLAUDE_INSTANCE_ID, 'instance-7');
      assert.deepStrictEqual(mcp.mcpServers.coord.args.slice(-1), ['mcp']);
      const settings = JSON.parse(fs.readFileSync(files[1], 'utf8'));
      assert.match(settings.hooks.Stop[0].hooks[0].command, / --as instance-7 hook Stop --agent claude$/);
    } finally {
      for (const f of files) fs.rmSync(f, { force: true });
      fs.rmSync(path.join(root, '.claude'), { recursive: true, force: true });
    }
  });
});
