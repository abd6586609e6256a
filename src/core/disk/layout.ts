/** Where each file kind lives inside a coordination directory. */
import * as path from 'path';
import { dmPair } from '../common/names';

const LOCK_TARGET = '.coord';
const LOG_CHECKPOINT = '.coord-log-index.json';
const SEARCH_INDEX = '.coord-search-index';
const DELIVERY_CURSOR = '.coord-delivery-';
const HOOK_LOG = '.coord-hooks.log';
const WRITE_INTENT = '.coord-write-intent';
const BRIDGE_CURSOR = '.coord-bridge-';
const READ_MARKS_TABLE = '.coord-read-marks-';

export class Layout {
  /** The fixed paths, each joined once (a send asks for some twenty of them). */
  private readonly paths = new Map<string, string>();

  constructor(readonly root: string) {}

  private cached(key: string, make: () => string): string {
    let made = this.paths.get(key);
    if (made === undefined) {
      made = make();
      this.paths.set(key, made);
    }
    return made;
  }

  get dataDir(): string {
    return this.cached('dataDir', () => path.join(this.root, 'data'));
  }
  get chatroomsDir(): string {
    return this.cached('chatroomsDir', () => path.join(this.root, 'chatrooms'));
  }
  get inboxesDir(): string {
    return this.cached('inboxesDir', () => path.join(this.root, 'inboxes'));
  }
  get dmsDir(): string {
    return this.cached('dmsDir', () => path.join(this.root, 'dms'));
  }
  get readStatusDir(): string {
    return this.cached('readStatusDir', () => path.join(this.root, 'read-status'));
  }

  get messagesLog(): string {
    return this.cached('messagesLog', () => path.join(this.dataDir, 'messages.log'));
  }
  get actionLog(): string {
    return this.cached('actionLog', () => path.join(this.dataDir, 'action-log.txt'));
  }
  get chatroomStatus(): string {
    return this.cached('chatroomStatus', () => path.join(this.dataDir, 'chatroom-status.txt'));
  }
  get readReceipts(): string {
    return this.cached('readReceipts', () => path.join(this.dataDir, 'read-receipts.log'));
  }
  get statusTxt(): string {
    return this.cached('statusTxt', () => path.join(this.dataDir, 'status.txt'));
  }
  /** Our bookkeeping files, which the older tools ignore: the write lock, the line-count checkpoint, the index. */
  get lockTarget(): string {
    return this.cached('lockTarget', () => path.join(this.dataDir, LOCK_TARGET));
  }
  get lockDir(): string {
    return `${this.lockTarget}.lock`;
  }
  /** File claims (src/core/claims); the older tools ignore it. */
  get claimsFile(): string {
    return this.cached('claimsFile', () => path.join(this.dataDir, 'claims.json'));
  }
  /** Where `coord bridge` keeps how far it mirrored (per bridge id). */
  bridgeCursor(id: string): string {
    return path.join(this.dataDir, `${BRIDGE_CURSOR}${id}.json`);
  }
  get logCheckpoint(): string {
    return this.cached('logCheckpoint', () => path.join(this.dataDir, LOG_CHECKPOINT));
  }
  get searchIndex(): string {
    return this.cached('searchIndex', () => path.join(this.dataDir, SEARCH_INDEX));
  }
  /** Acknowledgements and the humans (formats/acksFile.ts, formats/humansFile.ts): ours, appended under the lock. */
  get acksFile(): string {
    return this.cached('acksFile', () => path.join(this.dataDir, 'coord-acks.txt'));
  }
  get humansFile(): string {
    return this.cached('humansFile', () => path.join(this.dataDir, 'coord-humans.txt'));
  }
  /** What the hooks already handed to one instance's agent (see core/live/delivery.ts). */
  deliveryCursor(id: string): string {
    return path.join(this.dataDir, `${DELIVERY_CURSOR}${id}.json`);
  }
  /** One instance's read marks as parsed (see read/readMarkTable.ts): a cache of read-status/<id>.txt. */
  readMarkTable(id: string): string {
    return path.join(this.dataDir, `${READ_MARKS_TABLE}${id}`);
  }
  /** Problems a hook met; hooks never fail the agent, they log here. */
  get hookLog(): string {
    return this.cached('hookLog', () => path.join(this.dataDir, HOOK_LOG));
  }
  /** A message write's pending copies (see write/writeIntent.ts). */
  get writeIntent(): string {
    return this.cached('writeIntent', () => path.join(this.dataDir, WRITE_INTENT));
  }
  /** The same as a whole JSON file, as coord versions before the in-place record wrote it. */
  get legacyWriteIntent(): string {
    return this.cached('legacyWriteIntent', () => path.join(this.dataDir, `${WRITE_INTENT}.json`));
  }

  instanceStatus(id: string): string {
    return path.join(this.dataDir, `status_${id}.txt`);
  }
  chatroom(room: string): string {
    return path.join(this.chatroomsDir, `${room}.txt`);
  }
  inbox(id: string): string {
    return path.join(this.inboxesDir, `${id}.txt`);
  }
  /** The bash tools' DM transcript of a pair: `a_b.txt`, the two ids sorted. */
  bashDm(a: string, b: string): string {
    const [x, y] = dmPair(a, b);
    return path.join(this.dmsDir, `${x}_${y}.txt`);
  }
  pythonDm(a: string, b: string): string {
    const [x, y] = dmPair(a, b);
    return path.join(this.dmsDir, `dm_${x}_${y}.txt`);
  }
  readMarks(id: string): string {
    return path.join(this.readStatusDir, `${id}.txt`);
  }
  positions(id: string): string {
    return path.join(this.readStatusDir, `${id}_positions.txt`);
  }

  get allDirs(): string[] {
    return [this.dataDir, this.chatroomsDir, this.inboxesDir, this.dmsDir, this.readStatusDir];
  }
}

/**
 * Files our own writers touch besides the data itself: the lock directory
 * (mkdir, mtime refreshes, rmdir), the line-count checkpoint, the persisted
 * search index, the hooks' delivery cursors and log, a NATS bridge's cursor, the parsed read-mark
 * tables, and the temporary files
 * of atomic writes (ours, `name.tmp-<pid>-<n>`; older versions'
 * `name.<digits>`, `*.tmp`, `*.tmp-*`). Every real change also writes a data
 * file, so events for these only restart the debounce.
 */
export function isBookkeepingPath(fsPath: string): boolean {
  const parts = fsPath.split(/[\\/]/);
  if (parts.some((p) => p === `${LOCK_TARGET}.lock`)) return true;
  const base = parts[parts.length - 1] ?? '';
  return (
    base.startsWith(LOG_CHECKPOINT) ||
    base.startsWith(SEARCH_INDEX) ||
    base.startsWith(DELIVERY_CURSOR) ||
    base.startsWith(HOOK_LOG) ||
    base.startsWith(WRITE_INTENT) ||
    base.startsWith(BRIDGE_CURSOR) ||
    base.startsWith(READ_MARKS_TABLE) ||
    /\.\d+$/.test(base) ||
    /\.tmp(?:-[^/\\]*)?$/i.test(base) ||
    /\.tmp-/i.test(base)
  );
}
