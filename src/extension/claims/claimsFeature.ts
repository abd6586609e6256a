/**
 * Coordination anchored to code, wired up in one place: the claims model,
 * the Explorer badges, the edit warnings, the Claims view, the claim and
 * Send Selection commands, and the hover on lines messages point at.
 */
import * as vscode from 'vscode';
import { CoordinationService } from '../service';
import { ClaimsModel } from './claimsModel';
import { ClaimDecorations } from './claimDecorations';
import { ClaimWarnings } from './claimWarnings';
import { ClaimsView } from './claimsView';
import { registerClaimCommands } from './claimCommands';
import { CodeRefHovers } from './codeRefHovers';

export interface ClaimsApi {
  model: ClaimsModel;
  decorations: ClaimDecorations;
  warnings: ClaimWarnings;
  view: ClaimsView;
}

export function registerClaims(context: vscode.ExtensionContext, service: CoordinationService): ClaimsApi {
  const model = new ClaimsModel(service);
  const decorations = new ClaimDecorations(model);
  const warnings = new ClaimWarnings(model);
  const view = new ClaimsView(model);
  context.subscriptions.push(
    model,
    decorations,
    warnings,
    view,
    vscode.window.registerFileDecorationProvider(decorations),
    vscode.languages.registerHoverProvider({ scheme: 'file' }, new CodeRefHovers(service)),
    ...registerClaimCommands(service, model),
  );
  return { model, decorations, warnings, view };
}
