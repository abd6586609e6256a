/**
 * The one write path: every write runs under the directory lock, registers
 * its writer the way the Python tool does, and ends with an action-log line.
 */
import * as fs from 'fs';
import { Layout } from '../disk/layout';
import { appendWhole, ensureDir, touch } from '../disk/fsutil';
import { withLock } from '../disk/lock';
import { formatActionLine } from '../formats/actionLog';

export class WriteSession {
  private registered: string | null = null;

  constructor(
    readonly layout: Layout,
    private readonly timestamp: () => string,
    /** Called after every write, whether it landed or not (later reads must look at the disk again). */
    private readonly afterWrite: () => void,
  ) {}

  /** Runs `fn` under the directory lock; a synchronous body lands all or not at all. */
  async locked<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      return await withLock(this.layout.lockTarget, fn);
    } finally {
      this.afterWrite();
    }
  }

  /** Like the Python tool: an instance that writes has its read-status file (and so is known). */
  registerSelf(me: string): void {
    if (this.registered === me && fs.existsSync(this.layout.readMarks(me))) return;
    this.registered = me;
    for (const dir of this.layout.allDirs) if (!fs.existsSync(dir)) ensureDir(dir);
    touch(this.layout.readMarks(me));
  }

  logAction(me: string, action: string, details: string): void {
    appendWhole(this.layout.actionLog, formatActionLine({ time: this.timestamp(), instance: me, action, details }));
  }
}
