/**
 * Palette commands for claims (Claim Files…, Release Claims…, List Claims)
 * and "Send Selection to…". Called with an argument object they prompt for
 * nothing missing that was given, return their result and reject with the
 * one-line error; from the UI they show it.
 */
import * as vscode from 'vscode';
import { Claim, ClaimBook, formatSelectionQuote, isCoordError, parseClaimTtl } from '../../core';
import { CoordinationService, UserError, errorMessage, isUserError } from '../service';
import { ClaimsModel } from './claimsModel';
import { describeClaim } from './claimDecorations';
import type { ClaimNode } from './claimsView';

type Args = Record<string, unknown>;

class Cancelled extends Error {}

export function registerClaimCommands(service: CoordinationService, model: ClaimsModel): vscode.Disposable[] {
  const register = (id: string, fn: (arg: unknown) => Promise<unknown>) =>
    vscode.commands.registerCommand(id, async (arg?: unknown) => {
      try {
        return await fn(arg);
      } catch (error) {
        if (error instanceof Cancelled) return undefined;
        const text = errorMessage(error);
        if (isUserError(error)) service.log.info(`${id}: ${text}`);
        else service.log.error(`${id}: ${error instanceof Error ? (error.stack ?? text) : text}`);
        void vscode.window.showErrorMessage(text);
        if (isArgs(arg)) throw new Error(text);
        return undefined;
      }
    });

  const book = async (): Promise<ClaimBook> => {
    await service.whenLoaded();
    service.requireIdentity();
    const b = model.claimBook;
    if (!b) throw new UserError('no coordination directory is loaded');
    return b;
  };

  return [
    register('coordination.claimFiles', async (arg) => {
      const b = await book();
      const args = isArgs(arg) ? arg : {};
      const paths = await claimPaths(arg, model);
      const exclusive =
        typeof args.exclusive === 'boolean'
          ? args.exclusive
          : (await pick(['Exclusive', 'Shared'], `Claim ${paths.join(', ')}: exclusive or shared?`)) === 'Exclusive';
      const ttlText = typeof args.ttl === 'string' ? args.ttl : await ask('How long? (30m, 2h, 1d)', '2h', validTtl);
      const reason =
        typeof args.reason === 'string' ? args.reason : await ask('Why? (shown to the others)', '', () => undefined);
      const options = { exclusive, ttlMs: parseClaimTtl(ttlText), reason, force: args.force === true };
      try {
        const result = await b.claim(paths, options);
        model.reload();
        return result;
      } catch (error) {
        if (!isCoordError(error) || error.code !== 'conflict' || isArgs(arg)) throw error;
        const anyway = 'Claim Anyway (record the conflict)';
        if ((await vscode.window.showWarningMessage(error.message, anyway)) !== anyway) return undefined;
        const result = await b.claim(paths, { ...options, force: true });
        model.reload();
        return result;
      }
    }),

    register('coordination.releaseClaims', async (arg) => {
      const b = await book();
      let patterns: string[] | 'all';
      if (isNode(arg) && arg.kind === 'claim') patterns = [arg.claim.pattern];
      else if (isArgs(arg) && arg.all === true) patterns = 'all';
      else if (isArgs(arg) && Array.isArray(arg.patterns)) patterns = arg.patterns.map(String);
      else {
        const mine = model.claims().filter((c) => c.instance === service.identity);
        if (mine.length === 0) throw new UserError('you hold no claims');
        const now = b.clock();
        const picked = await vscode.window.showQuickPick(
          mine.map((c) => ({
            label: c.pattern,
            description: describeClaim(c, service.identity, now, false),
            claim: c,
          })),
          { canPickMany: true, title: 'Release which claims?' },
        );
        if (!picked || picked.length === 0) throw new Cancelled();
        patterns = picked.map((p) => p.claim.pattern);
      }
      const released = await b.release(patterns);
      model.reload();
      return released;
    }),

    register('coordination.listClaims', async () => {
      await service.whenLoaded();
      const claims = model.claims();
      if (claims.length === 0) {
        void vscode.window.showInformationMessage('Agent Coordination: no claims in force.');
        return claims;
      }
      const now = model.claimBook?.clock() ?? new Date();
      const picked = await vscode.window.showQuickPick(
        claims.map((c) => ({
          label: c.pattern,
          description: describeClaim(c, service.identity, now, model.isConflicted(c)),
          claim: c,
        })),
        { title: 'Claims in force' },
      );
      if (picked) {
        const node: ClaimNode = { kind: 'claim', claim: picked.claim as Claim };
        await vscode.commands.executeCommand('coordination.openClaimedFile', node);
      }
      return claims;
    }),

    register('coordination.sendSelection', async (arg) => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) throw new UserError('open a file and select the lines to send');
      const doc = editor.document;
      if (doc.uri.scheme !== 'file' || !vscode.workspace.getWorkspaceFolder(doc.uri))
        throw new UserError('Send Selection works on files inside the workspace');
      const sel = editor.selection;
      const first = sel.start.line + 1;
      // A selection that ends at the start of a line does not include that line.
      const last = Math.max(
        first,
        sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line : sel.end.line + 1,
      );
      const range = new vscode.Range(first - 1, 0, last - 1, doc.lineAt(last - 1).text.length);
      const text = formatSelectionQuote(
        vscode.workspace.asRelativePath(doc.uri, false),
        first,
        last,
        doc.getText(range),
        isArgs(arg) && typeof arg.note === 'string' ? arg.note : '',
      );
      const target = isArgs(arg) && typeof arg.target === 'string' ? arg.target : undefined;
      return vscode.commands.executeCommand('coordination.sendMessage', target ? { target, text } : { text });
    }),
  ];
}

function isArgs(arg: unknown): arg is Args {
  return typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) && !isNode(arg);
}

function isNode(arg: unknown): arg is ClaimNode {
  const kind = (arg as { kind?: unknown } | null)?.kind;
  return typeof arg === 'object' && arg !== null && (kind === 'claim' || kind === 'holder');
}

/** Paths from the arguments, an Explorer selection, or asked (the active file offered). */
async function claimPaths(arg: unknown, model: ClaimsModel): Promise<string[]> {
  if (isArgs(arg) && Array.isArray(arg.paths)) return arg.paths.map(String);
  if (arg instanceof vscode.Uri) {
    const rel = model.relativePath(arg);
    if (rel === null) throw new UserError(`${arg.fsPath} is outside the repository`);
    return [rel];
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  const offered = active ? (model.relativePath(active) ?? '') : '';
  const typed = await ask('Claim which paths or globs? (relative to the repository, space-separated)', offered, (v) =>
    v.trim() ? undefined : 'Type a path or glob, e.g. src/api/**',
  );
  return typed.split(/\s+/).filter(Boolean);
}

function validTtl(v: string): string | undefined {
  try {
    parseClaimTtl(v);
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}

async function ask(prompt: string, value: string, validateInput: (v: string) => string | undefined): Promise<string> {
  const v = await vscode.window.showInputBox({ prompt, value, ignoreFocusOut: true, validateInput });
  if (v === undefined) throw new Cancelled();
  return v;
}

async function pick(items: string[], title: string): Promise<string> {
  const v = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
  if (v === undefined) throw new Cancelled();
  return v;
}
