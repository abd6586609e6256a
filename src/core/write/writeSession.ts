/**
 * The one write path: every write runs under the directory lock, registers
 * its writer the way the Python tool does, and ends with an action-log line.
 */
import * as fs from 'fs';
import { Layout } from '../disk/layout';
import { ensureDir, touch } from '../disk/fsutil';
import { withLock } from '../disk/lock';
import { formatActionLine } from '../formats/actionLog';
import { removeLeftoverTempFiles } from './leftovers';
import { appendLogLine, PlannedAppend, scanBeforeAppend, writeAppends } from './messageWrites';
import { completeTornWrite, markIntentDone, recordIntent } from './writeIntent';

/** Per lock target, the lease under which a write that completed torn writes landed (see locked()). */
const tornWritesCompleted = new Map<string, number>();

export class WriteSession {
  private registered: string | null = null;
  private tidied = false;

  constructor(
    readonly layout: Layout,
    private readonly timestamp: () => string,
    /** Called after every write, whether it landed or not (later reads must look at the disk again). */
    private readonly afterWrite: () => void,
  ) {}

  /**
   * Runs `fn` under the directory lock; a synchronous body lands all or not
   * at all. What a writer killed mid-write left is completed or removed first:
   * once each time the lock is taken (only a holder of the lock can leave a
   * torn write, and a write of ours that fails is undone), by the first write
   * under it that lands.
   */
  async locked<T>(fn: () => T): Promise<T> {
    const target = this.layout.lockTarget;
    let completedUnder: number | null = null;
    try {
      const result = await withLock(target, (lease) => {
        if (tornWritesCompleted.get(target) !== lease) {
          completeTornWrite(this.layout);
          completedUnder = lease;
        }
        if (!this.tidied) removeLeftoverTempFiles(this.layout);
        this.tidied = true;
        return fn();
      });
      if (completedUnder !== null) tornWritesCompleted.set(target, completedUnder);
      return result;
    } finally {
      this.afterWrite();
    }
  }

  /**
   * Writes one message: the log line (which numbers and commits it), then its
   * copies, recorded beforehand so a torn write can be completed.
   */
  writeMessage(logLine: string, copies: PlannedAppend[]): number {
    const before = scanBeforeAppend(this.layout);
    const record = recordIntent(this.layout, logLine, copies, before.size);
    try {
      const number = appendLogLine(this.layout, logLine, before);
      writeAppends(copies);
      if (record) markIntentDone(record);
      return number;
    } finally {
      record?.close();
    }
  }

  actionLine(me: string, action: string, details: string): PlannedAppend {
    return {
      file: this.layout.actionLog,
      text: formatActionLine({ time: this.timestamp(), instance: me, action, details }),
    };
  }

  /** Like the Python tool: an instance that writes has its read-status file (and so is known). */
  registerSelf(me: string): void {
    if (this.registered === me && fs.existsSync(this.layout.readMarks(me))) return;
    this.registered = me;
    for (const dir of this.layout.allDirs) if (!fs.existsSync(dir)) ensureDir(dir);
    touch(this.layout.readMarks(me));
  }

  logAction(me: string, action: string, details: string): void {
    writeAppends([this.actionLine(me, action, details)]);
  }
}
