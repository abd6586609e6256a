/**
 * Commands anchored to code: Claim Files…, Release Claims…, List Claims, and
 * Send Selection to… (the file, line range and selected lines as a message).
 * Claims are written through the core's ClaimBook; the Explorer badges and
 * the Claims view follow through the claims model's watcher.
 */
import * as vscode from 'vscode';
import { Claim, ClaimBook, claimConflicts, formatSelectionQuote, isCoordError, parseClaimTtl } from '../../core';
import { askText, pickTarget } from '../common/prompts';
import { Cancelled, UserError, errorMessage } from '../common/reportError';
import { describeClaim } from '../views/claimDecorations';
import type { ClaimNode } from '../views/claimsView';
import { Args, CommandArea, confirm, programmatic, str } from './actionRegistry';

export const codeActions: CommandArea = ({ service, ready, me }) => {
  const book = async (): Promise<ClaimBook> => {
    await ready();
    me();
    return service.claimBook();
  };

  return {
    'coordination.claimFiles': async (args) => {
      const b = await book();
      const paths = await claimPaths(args, b);
      const exclusive =
        typeof args?.exclusive === 'boolean'
          ? args.exclusive
          : (await pick(['Exclusive', 'Shared'], `Claim ${paths.join(', ')}: exclusive or shared?`)) === 'Exclusive';
      const ttl =
        str(args, 'ttl') ??
        (await askText({ prompt: 'For how long? (30m, 2h, 1d)', value: '2h', validateInput: ttlError }));
      const reason = str(args, 'reason') ?? (await askText({ prompt: 'Why? (shown to the others)', allowEmpty: true }));
      const options = { exclusive, ttlMs: parseClaimTtl(ttl), reason, force: args?.force === true };
      try {
        const result = await b.claim(paths, options);
        confirm(args, `Claimed ${paths.join(', ')}`);
        return result;
      } catch (error) {
        if (!isCoordError(error) || error.code !== 'conflict' || programmatic(args)) throw error;
        const anyway = 'Claim Anyway (record the conflict)';
        if ((await vscode.window.showWarningMessage(error.message, anyway)) !== anyway) throw new Cancelled();
        return b.claim(paths, { ...options, force: true });
      }
    },

    'coordination.releaseClaims': async (args) => {
      const b = await book();
      let patterns: string[] | 'all';
      if (isClaimNode(args)) patterns = [args.claim.pattern];
      else if (args?.all === true) patterns = 'all';
      else if (Array.isArray(args?.patterns)) patterns = args.patterns.map(String);
      else {
        const mine = b.list().filter((c) => c.instance === b.instance);
        if (mine.length === 0) throw new UserError('you hold no claims');
        const now = b.clock();
        const picked = await vscode.window.showQuickPick(
          mine.map((c) => ({ label: c.pattern, description: describeClaim(c, b.instance, now, false), claim: c })),
          { canPickMany: true, title: 'Release which claims?' },
        );
        if (!picked || picked.length === 0) throw new Cancelled();
        patterns = picked.map((p) => p.claim.pattern);
      }
      const released = await b.release(patterns);
      confirm(args, `Released ${released.map((c) => c.pattern).join(', ') || 'nothing'}`);
      return released;
    },

    'coordination.listClaims': async () => {
      await ready();
      const b = service.claimBook();
      const claims = b.list();
      if (claims.length === 0) {
        void vscode.window.showInformationMessage('Agent Coordination: no claims in force.');
        return claims;
      }
      const now = b.clock();
      const picked = await vscode.window.showQuickPick(
        claims.map((claim) => ({
          label: claim.pattern,
          description: describeClaim(claim, service.identity, now, claimConflicts(claim, claims).length > 0),
          claim,
        })),
        { title: 'Claims in force' },
      );
      if (picked) {
        const node: ClaimNode = { kind: 'claim', claim: picked.claim as Claim };
        await vscode.commands.executeCommand('coordination.openClaimedFile', node);
      }
      return claims;
    },

    'coordination.sendSelection': async (args) => {
      const c = await ready();
      me();
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
      const selected = doc.getText(new vscode.Range(first - 1, 0, last - 1, doc.lineAt(last - 1).text.length));
      const file = vscode.workspace.asRelativePath(doc.uri, false);
      const target =
        str(args, 'target') ??
        (await pickTarget(service, `Send ${file}:${first}${last > first ? `-${last}` : ''} to…`));
      const text = formatSelectionQuote(file, first, last, selected, str(args, 'note') ?? '');
      const sent = await service.write(`sent a selection of ${file} to ${target}`, () => c.send(target, text));
      confirm(args, `Sent ${file}:${first} to ${sent.target}`);
      return sent;
    },
  };
};

function isClaimNode(args: Args | undefined): args is Args & ClaimNode & { kind: 'claim' } {
  return (args as { kind?: unknown } | undefined)?.kind === 'claim';
}

/** Paths from the arguments, an Explorer selection, or asked (the active file offered). */
async function claimPaths(args: Args | undefined, b: ClaimBook): Promise<string[]> {
  if (Array.isArray(args?.paths)) return args.paths.map(String);
  const uri = args instanceof vscode.Uri ? args : vscode.window.activeTextEditor?.document.uri;
  const offered = uri?.scheme === 'file' ? b.relativeOf(uri.fsPath) : null;
  if (args instanceof vscode.Uri) {
    if (offered === null) throw new UserError(`${args.fsPath} is outside the repository (${b.root})`);
    return [offered];
  }
  const typed = await askText({
    prompt: 'Claim which paths or globs? (relative to the repository, separated by spaces)',
    value: offered ?? '',
    validateInput: (v) => (v.trim() ? undefined : 'Type a path or glob, e.g. src/api/**'),
  });
  return typed.split(/\s+/).filter(Boolean);
}

function ttlError(v: string): string | undefined {
  try {
    parseClaimTtl(v);
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}

async function pick(items: string[], title: string): Promise<string> {
  const v = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
  if (v === undefined) throw new Cancelled();
  return v;
}
