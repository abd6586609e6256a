/**
 * The extension against a NATS server (setting coordination.server): the
 * tree, the thread panel and the status bar follow a message another process
 * sends through `coord --server` within a second. The setting is cleared
 * afterwards, so the later suites see the directory again.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import type { HostToWebview } from '../../src/shared/protocol';
import { NatsServer, startServer } from '../nats/natsServer';
import { REPO_ROOT, getApi, waitFor } from './helpers';

function coordOnServer(server: NatsServer, as: string, args: string[]): void {
  const node = process.env.COORD_NODE || (process.versions.electron ? 'node' : process.execPath);
  const env = { ...process.env };
  delete env.CLAUDE_INSTANCE_ID;
  delete env.ELECTRON_RUN_AS_NODE;
  const r = spawnSync(node, [path.join(REPO_ROOT, 'dist', 'cli.js'), '--server', server.url, '--as', as, ...args], {
    encoding: 'utf8',
    env,
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`coord ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error}`);
}

describe('the extension on a NATS server (coordination.server)', () => {
  let server: NatsServer;

  before(async function () {
    this.timeout(60_000);
    const api = await getApi();
    server = await startServer();
    coordOnServer(server, 'instance-3', ['update-status', 'on the server']);
    coordOnServer(server, 'instance-3', ['send', 'general', 'first message on the server']);
    await vscode.workspace
      .getConfiguration('coordination')
      .update('server', server.url, vscode.ConfigurationTarget.Workspace);
    await waitFor(
      'the service on the NATS backend',
      () => api.service.loaded && api.service.coordination.backend === 'nats' && api.service.state === 'ready',
      20_000,
    );
    for (const p of api.panels.all()) p.dispose();
  });

  after(async function () {
    this.timeout(60_000);
    const api = await getApi();
    for (const p of api.panels.all()) p.dispose();
    await vscode.workspace
      .getConfiguration('coordination')
      .update('server', undefined, vscode.ConfigurationTarget.Workspace);
    await waitFor(
      'the service back on the directory',
      () => api.service.loaded && api.service.coordination.backend === 'directory',
      20_000,
    );
    await server.stop();
  });

  it('the status bar and the tree follow a message from another process within a second', async () => {
    const api = await getApi();
    await waitFor('status bar on the server state', () => api.statusBar.item.text === '$(comment-discussion) 1');
    const rooms = () => api.tree.getChildren(api.tree.getChildren()[0]);
    assert.ok(rooms().some((n) => n.kind === 'room' && n.room.name === 'general' && n.unread === 1));
    const written = Date.now();
    coordOnServer(server, 'instance-3', ['send', 'general', 'hi @instance-1 over NATS']);
    const sent = Date.now();
    await waitFor(
      'status bar 2 unread, 1 mention',
      () => api.statusBar.item.text === '$(comment-discussion) 2 $(mention) 1',
      5000,
      10,
    );
    const latency = Date.now() - sent;
    console.log(`      (coord ran ${sent - written} ms; status bar updated ${latency} ms after it returned)`);
    assert.ok(latency < 1000, `updated ${latency} ms after the send`);
    const general = rooms().find((n) => n.kind === 'room' && n.room.name === 'general');
    assert.ok(general && general.kind === 'room' && general.unread === 2, 'the tree counts 2 unread in #general');
    assert.strictEqual(api.treeView.badge?.value, 2);
  });

  it('an open thread panel shows a message from another process within a second', async () => {
    const api = await getApi();
    await vscode.commands.executeCommand('coordination.openChatroom', { target: '#general' });
    const panel = api.panels.get('#general');
    assert.ok(panel);
    const shows = (text: string) =>
      panel.posted.some(
        (p: HostToWebview) => p.type === 'messages' && p.messages.some((m: { text: string }) => m.text === text),
      );
    await waitFor('the panel shows the room', () => shows('hi @instance-1 over NATS'), 10_000);
    coordOnServer(server, 'instance-3', ['send', 'general', 'live into the open panel']);
    const sent = Date.now();
    await waitFor('the panel shows the new message', () => shows('live into the open panel'), 5000, 10);
    const latency = Date.now() - sent;
    assert.ok(latency < 1000, `the panel showed it ${latency} ms after the send`);
    // The extension's own write goes to the server too.
    await vscode.commands.executeCommand('coordination.markAllRead', {});
    await waitFor('status bar 0', () => api.statusBar.item.text === '$(comment-discussion) 0');
  });

  it("claims are the server's: one from another process shows within a second; the extension's go to the server", async () => {
    const api = await getApi();
    const patterns = () => api.claims.model.claims().map((c) => `${c.instance} ${c.pattern}`);
    coordOnServer(server, 'instance-3', ['claim', 'shared/api.ts', '--exclusive']);
    const sent = Date.now();
    await waitFor('the claim from the server', () => patterns().includes('instance-3 shared/api.ts'), 5000, 10);
    const latency = Date.now() - sent;
    assert.ok(latency < 1000, `the claims model had it ${latency} ms after coord returned`);
    await vscode.commands.executeCommand('coordination.claimFiles', {
      paths: ['shared/docs.md'],
      exclusive: false,
      ttl: '30m',
      reason: '',
    });
    const listed = spawnSync(
      process.env.COORD_NODE || (process.versions.electron ? 'node' : process.execPath),
      [path.join(REPO_ROOT, 'dist', 'cli.js'), '--server', server.url, '--json', 'claims'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const onServer = JSON.parse(listed.stdout) as Array<{ instance: string; pattern: string }>;
    assert.deepStrictEqual(
      onServer.map((c) => `${c.instance} ${c.pattern}`),
      ['instance-3 shared/api.ts', `${api.service.identity} shared/docs.md`],
    );
  });
});
