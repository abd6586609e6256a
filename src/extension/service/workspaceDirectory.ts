/** Where the coordination directory is in the workspace (setting `coordination.directory`). */
import * as path from 'path';
import * as vscode from 'vscode';
import { looksLikeCoordinationDir } from '../../core';

/** The NATS server to use instead of the directory (setting coordination.server), or ''. */
export function serverSetting(): string {
  return vscode.workspace.getConfiguration('coordination').get<string>('server', '').trim();
}

export function directorySetting(): string {
  return (
    vscode.workspace.getConfiguration('coordination').get<string>('directory', 'coordination').trim() || 'coordination'
  );
}

/** The first workspace folder whose configured directory exists (absolute settings are used as is). */
export function findDirectory(): { dir: string; folder: vscode.WorkspaceFolder | null } | null {
  const setting = directorySetting();
  if (path.isAbsolute(setting)) return looksLikeCoordinationDir(setting) ? { dir: setting, folder: null } : null;
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== 'file') continue;
    const dir = path.join(folder.uri.fsPath, setting);
    if (looksLikeCoordinationDir(dir)) return { dir, folder };
  }
  return null;
}

/** Where a new directory would go: the configured path in the first (or chosen) folder. */
export function proposedDirectory(folder?: vscode.WorkspaceFolder): string | null {
  const setting = directorySetting();
  if (path.isAbsolute(setting)) return setting;
  const f = folder ?? vscode.workspace.workspaceFolders?.find((w) => w.uri.scheme === 'file');
  return f ? path.join(f.uri.fsPath, setting) : null;
}
