/** Helpers for the integration suite (runs inside VS Code's extension host). */
import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CoordinationApi } from '../../src/extension/extension';
import type * as Core from '../../src/core';

export const EXTENSION_ID = 'agent-coordination.agent-coordination';
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const ME = 'instance-1';

/** The built library, loaded the way other processes load it. */
export function core(): typeof Core {
  return require(path.join(REPO_ROOT, 'dist', 'core.js'));
}

export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the integration tests need a workspace folder');
  return folder.uri.fsPath;
}

export function coordDir(): string {
  return path.join(workspaceDir(), 'coordination');
}

/** A fresh reader of the directory on disk (not the extension's). */
export function fresh(instance = ME): Core.Coordination {
  return core().openCoordination({ dir: coordDir(), instance, env: {} });
}

let api: CoordinationApi | undefined;
export async function getApi(): Promise<CoordinationApi> {
  if (api) return api;
  const ext = vscode.extensions.getExtension<CoordinationApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  api = ext.isActive ? ext.exports : await ext.activate();
  await api.whenLoaded();
  return api;
}

export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Writes like another agent would: the real `coord` CLI in its own process, else the library in a child node. */
export function writeAsOtherProcess(as: string, target: string, text: string): { via: string; stdout: string } {
  const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
  const env = { ...process.env };
  delete env.CLAUDE_INSTANCE_ID;
  delete env.ELECTRON_RUN_AS_NODE;
  const node = process.env.COORD_NODE || findNode();
  if (fs.existsSync(cli)) {
    const r = spawnSync(node, [cli, '--dir', coordDir(), '--as', as, 'send', target, text], {
      encoding: 'utf8',
      env,
      timeout: 30_000,
    });
    if (r.status !== 0) throw new Error(`coord send failed (${r.status}): ${r.stderr || r.error}`);
    return { via: 'cli', stdout: r.stdout };
  }
  const script = `require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'core.js'))}).openCoordination({dir:${JSON.stringify(coordDir())},instance:${JSON.stringify(as)},env:{}}).send(${JSON.stringify(target)},${JSON.stringify(text)}).then(m=>console.log(JSON.stringify(m)))`;
  const r = spawnSync(node, ['-e', script], { encoding: 'utf8', env, timeout: 30_000 });
  if (r.status !== 0) throw new Error(`library send failed (${r.status}): ${r.stderr || r.error}`);
  return { via: 'library', stdout: r.stdout };
}

/**
 * Runs `coord --dir <the workspace's directory> --as <as> ...args --json` as its own process and parses its
 * output. Asynchronous: the extension host (where the tests run) keeps turning its event loop, so a write
 * lock it holds is released while the process waits for it.
 */
export function coordAs<T = unknown>(as: string, ...args: string[]): Promise<T> {
  const env = { ...process.env };
  delete env.CLAUDE_INSTANCE_ID;
  delete env.ELECTRON_RUN_AS_NODE;
  const argv = [path.join(REPO_ROOT, 'dist', 'cli.js'), '--dir', coordDir(), '--as', as, ...args, '--json'];
  return new Promise((resolve, reject) => {
    execFile(
      process.env.COORD_NODE || findNode(),
      argv,
      { encoding: 'utf8', env, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`coord ${args[0]} failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as T);
      },
    );
  });
}

/** A node binary: the extension host's own when it is node (code-server), else `node` on PATH. */
function findNode(): string {
  return process.versions.electron ? 'node' : process.execPath;
}

export function readFile(rel: string): string {
  try {
    return fs.readFileSync(path.join(coordDir(), rel), 'utf8');
  } catch {
    return '';
  }
}

/** Whether two paths name the same directory (either may go through a link). */
export const sameDir = (a: string | null, b: string): boolean =>
  a !== null && fs.realpathSync(a) === fs.realpathSync(b);

/** Clears the coordination.directory setting and waits until the workspace's own directory is loaded again. */
export async function restoreWorkspaceDirectory(): Promise<void> {
  const api = await getApi();
  await vscode.workspace
    .getConfiguration('coordination')
    .update('directory', undefined, vscode.ConfigurationTarget.Workspace);
  await waitFor(
    'the workspace directory again',
    () => api.service.state === 'ready' && sameDir(api.service.dir, coordDir()),
  );
}
