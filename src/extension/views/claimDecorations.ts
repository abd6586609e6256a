/**
 * Explorer badges for claimed files and the folders above them: the holder
 * (its instance number, e.g. "2" for instance-2), a colour for mine, others'
 * or in conflict (theme colours contributed in package.json), and a tooltip
 * with holder, reason and time left. Redrawn whenever the claims change.
 */
import * as vscode from 'vscode';
import { Claim, formatTimeLeft } from '../../core';
import { Disposable } from '../common/dispose';
import { ClaimsModel, ClaimStanding } from '../service/claimsModel';

export const CLAIM_COLORS: Record<ClaimStanding, string> = {
  mine: 'coordination.claimMineForeground',
  others: 'coordination.claimOthersForeground',
  conflict: 'coordination.claimConflictForeground',
};

/** A badge has two characters: one holder shows its number ("instance-12" → "12", else two letters), several "+N". */
export function holderBadge(instance: string): string {
  const digits = /(\d+)\D*$/.exec(instance)?.[1];
  if (digits) return digits.slice(-2);
  return (instance.replace(/[^A-Za-z0-9]/g, '').slice(0, 2) || '?').toUpperCase();
}

export class ClaimDecorations extends Disposable implements vscode.FileDecorationProvider {
  private readonly changeEmitter = this._register(new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>());
  readonly onDidChangeFileDecorations = this.changeEmitter.event;

  constructor(private readonly model: ClaimsModel) {
    super();
    this._register(model.onDidChange(() => this.changeEmitter.fire(undefined)));
    this._register(vscode.window.registerFileDecorationProvider(this));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    const summary = this.model.summaryFor(uri);
    if (!summary) return undefined;
    const me = this.model.identity;
    const holders = [...new Set(summary.claims.map((c) => c.instance))];
    const shown = holders.filter((h) => h !== me);
    const badge =
      holders.length === 1
        ? holderBadge(holders[0])
        : shown.length === 1
          ? holderBadge(shown[0])
          : `+${Math.min(holders.length, 9)}`;
    const now = this.model.claimBook?.clock() ?? new Date();
    const tooltip = summary.claims.map((c) => describeClaim(c, me, now, this.model.isConflicted(c))).join('\n');
    return new vscode.FileDecoration(badge, tooltip, new vscode.ThemeColor(CLAIM_COLORS[summary.standing]));
  }
}

/** "instance-2 (exclusive) src/** — refactor — 1h 05m left", as the tooltip and the Claims view show it. */
export function describeClaim(c: Claim, me: string | null, now: Date, conflicted: boolean): string {
  const who = c.instance === me ? `${c.instance} (you)` : c.instance;
  const parts = [`${who}${c.exclusive ? ' exclusive' : ' shared'}: ${c.pattern}`];
  if (c.reason) parts.push(c.reason);
  parts.push(`${formatTimeLeft(c.expires, now)} left`);
  if (conflicted) parts.push('in conflict');
  return parts.join(' · ');
}
