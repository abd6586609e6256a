/**
 * Follows a coordination directory as other processes write it: file-system
 * events (fs.watch on the directory and its subdirectories, so a file that is
 * replaced is still seen), then the store's incremental refresh, which reads
 * only the bytes appended since. No timer polls the disk.
 *
 * A writer holds data/.coord.lock while it writes the log, the transcripts
 * and the action log; the refresh waits for the lock to go (its removal is an
 * event too) so a message is seen once, complete, with its final id.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Coordination } from '../coordination';
import { isBookkeepingPath } from '../disk/layout';

export interface FollowOptions {
  /** Quiet time after the last event before refreshing (ms). */
  settleMs?: number;
  /** How long a held lock may delay a refresh (a crashed holder is recovered by writers in 2 s). */
  lockWaitMs?: number;
  /** Call onChange once at the start too (after the first quiet refresh), changed or not. */
  initial?: boolean;
}

export class DirectoryFollower {
  private watchers = new Map<string, fs.FSWatcher>();
  private timer: NodeJS.Timeout | null = null;
  private lockSince = 0;
  private closed = false;
  /** Events seen so far: a refresh that overlapped one is not trusted until the next. */
  private events = 0;
  /** A refresh found changes that onChange has not been told of yet. */
  private dirty = false;
  private readonly settleMs: number;
  private readonly lockWaitMs: number;

  constructor(
    readonly coordination: Coordination,
    private readonly onChange: () => void,
    options: FollowOptions = {},
  ) {
    this.settleMs = options.settleMs ?? 5;
    this.lockWaitMs = options.lockWaitMs ?? 500;
    this.arm();
    if (options.initial) {
      this.dirty = true;
      this.schedule(0);
    }
  }

  /** Stops watching; no callback runs after this returns. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  /** Watches the root and every subdirectory that exists; a root event re-arms (a directory made or replaced). */
  private arm(): void {
    if (this.closed) return;
    const layout = this.coordination.layout;
    for (const dir of [layout.root, ...layout.allDirs]) {
      const existing = this.watchers.get(dir);
      if (existing && fs.existsSync(dir)) continue;
      existing?.close();
      this.watchers.delete(dir);
      try {
        const watcher = fs.watch(dir, { persistent: true }, (_event, name) => this.onEvent(dir, name));
        watcher.on('error', () => {
          watcher.close();
          this.watchers.delete(dir);
          this.schedule();
        });
        this.watchers.set(dir, watcher);
      } catch {
        /* not there yet: the root's watcher sees it arrive */
      }
    }
  }

  private onEvent(dir: string, name: string | Buffer | null): void {
    if (this.closed) return;
    const file = name ? path.join(dir, name.toString()) : dir;
    if (dir === this.coordination.layout.root) this.arm();
    // The lock's removal matters (a writer finished); other bookkeeping files never do.
    if (isBookkeepingPath(file) && file !== this.coordination.layout.lockDir) return;
    this.events++;
    this.schedule();
  }

  private schedule(delay = this.settleMs): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    this.timer = null;
    if (this.closed) return;
    const lock = this.coordination.layout.lockDir;
    if (fs.existsSync(lock)) {
      const now = Date.now();
      if (this.lockSince === 0) this.lockSince = now;
      // Its removal wakes us; the timer only covers a holder that died.
      if (now - this.lockSince < this.lockWaitMs) {
        this.schedule(this.lockWaitMs);
        return;
      }
    }
    this.lockSince = 0;
    const seen = this.events;
    try {
      if (this.coordination.refresh()) this.dirty = true;
    } catch {
      // A file caught half-replaced: the next event (or this retry) reads it whole.
      this.schedule(50);
      return;
    }
    // A writer that started while we read shows up as events right after: then this snapshot may be
    // half of its write (a transcript block before its log line), and the refresh those events schedule decides.
    setTimeout(() => {
      if (this.closed || this.events !== seen || this.timer) return;
      if (!this.dirty) return;
      this.dirty = false;
      this.onChange();
    }, this.settleMs);
  }
}
