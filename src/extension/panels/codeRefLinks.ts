/**
 * `path/to/file.ts:42` in message text, on the host side: which references
 * name a file inside a workspace folder (only those become links in the
 * thread panel), and opening one at its lines when the webview asks. The
 * webview's request is checked again here: it names a path, never a URI.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { findCodeRefs } from '../../core';
import type { ViewMessage } from '../../shared/protocol';

/** The workspace file a relative reference names, or null (outside every folder, missing, not a file). */
export function resolveCodeRefPath(relPath: string): vscode.Uri | null {
  if (typeof relPath !== 'string' || relPath === '' || path.isAbsolute(relPath) || relPath.includes('\\')) return null;
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== 'file') continue;
    const root = folder.uri.fsPath;
    const full = path.resolve(root, relPath);
    if (!isInside(root, full)) continue;
    try {
      const real = fs.realpathSync(full);
      if (!isInside(fs.realpathSync(root), real) || !fs.statSync(real).isFile()) continue;
    } catch {
      continue;
    }
    return vscode.Uri.file(full);
  }
  return null;
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Adds `codeRefs` (only those naming a workspace file) to each view message. */
export function attachCodeRefs(messages: ViewMessage[]): ViewMessage[] {
  const known = new Map<string, boolean>();
  const exists = (p: string) => {
    let hit = known.get(p);
    if (hit === undefined) known.set(p, (hit = resolveCodeRefPath(p) !== null));
    return hit;
  };
  for (const m of messages) {
    const refs = findCodeRefs(m.text).filter((r) => exists(r.path));
    if (refs.length > 0) m.codeRefs = refs;
  }
  return messages;
}

/** Opens a workspace file with lines `line`..`endLine` selected; false when the reference is not a workspace file. */
export async function openCodeRef(relPath: string, line: number, endLine: number = line): Promise<boolean> {
  const uri = resolveCodeRefPath(relPath);
  if (!uri || !Number.isSafeInteger(line) || line < 1) return false;
  const last = Number.isSafeInteger(endLine) && endLine >= line ? endLine : line;
  const doc = await vscode.workspace.openTextDocument(uri);
  const from = Math.min(line, doc.lineCount) - 1;
  const to = Math.min(last, doc.lineCount) - 1;
  // Anchored at the end so the cursor lands on the first line the message names.
  const selection = new vscode.Selection(to, doc.lineAt(to).text.length, from, 0);
  const editor = await vscode.window.showTextDocument(doc, { selection, preview: false });
  editor.selection = selection; // the option keeps only the range, not which end the cursor is at
  editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return true;
}
