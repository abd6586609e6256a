/** Every palette command, by area. */
import type * as vscode from 'vscode';
import { CommandDeps, registerAreas } from './actionRegistry';
import { messagingActions } from './messagingActions';
import { readingActions } from './readingActions';
import { reportActions } from './reportActions';
import { roomActions } from './roomActions';
import { setupActions } from './setupActions';

export function registerCommands(deps: CommandDeps): vscode.Disposable {
  return registerAreas(deps, [messagingActions, roomActions, readingActions, reportActions, setupActions]);
}
