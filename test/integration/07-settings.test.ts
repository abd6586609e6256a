/**
 * The two settings as the README documents them, changed the way a person
 * changes them (the workspace's settings.json): `coordination.directory`
 * (relative to the workspace folder, absolute, or naming nothing: the view's
 * welcome content) and `coordination.instanceId` (empty: $CLAUDE_INSTANCE_ID,
 * else asked once and the answer remembered).
 *
 * "The first workspace folder that has it" is in the browser e2e
 * (08-multi-root.spec.mjs): adding a folder to this single-folder window
 * would restart the extension host under the running tests.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { IDENTITY_STATE_KEY } from '../../src/extension/service/coordinationService';
import { ME, coordDir, core, getApi, restoreWorkspaceDirectory, sameDir, waitFor, workspaceDir } from './helpers';

const config = () => vscode.workspace.getConfiguration('coordination');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A coordination directory holding one room that only it has. */
async function directoryWithRoom(dir: string, room: string): Promise<void> {
  core().initCoordination(dir, { instance: 'instance-5', env: {} });
  await core().openCoordination({ dir, instance: 'instance-5', env: {} }).createChatroom(room, 'only here');
}

async function roomNames(): Promise<string[]> {
  const api = await getApi();
  const groups = api.tree.getChildren();
  if (groups.length === 0) return [];
  return api.tree.getChildren(groups[0]).flatMap((n) => (n.kind === 'room' ? [n.room.name] : []));
}

describe('setting: coordination.directory', function () {
  this.timeout(60_000);
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'coord-abs-'));

  after(async () => {
    await restoreWorkspaceDirectory();
    fs.rmSync(outside, { recursive: true, force: true });
    fs.rmSync(path.join(workspaceDir(), 'nested'), { recursive: true, force: true });
  });

  it('a relative path is taken inside the workspace folder', async () => {
    const api = await getApi();
    const rel = path.join('nested', 'team-coordination');
    await directoryWithRoom(path.join(workspaceDir(), rel), 'relative-only');
    await config().update('directory', rel, vscode.ConfigurationTarget.Workspace);
    await waitFor(
      'the relative directory',
      () => api.service.state === 'ready' && sameDir(api.service.dir, path.join(workspaceDir(), rel)),
    );
    assert.ok((await roomNames()).includes('relative-only'), `rooms: ${await roomNames()}`);
  });

  it('an absolute path is used as it is', async () => {
    const api = await getApi();
    const abs = path.join(outside, 'coordination');
    await directoryWithRoom(abs, 'absolute-only');
    await config().update('directory', abs, vscode.ConfigurationTarget.Workspace);
    await waitFor('the absolute directory', () => api.service.state === 'ready' && sameDir(api.service.dir, abs));
    const rooms = await roomNames();
    assert.ok(rooms.includes('absolute-only') && !rooms.includes('relative-only'), `rooms: ${rooms}`);
  });

  it('a path with no directory there: no tree rows (the welcome content shows) and commands say how to fix it', async () => {
    const api = await getApi();
    await config().update('directory', 'nowhere-here', vscode.ConfigurationTarget.Workspace);
    await waitFor('no directory', () => api.service.state === 'no-directory');
    assert.deepStrictEqual(api.tree.getChildren(), []);
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('coordination.listChatrooms', {})),
      /no coordination directory in this workspace \(looked for 'nowhere-here'\); run "Coordination: Initialize Directory"/,
    );
  });
});

describe('setting: coordination.instanceId', function () {
  this.timeout(60_000);
  // The service's session state: what it remembered for this workspace and whether it asked already.
  const session = async () =>
    (await getApi()).service as unknown as { context: vscode.ExtensionContext; askedForIdentity: boolean };

  after(async () => {
    const api = await getApi();
    delete process.env.CLAUDE_INSTANCE_ID;
    await (await session()).context.workspaceState.update(IDENTITY_STATE_KEY, ME);
    await config().update('instanceId', ME, vscode.ConfigurationTarget.Workspace);
    await waitFor(`identity ${ME} again`, () => api.service.identity === ME && api.service.state === 'ready');
  });

  it('empty: $CLAUDE_INSTANCE_ID is who you are (before an identity remembered earlier)', async () => {
    const api = await getApi();
    await (await session()).context.workspaceState.update(IDENTITY_STATE_KEY, 'instance-2');
    process.env.CLAUDE_INSTANCE_ID = 'instance-3';
    await config().update('instanceId', '', vscode.ConfigurationTarget.Workspace);
    await waitFor('identity from $CLAUDE_INSTANCE_ID', () => api.service.identity === 'instance-3', 10_000);
  });

  it('empty and no $CLAUDE_INSTANCE_ID: asked once, and the answer is remembered for the workspace', async () => {
    const api = await getApi();
    const s = await session();
    delete process.env.CLAUDE_INSTANCE_ID;
    await s.context.workspaceState.update(IDENTITY_STATE_KEY, undefined);
    s.askedForIdentity = false; // as in a new window
    await api.service.load();
    assert.strictEqual(api.service.identity, null);
    await waitFor('the question', () => s.askedForIdentity);
    // The question is a quick pick of the known instances: accept the first one, as Enter would.
    await sleep(1000);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const chosen = (await waitFor('an identity from the answer', () => api.service.identity, 10_000)) as string;
    assert.ok(core().openCoordination({ dir: coordDir(), env: {} }).knownInstances().includes(chosen));
    assert.strictEqual(s.context.workspaceState.get(IDENTITY_STATE_KEY), chosen, 'remembered for the workspace');
    // A later load (a new window) takes the remembered answer without asking.
    s.askedForIdentity = false;
    await api.service.load();
    assert.strictEqual(api.service.identity, chosen);
    assert.strictEqual(s.askedForIdentity, false, 'not asked again');
  });
});
