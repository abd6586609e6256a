/** Every palette command, by area. */
import type * as vscode from 'vscode';
import { CommandDeps, registerAreas } from './actionRegistry';
import { messagingActions } from './messagingActions';
import { readingActions } from './readingActions';
import { reportActions } from './reportActions';
import { roomActions } from './roomActions';
import { setupActions } from './setupActions';
import { attentionActions } from './attentionActions';
import { agentActions } from './agentActions';
import { codeActions } from './codeActions';

export function registerCommands(deps: CommandDeps): vscode.Disposable {
  return registerAreas(deps, [
    messagingActions,
    roomActions,
    readingActions,
    reportActions,
    setupActions,
    attentionActions,
    agentActions,
    codeActions,
  ]);
}
