/** Feeds the claim conflicts in force into the "Needs you" queue, recomputed whenever the claims change. */
import * as vscode from 'vscode';
import { claimConflictEntries } from '../../core';
import type { ClaimsModel } from './claimsModel';
import type { CoordinationService } from './coordinationService';
import type { NeedsYouModel } from './needsYouModel';

export function feedClaimConflicts(
  service: CoordinationService,
  claims: ClaimsModel,
  queue: NeedsYouModel,
): vscode.Disposable {
  const source = () => {
    const me = service.identity;
    if (!me || !service.loaded) return [];
    return claimConflictEntries(
      claims.claims(),
      me,
      service.coordination.humans().map((h) => h.id),
    );
  };
  return vscode.Disposable.from(
    queue.addSource(source),
    claims.onDidChange(() => queue.update(true)),
  );
}
