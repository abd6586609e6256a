/**
 * The claims of the loaded coordination directory, for the Explorer badges,
 * the Claims view, the edit warnings and the claim commands. Re-reads
 * data/claims.json when it changes on disk (a watcher, plus a cheap stamp
 * check every POLL_MS in case a watcher event is missed) and when the soonest
 * claim expires, and fires onDidChange when what is in force changed.
 */
import * as vscode from 'vscode';
import { Claim, ClaimBook, claimConflicts, patternCovers, patternsOverlap } from '../../core';
import type { CoordinationBackend } from '../../core';
import { Disposable, disposeAll } from '../common/dispose';
import { errorMessage } from '../common/reportError';
import { CoordinationService } from './coordinationService';

const POLL_MS = 500;

export type ClaimStanding = 'mine' | 'others' | 'conflict';

/** What the Explorer shows for one file or folder. */
export interface ClaimSummary {
  standing: ClaimStanding;
  /** Claims covering the path itself (for a folder: also those of files below it). */
  claims: Claim[];
}

export class ClaimsModel extends Disposable {
  private book: ClaimBook | null = null;
  /** The backend `book` was made from (a reload opens another). */
  private bookBackend: CoordinationBackend | null = null;
  private live: Claim[] = [];
  private conflicted = new Set<string>();
  private stamp = '';
  private expiryTimer: NodeJS.Timeout | null = null;
  private readonly changeEmitter = this._register(new vscode.EventEmitter<void>());
  private watcher: vscode.Disposable[] = [];
  /** Fires after the claims in force changed. */
  readonly onDidChange = this.changeEmitter.event;
  lastError: string | null = null;

  constructor(private readonly service: CoordinationService) {
    super();
    this._register(service.onDidChange(() => this.reopen()));
    const poll = setInterval(() => this.reload(), POLL_MS);
    this._register({ dispose: () => clearInterval(poll) });
    this._register({
      dispose: () => {
        if (this.expiryTimer) clearTimeout(this.expiryTimer);
        disposeAll(this.watcher);
      },
    });
    this.reopen();
  }

  get claimBook(): ClaimBook | null {
    return this.book;
  }

  /** The repository root claims are relative to, or null when no directory is loaded. */
  get root(): string | null {
    return this.book?.root ?? null;
  }

  get identity(): string | null {
    return this.service.identity;
  }

  /** Claims in force, oldest first. */
  claims(): Claim[] {
    return this.live;
  }

  isConflicted(claim: Claim): boolean {
    return this.conflicted.has(claim.id);
  }

  /** Repository-relative POSIX path of a file URI, or null outside the repository. */
  relativePath(uri: vscode.Uri): string | null {
    if (uri.scheme !== 'file' || !this.book) return null;
    return this.book.relativeOf(uri.fsPath);
  }

  /** Claims covering the path (a file, or a folder: also the claims of anything below it). */
  summaryFor(uri: vscode.Uri): ClaimSummary | null {
    const rel = this.relativePath(uri);
    if (rel === null || this.live.length === 0) return null;
    // A pattern overlapping `rel` covers it or something below it (a folder's badge).
    const covering = this.live.filter((c) => patternsOverlap(c.pattern, rel));
    if (covering.length === 0) return null;
    const me = this.service.identity;
    const standing: ClaimStanding = covering.some((c) => this.conflicted.has(c.id))
      ? 'conflict'
      : covering.some((c) => c.instance !== me)
        ? 'others'
        : 'mine';
    return { standing, claims: covering };
  }

  /** Another instance's exclusive claim on a file, if any. */
  exclusiveHolder(uri: vscode.Uri): Claim | null {
    const rel = this.relativePath(uri);
    if (rel === null) return null;
    const me = this.service.identity;
    return this.live.find((c) => c.exclusive && c.instance !== me && patternCovers(c.pattern, rel)) ?? null;
  }

  /** Re-reads now; true when the claims in force changed. */
  reload(): boolean {
    if (!this.book || this.isDisposed) return false;
    const now = this.book.clock();
    const stamp = `${this.book.fileStamp()}|${this.nextExpiry(now)}`;
    if (stamp === this.stamp) return false;
    let live: Claim[];
    try {
      live = this.book.list();
      this.lastError = null;
    } catch (error) {
      this.lastError = errorMessage(error);
      this.service.log.warn(`claims: ${this.lastError}`);
      live = [];
    }
    this.stamp = `${this.book.fileStamp()}|${nextExpiryOf(live, now)}`;
    const before = JSON.stringify(this.live);
    this.live = live;
    this.conflicted = new Set(live.filter((c) => claimConflicts(c, live).length > 0).map((c) => c.id));
    this.scheduleExpiry(now);
    if (JSON.stringify(live) === before) return false;
    this.changeEmitter.fire();
    return true;
  }

  private nextExpiry(now: Date): number {
    return nextExpiryOf(this.live, now);
  }

  private scheduleExpiry(now: Date): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    const next = this.nextExpiry(now);
    if (!Number.isFinite(next)) return;
    // setTimeout takes at most ~24.8 days; a claim lasts at most 7.
    this.expiryTimer = setTimeout(() => this.reload(), Math.max(0, next - now.getTime()) + 20);
  }

  private reopen(): void {
    const backend = this.service.loaded ? this.service.coordination : null;
    const identity = this.service.identity;
    if (this.book && this.bookBackend === backend && this.book.instance === identity) {
      this.reload();
      return;
    }
    disposeAll(this.watcher);
    this.book = backend ? this.service.claimBook() : null;
    this.bookBackend = backend;
    this.stamp = '';
    // A server's claims are polled through their cheap stamp (the replica is pushed); a directory's file is watched.
    if (this.book && backend?.backend === 'nats') {
      this.reload();
    } else if (this.book) {
      const w = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.file(this.book.layout.dataDir), 'claims.json'),
      );
      this.watcher.push(
        w,
        w.onDidChange(() => this.reload()),
        w.onDidCreate(() => this.reload()),
        w.onDidDelete(() => this.reload()),
      );
      this.reload();
    } else if (this.live.length > 0) {
      this.live = [];
      this.conflicted.clear();
      this.changeEmitter.fire();
    }
  }
}

function nextExpiryOf(live: Claim[], now: Date): number {
  let next = Infinity;
  for (const c of live) {
    const t = Date.parse(c.expires);
    if (t > now.getTime() && t < next) next = t;
  }
  return next;
}
