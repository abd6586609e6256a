/**
 * When the person at the editor starts changing a file that another instance
 * holds exclusively: one warning per file per session, saying who holds it
 * until when, offering to message the holder or open a room.
 */
import * as vscode from 'vscode';
import { describeHold } from '../../core';
import { Disposable } from '../common/dispose';
import { ClaimsModel } from '../service/claimsModel';

export class ClaimWarnings extends Disposable {
  private readonly warned = new Set<string>();
  /** Files warned about, oldest first (for tests and diagnostics). */
  readonly shown: string[] = [];

  constructor(private readonly model: ClaimsModel) {
    super();
    this._register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.check(e.document.uri);
      }),
    );
  }

  private check(uri: vscode.Uri): void {
    if (uri.scheme !== 'file' || this.warned.has(uri.toString())) return;
    const claim = this.model.exclusiveHolder(uri);
    if (!claim) return;
    this.warned.add(uri.toString());
    const file = this.model.relativePath(uri) ?? uri.fsPath;
    this.shown.push(file);
    const now = this.model.claimBook?.clock() ?? new Date();
    const dm = `Message ${claim.instance}`;
    const room = 'Open a Room…';
    void vscode.window
      .showWarningMessage(`${file}: ${describeHold(claim, now)}. Your edits may collide with theirs.`, dm, room)
      .then((pick) => {
        if (pick === dm)
          void vscode.commands.executeCommand('coordination.openChatroom', { target: `@${claim.instance}` });
        else if (pick === room) void vscode.commands.executeCommand('coordination.openChatroom');
      });
  }
}
